from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from steadyops.notify import services
from steadyops.notify.models import Channel, ChannelKind, OutboxMessage, Preference


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def quiet(start: str, end: str, zone: str = "UTC") -> Preference:
    return Preference(quiet_start=time.fromisoformat(start), quiet_end=time.fromisoformat(end), time_zone=zone)


def test_it_has_no_quiet_hours_without_preferences() -> None:
    assert services._quiet_until(None, at(2026, 3, 2, 3)) is None
    assert services._quiet_until(Preference(time_zone="UTC"), at(2026, 3, 2, 3)) is None


def test_it_delays_to_the_end_of_a_daytime_window() -> None:
    until = services._quiet_until(quiet("12:00", "14:00"), at(2026, 3, 2, 12, 30))
    assert until == at(2026, 3, 2, 14)


def test_it_does_not_delay_outside_a_daytime_window() -> None:
    assert services._quiet_until(quiet("12:00", "14:00"), at(2026, 3, 2, 14)) is None
    assert services._quiet_until(quiet("12:00", "14:00"), at(2026, 3, 2, 11, 59)) is None


def test_it_delays_an_evening_message_of_an_overnight_window_to_the_next_morning() -> None:
    until = services._quiet_until(quiet("22:00", "07:00"), at(2026, 3, 2, 23, 15))
    assert until == at(2026, 3, 3, 7)


def test_it_delays_an_early_morning_message_of_an_overnight_window_to_the_same_morning() -> None:
    until = services._quiet_until(quiet("22:00", "07:00"), at(2026, 3, 3, 2))
    assert until == at(2026, 3, 3, 7)


def test_it_does_not_delay_in_the_afternoon_with_an_overnight_window() -> None:
    assert services._quiet_until(quiet("22:00", "07:00"), at(2026, 3, 3, 15)) is None


def test_it_reads_quiet_hours_in_the_persons_time_zone() -> None:
    # 21:30 UTC is 06:30 the next day in Tokyo (UTC+9): inside 22:00-07:00 there, ending at 07:00 Tokyo = 22:00 UTC.
    until = services._quiet_until(quiet("22:00", "07:00", "Asia/Tokyo"), at(2026, 3, 2, 21, 30))
    assert until is not None
    assert until.astimezone(UTC) == at(2026, 3, 2, 22)
    # 12:00 UTC is 21:00 in Tokyo: outside.
    assert services._quiet_until(quiet("22:00", "07:00", "Asia/Tokyo"), at(2026, 3, 2, 12)) is None


def test_it_follows_daylight_saving_time() -> None:
    # New York is UTC-5 in January and UTC-4 in July; quiet hours end at 07:00 local time in both.
    winter = services._quiet_until(quiet("22:00", "07:00", "America/New_York"), at(2026, 1, 15, 8))
    summer = services._quiet_until(quiet("22:00", "07:00", "America/New_York"), at(2026, 7, 15, 8))
    assert winter is not None
    assert winter.astimezone(UTC) == at(2026, 1, 15, 12)
    assert summer is not None
    assert summer.astimezone(UTC) == at(2026, 7, 15, 11)


@pytest.fixture
def always_quiet(personas) -> Preference:  # type: ignore[no-untyped-def]
    # From a minute ago until two minutes ago tomorrow: the test does not depend on the clock.
    minute = timezone.now().astimezone(UTC).replace(second=0, microsecond=0)
    start = (minute - timedelta(minutes=1)).time()
    end = (minute - timedelta(minutes=2)).time()
    return Preference.objects.create(user=personas.operator_a, quiet_start=start, quiet_end=end, time_zone="UTC")


def test_it_holds_back_a_normal_notification_in_quiet_hours(personas, always_quiet) -> None:  # type: ignore[no-untyped-def]
    [message] = services.notify_user(user=personas.operator_a, event="demo", subject="Hello", body="Body")
    assert message.next_attempt_at > timezone.now() + timedelta(hours=23)


def test_it_sends_an_urgent_notification_in_quiet_hours_at_once(personas, always_quiet) -> None:  # type: ignore[no-untyped-def]
    before = timezone.now()
    [message] = services.notify_user(user=personas.operator_a, event="page", subject="Down", body="", urgent=True)
    assert message.urgent is True
    assert before <= message.next_attempt_at <= timezone.now()


def test_it_emails_a_person_without_channels(personas) -> None:  # type: ignore[no-untyped-def]
    [message] = services.notify_user(user=personas.viewer, event="demo", subject="Hello", body="Body")
    assert (message.kind, message.target, message.channel) == (ChannelKind.EMAIL, "viewer@example.com", None)
    assert message.payload == {"event": "demo", "subject": "Hello"}


def test_it_sends_to_each_enabled_channel_only(personas) -> None:  # type: ignore[no-untyped-def]
    user = personas.operator_a
    chat = Channel.objects.create(
        owner=user, kind=ChannelKind.SLACK, name="Chat", target="https://chat.example.com/h/1"
    )
    Channel.objects.create(owner=user, kind=ChannelKind.EMAIL, name="Off", target="off@example.com", enabled=False)
    Channel.objects.create(
        owner=user, kind=ChannelKind.EMAIL, name="Gone", target="gone@example.com", archived_at=timezone.now()
    )
    messages = services.notify_user(user=user, event="demo", subject="Hello", body="Body", payload={"x": 1})
    assert [(m.channel, m.target) for m in messages] == [(chat, "https://chat.example.com/h/1")]
    assert OutboxMessage.objects.count() == 1


def test_it_writes_nothing_for_a_person_without_channels_or_email(personas) -> None:  # type: ignore[no-untyped-def]
    personas.viewer.email = ""
    personas.viewer.save()
    assert services.notify_user(user=personas.viewer, event="demo", subject="Hello", body="Body") == []
    assert OutboxMessage.objects.count() == 0
