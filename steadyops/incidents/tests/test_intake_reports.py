"""Panic reports: stored, rate-limited per person, grouped into signals, paging past the threshold."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from steadyops.catalog.models import Service
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.incidents import grouping_services, intake_services
from steadyops.incidents.models.signals import Alert, RateBucket, Report, Signal, SignalStatus
from steadyops.incidents.ratelimit import RateLimited
from steadyops.testing.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Calls to on-call's start_paging, recorded instead of paging."""
    from steadyops.incidents import oncall_services

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(oncall_services, "start_paging", lambda **kwargs: calls.append(kwargs))
    return calls


def test_it_stores_a_report_with_the_reporters_team_and_audits_it(personas: Personas) -> None:
    report = intake_services.record_report(
        actor=Actor(user=personas.stakeholder), what="Checkout page shows an error", customers="many"
    )
    report.refresh_from_db()
    assert report.reporter == personas.stakeholder
    assert report.team == personas.marketing
    assert report.customers == "many"
    assert report.source == "page"
    assert AuditEntry.objects.filter(action="incidents.report", object_id=str(report.pk)).count() == 1


def test_it_groups_a_report_right_away_when_the_worker_runs_immediately(personas: Personas) -> None:
    report = intake_services.record_report(actor=Actor(user=personas.stakeholder), what="Checkout is down")
    report.refresh_from_db()
    assert report.signal is not None
    assert report.grouped_at is not None
    assert report.signal.report_count == 1
    assert report.signal.title == "Checkout is down"
    assert report.signal.status == SignalStatus.OPEN


def test_it_says_when_the_reporter_will_hear_back(personas: Personas, settings: Any) -> None:
    settings.INCIDENTS_ANSWER_MINUTES = 15
    report = intake_services.record_report(actor=Actor(user=personas.viewer))
    by = timezone.localtime(report.created_at + timedelta(minutes=15)).strftime("%H:%M")
    assert intake_services.acknowledgement(report) == f"We got it. Ops is looking. You'll hear back by {by}."


def test_it_refuses_the_sixth_press_in_ten_minutes_with_a_kind_message(personas: Personas) -> None:
    actor = Actor(user=personas.stakeholder)
    for _ in range(5):
        intake_services.record_report(actor=actor, what="broken")
    with pytest.raises(RateLimited) as refused:
        intake_services.record_report(actor=actor, what="broken")
    assert refused.value.message.startswith("You pressed the button a moment ago; we have your report.")
    # 5 presses per 600 seconds: one comes back every 120 seconds.
    assert 1 <= refused.value.retry_after <= 120
    assert Report.objects.filter(reporter=personas.stakeholder).count() == 5
    # Another person is not held back by the first one's presses.
    intake_services.record_report(actor=Actor(user=personas.viewer), what="broken")


def test_it_gives_the_press_back_when_refused(personas: Personas) -> None:
    actor = Actor(user=personas.stakeholder)
    for _ in range(5):
        intake_services.record_report(actor=actor)
    for _ in range(3):
        with pytest.raises(RateLimited):
            intake_services.record_report(actor=actor)
    bucket = RateBucket.objects.get(key=f"panic:user:{personas.stakeholder.pk}")
    assert 0 <= bucket.tokens < 1


