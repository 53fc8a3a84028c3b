from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from steadyops.catalog import demo as catalog_demo
from steadyops.core import demo
from steadyops.incidents import demo_incidents
from steadyops.incidents.models import (
    Audience,
    Incident,
    IncidentStatus,
    Report,
    Severity,
    Signal,
    SignalStatus,
    StatusUpdate,
    Subscription,
    TimelineEntry,
)
from steadyops.notify.models import OutboxMessage


@pytest.fixture
def organisation(db: None) -> demo.DemoOrganisation:
    with transaction.atomic():
        built = demo._people_and_teams()
        catalog_demo.load(built)
    return built


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Incident, Signal, Report, StatusUpdate, TimelineEntry, Subscription, OutboxMessage)
    )


def test_it_tells_a_past_checkout_incident_started_by_three_presses(organisation: demo.DemoOrganisation) -> None:
    with transaction.atomic():
        demo_incidents.load(organisation)
    incident = Incident.objects.get(title=demo_incidents.INCIDENT_TITLE)
    assert incident.severity == Severity.SEV1
    assert incident.status == IncidentStatus.RESOLVED
    assert [service.slug for service in incident.services.all()] == ["checkout"]
    assert incident.resolved_at is not None
    assert incident.resolved_at < timezone.now() - timedelta(days=8)
    assert incident.declared_at < incident.mitigated_at < incident.resolved_at  # type: ignore[operator]
    signal = Signal.objects.get(incident=incident)
    assert signal.status == SignalStatus.ACCEPTED
    reporters = list(signal.reports.order_by("created_at").values_list("reporter__username", "team__slug"))
    assert reporters == [("sam", "sales"), ("sofia", "support"), ("maria", "marketing")]
    assert set(Subscription.objects.filter(incident=incident).values_list("user__username", flat=True)) >= {
        "sam",
        "sofia",
        "maria",
    }
    plain = StatusUpdate.objects.filter(incident=incident, audience=Audience.STAKEHOLDERS).order_by("created_at")
    assert [update.customers_see[:20] for update in plain] == ["The payment step kee", "Payments work again."]
    times = list(TimelineEntry.objects.filter(incident=incident).values_list("at", flat=True))
    assert all(at < timezone.now() - timedelta(days=8) for at in times)
    assert len(set(times)) >= 5


def test_it_declines_one_press_with_a_kind_note(organisation: demo.DemoOrganisation) -> None:
    with transaction.atomic():
        demo_incidents.load(organisation)
    report = Report.objects.get(what=demo_incidents.DECLINED_WHAT)
    assert report.reporter.username == "maria"
    assert report.signal is not None
    assert (report.signal.status, report.signal.decline_reason) == (SignalStatus.DECLINED, "not_a_problem")
    note = OutboxMessage.objects.get(recipient__username="maria", event="incidents.report_declined")
    assert "It was not a problem" in note.body
    assert "Looking into it took 1 person about 12 minutes: about €12 of people's time." in note.body


def test_it_loads_twice_without_changing_anything(organisation: demo.DemoOrganisation) -> None:
    with transaction.atomic():
        demo_incidents.load(organisation)
    first = _counts()
    with transaction.atomic():
        demo_incidents.load(organisation)
    assert _counts() == first
