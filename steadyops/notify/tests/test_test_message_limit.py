"""At most five test messages per channel in any 60 seconds, counted from the outbox: page, API and service."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from ninja import NinjaAPI
from ninja.testing import TestClient

from steadyops.accounts import services as accounts
from steadyops.api.errors import install
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.notify import services
from steadyops.notify.api import router
from steadyops.notify.models import Channel, DeliveryStatus, OutboxMessage
from steadyops.testing.personas import make_personas

LIMIT = services.TEST_MESSAGES_PER_MINUTE

api = NinjaAPI(urls_namespace="notify-limit-api-test")
install(api)
api.add_router("/notifications", router)
api_client = TestClient(api)


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def channel(personas) -> Channel:  # type: ignore[no-untyped-def]
    return services.create_channel(
        actor=Actor(user=personas.stakeholder), kind="email", name="Work email", target="s@example.com"
    )


def fill_up(channel: Channel) -> None:
    for _ in range(LIMIT):
        services.send_test_message(actor=Actor(user=channel.owner), channel=channel)


def test_it_is_five_a_minute() -> None:
    assert (5, timedelta(seconds=60)) == (LIMIT, services.TEST_MESSAGE_WINDOW)


# --- the service ----------------------------------------------------------------------------------------------------


def test_it_sends_five_and_refuses_the_sixth_without_writing_anything(personas, channel) -> None:  # type: ignore[no-untyped-def]
    fill_up(channel)
    with pytest.raises(services.TooManyTestMessages) as caught:
        services.send_test_message(actor=Actor(user=personas.stakeholder), channel=channel)
    assert 1 <= caught.value.retry_after <= 60
    assert str(caught.value).startswith(
        "You have sent 5 test messages to “Work email” in the last minute. That is the most we allow"
    )
    assert OutboxMessage.objects.filter(event="channel.test").count() == LIMIT
    assert AuditEntry.objects.filter(action="channel.test").count() == LIMIT


def test_it_counts_each_channel_on_its_own(personas, channel) -> None:  # type: ignore[no-untyped-def]
    fill_up(channel)
    other = services.create_channel(
        actor=Actor(user=personas.stakeholder), kind="email", name="Home", target="home@example.com"
    )
    theirs = services.create_channel(
        actor=Actor(user=personas.operator_b), kind="email", name="Theirs", target="b@example.com"
    )
    services.send_test_message(actor=Actor(user=personas.stakeholder), channel=other)
    services.send_test_message(actor=Actor(user=personas.operator_b), channel=theirs)
    assert OutboxMessage.objects.filter(channel=other).count() == 1
    assert OutboxMessage.objects.filter(channel=theirs).count() == 1


def test_it_counts_only_test_messages(personas, channel) -> None:  # type: ignore[no-untyped-def]
    for n in range(LIMIT + 2):
        services.notify_user(user=personas.stakeholder, event="demand.event", subject=f"Note {n}", body="")
    assert OutboxMessage.objects.filter(channel=channel).count() == LIMIT + 2
    message = services.send_test_message(actor=Actor(user=personas.stakeholder), channel=channel)
    assert message.event == "channel.test"


def test_it_counts_test_messages_whatever_became_of_them(personas, channel) -> None:  # type: ignore[no-untyped-def]
    fill_up(channel)
    OutboxMessage.objects.update(status=DeliveryStatus.DELIVERED)
    with pytest.raises(services.TooManyTestMessages):
        services.send_test_message(actor=Actor(user=personas.stakeholder), channel=channel)
    OutboxMessage.objects.update(status=DeliveryStatus.DEAD)
    with pytest.raises(services.TooManyTestMessages):
        services.send_test_message(actor=Actor(user=personas.stakeholder), channel=channel)


def test_it_allows_more_once_the_minute_has_passed(personas, channel) -> None:  # type: ignore[no-untyped-def]
    fill_up(channel)
    OutboxMessage.objects.update(created_at=datetime.now(UTC) - timedelta(seconds=61))
    for _ in range(LIMIT):
        services.send_test_message(actor=Actor(user=personas.stakeholder), channel=channel)
    assert OutboxMessage.objects.count() == 2 * LIMIT


def test_it_says_when_the_next_test_is_allowed(personas, channel) -> None:  # type: ignore[no-untyped-def]
    fill_up(channel)
    start = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
    # The oldest of the five leaves the window first: after it, one more test is allowed.
    for offset, message in enumerate(OutboxMessage.objects.order_by("id")):
        OutboxMessage.objects.filter(pk=message.pk).update(created_at=start + timedelta(seconds=10 * offset))
    assert services._test_message_wait(channel, start + timedelta(seconds=45)) == 15
    assert services._test_message_wait(channel, start + timedelta(seconds=59, milliseconds=500)) == 1
    assert services._test_message_wait(channel, start + timedelta(seconds=60)) == 0


@pytest.mark.django_db(transaction=True)
def test_it_holds_the_limit_when_presses_arrive_together_on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("pytest-django's SQLite test database is in memory; SQLite takes one writer at a time anyway")
    owner = make_personas().stakeholder
    channel = services.create_channel(actor=Actor(user=owner), kind="email", name="Work email", target="s@example.com")
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(12)

    def press() -> None:
        try:
            start.wait(timeout=30)
            try:
                services.send_test_message(actor=Actor(user=owner), channel=channel)
                outcome = "sent"
            except services.TooManyTestMessages:
                outcome = "refused"
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused"] * 7 + ["sent"] * LIMIT
    assert OutboxMessage.objects.filter(channel=channel).count() == LIMIT


# --- the page -------------------------------------------------------------------------------------------------------


def test_it_answers_429_on_the_page_with_a_plain_message(personas, channel) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.stakeholder)
    test_url = reverse("channel_test", args=[channel.pk])
    for _ in range(LIMIT):
        assert client.post(test_url).status_code == 302
    response = client.post(test_url)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    html = response.content.decode()
    assert "You have sent 5 test messages to “Work email” in the last minute." in html
    assert f"Please try again in {response['Retry-After']} second" in html
    # The channel page itself, so the person sees which channel and can go on.
    assert "<h1>Work email</h1>" in html
    assert 'class="message message-error"' in html
    assert OutboxMessage.objects.count() == LIMIT
    # The message was shown once; it does not come back on the next page.
    assert "in the last minute" not in client.get(reverse("channel_edit", args=[channel.pk])).content.decode()


def test_it_refuses_a_flood_at_five(personas, channel) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.stakeholder)
    statuses = [client.post(reverse("channel_test", args=[channel.pk])).status_code for _ in range(20)]
    assert statuses == [302] * LIMIT + [429] * (20 - LIMIT)
    assert OutboxMessage.objects.count() == LIMIT


def test_it_does_not_limit_other_people(personas, channel) -> None:  # type: ignore[no-untyped-def]
    fill_up(channel)
    theirs = services.create_channel(
        actor=Actor(user=personas.operator_b), kind="email", name="Theirs", target="b@example.com"
    )
    assert client_for(personas.operator_b).post(reverse("channel_test", args=[theirs.pk])).status_code == 302
    # Someone else's channel stays hidden, full or not.
    assert client_for(personas.operator_b).post(reverse("channel_test", args=[channel.pk])).status_code == 404


# --- the API --------------------------------------------------------------------------------------------------------


def test_it_answers_429_in_the_error_shape_on_the_api(personas, channel) -> None:  # type: ignore[no-untyped-def]
    _, raw = accounts.create_token(
        actor=Actor(user=personas.stakeholder), user=personas.stakeholder, name="script", scopes=["write"]
    )
    headers = {"Authorization": f"Bearer {raw}"}
    path = f"/notifications/channels/{channel.pk}/test"
    assert [api_client.post(path, headers=headers).status_code for _ in range(LIMIT)] == [202] * LIMIT
    response = api_client.post(path, headers=headers)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["error"]["code"] == "too_many_requests"
    assert body["error"]["message"].startswith("You have sent 5 test messages to “Work email” in the last minute.")
    assert body["error"]["details"] is None
    assert OutboxMessage.objects.count() == LIMIT


def test_it_documents_the_429_in_the_schema(client) -> None:  # type: ignore[no-untyped-def]
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/notifications/channels/{channel_id}/test"]["post"]
    assert "429" in operation["responses"]
    assert "Retry-After" in operation["description"]