def test_it_refuses_anonymous_and_inactive_people(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        intake_services.record_report(actor=Actor(user=None))
    personas.viewer.is_active = False
    personas.viewer.save()
    with pytest.raises(PermissionDenied):
        intake_services.record_report(actor=Actor(user=personas.viewer))
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"what": "x" * 2001}, "what"),
        ({"where_url": "javascript:alert(1)"}, "where_url"),
        ({"where_url": "https://" + "a" * 600}, "where_url"),
        ({"customers": "everyone"}, "customers"),
        ({"product_area": "a" * 101}, "product_area"),
        ({"source": "email"}, "source"),
    ],
)
def test_it_refuses_bad_fields_and_stores_nothing(personas: Personas, fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        intake_services.record_report(actor=Actor(user=personas.stakeholder), **fields)
    assert field in refused.value.message_dict
    assert Report.objects.count() == 0
    assert not RateBucket.objects.exists()


def test_it_strips_control_characters_and_keeps_hostile_text_as_text(personas: Personas) -> None:
    report = intake_services.record_report(
        actor=Actor(user=personas.stakeholder), what="<script>alert(1)</script>\x00\x07 broken"
    )
    report.refresh_from_db()
    assert report.what == "<script>alert(1)</script> broken"


def test_it_pages_on_call_at_the_third_report_within_ten_minutes(
    personas: Personas, checkout: Service, pages: list[dict[str, Any]]
) -> None:
    for user in (personas.stakeholder, personas.viewer):
        intake_services.record_report(actor=Actor(user=user), service=checkout)
    signal = Signal.objects.get()
    assert signal.status == SignalStatus.OPEN
    assert pages == []
    intake_services.record_report(actor=Actor(user=personas.operator_b), service=checkout)
    signal.refresh_from_db()
    assert signal.report_count == 3
    assert signal.status == SignalStatus.PAGED
    assert signal.paged_at is not None
    assert len(pages) == 1
    assert pages[0]["signal"] == signal
    assert pages[0]["reason"] == "3 reports within 10 minutes: Something looks broken on Checkout"
    # A fourth report joins the signal without paging again.
    intake_services.record_report(actor=Actor(user=personas.admin), service=checkout)
    assert len(pages) == 1
    assert Signal.objects.get().report_count == 4


def test_it_keeps_reports_spread_over_an_hour_in_triage(
    personas: Personas, checkout: Service, pages: list[dict[str, Any]]
) -> None:
    now = timezone.now()
    for minutes, user in ((25, personas.stakeholder), (14, personas.viewer)):
        report = intake_services.record_report(actor=Actor(user=user), service=checkout)
        Report.objects.filter(pk=report.pk).update(created_at=now - timedelta(minutes=minutes))
        report.refresh_from_db()
        assert report.signal_id is not None
        Signal.objects.filter(pk=report.signal_id).update(last_seen_at=now - timedelta(minutes=minutes))
    intake_services.record_report(actor=Actor(user=personas.operator_b), service=checkout)
    assert Signal.objects.get().status == SignalStatus.OPEN
    assert Signal.objects.get().report_count == 3
    assert pages == []


def test_it_groups_reports_by_words_when_no_service_is_named(personas: Personas, pages: list[Any]) -> None:
    a = intake_services.record_report(actor=Actor(user=personas.stakeholder), what="cannot pay with credit card")
    b = intake_services.record_report(actor=Actor(user=personas.viewer), what="Credit card payment fails")
    c = intake_services.record_report(actor=Actor(user=personas.admin), what="newsletter images missing")
    a.refresh_from_db()
    b.refresh_from_db()
    c.refresh_from_db()
    assert a.signal_id == b.signal_id
    assert c.signal_id != a.signal_id
    assert Signal.objects.count() == 2


def test_it_never_joins_reports_about_different_services(personas: Personas, checkout: Service) -> None:
    from steadyops.catalog import services as catalog_services

    search = catalog_services.create_service(
        actor=Actor(user=personas.admin), name="Search", slug="search", owner=personas.team_a
    )
    a = intake_services.record_report(actor=Actor(user=personas.stakeholder), what="it is slow", service=checkout)
    b = intake_services.record_report(actor=Actor(user=personas.viewer), what="it is slow", service=search)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.signal_id != b.signal_id


def test_group_pending_groups_everything_left_ungrouped(personas: Personas, checkout: Service) -> None:
    now = timezone.now()
    Report.objects.bulk_create(
        [Report(reporter=personas.stakeholder, service=checkout, created_at=now) for _ in range(1_200)]
    )
    assert intake_services.pending_count() == 1_200
    assert grouping_services.group_pending() == 1_200
    assert intake_services.pending_count() == 0
    assert Signal.objects.get().report_count == 1_200
    assert grouping_services.group_pending() == 0


def test_me_too_joins_the_signal_and_counts_toward_paging(
    personas: Personas, checkout: Service, pages: list[Any]
) -> None:
    first = intake_services.record_report(actor=Actor(user=personas.stakeholder), service=checkout)
    first.refresh_from_db()
    signal = first.signal
    assert signal is not None
    intake_services.me_too(actor=Actor(user=personas.viewer), signal=signal)
    report = intake_services.me_too(actor=Actor(user=personas.admin), signal=signal)
    assert report.source == "me_too"
    assert report.signal_id == signal.pk
    signal.refresh_from_db()
    assert signal.report_count == 3
    assert signal.status == SignalStatus.PAGED
    assert len(pages) == 1


def test_me_too_needs_exactly_one_problem(personas: Personas) -> None:
    with pytest.raises(ValidationError):
        intake_services.me_too(actor=Actor(user=personas.viewer))
    assert Report.objects.count() == 0


def test_reports_that_say_nothing_stay_apart_however_alike(personas: Personas) -> None:
    # Alike in every way grouping compares, but with no words, service or area to join on: each is its own signal.
    now = timezone.now()
    Report.objects.bulk_create([Report(reporter=personas.stakeholder, created_at=now) for _ in range(3)])
    assert grouping_services.group_pending() == 3
    assert sorted(Signal.objects.values_list("report_count", flat=True)) == [1, 1, 1]


def test_alike_reports_after_one_that_joined_a_signal_join_it_too(personas: Personas) -> None:
    now = timezone.now()
    signal = Signal.objects.create(
        title="Checkout is down", keywords="checkout", first_seen_at=now, last_seen_at=now, report_count=1
    )
    Report.objects.bulk_create(
        [Report(reporter=personas.stakeholder, what="checkout down", created_at=now) for _ in range(4)]
    )
    assert grouping_services.group_pending() == 4
    signal.refresh_from_db()
    assert (signal.report_count, signal.keywords) == (5, "checkout")
    assert set(Report.objects.values_list("signal_id", flat=True)) == {signal.pk}


def test_an_alert_starting_in_the_future_counts_from_its_arrival() -> None:
    now = timezone.now()
    group = '{}:{alertname="HighErrors"}'
    signal = Signal.objects.create(title="Errors", group_key=group, first_seen_at=now, last_seen_at=now, alert_count=1)
    alert = Alert.objects.create(
        source="alertmanager",
        fingerprint="clock-ahead",
        title="Errors",
        starts_at=now + timedelta(days=1),
        group_key=group,
        received_at=now,
        updated_at=now,
    )
    assert grouping_services.group_pending() == 1
    alert.refresh_from_db()
    signal.refresh_from_db()
    assert alert.signal_id == signal.pk
    assert (signal.alert_count, signal.last_seen_at) == (2, now)
