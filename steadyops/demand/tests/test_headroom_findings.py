"""Headroom findings: opened for a shortfall, the owners told once, closed when capacity is updated."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from steadyops.catalog import services as catalog
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.demand import event_services, headroom_services, headroom_tasks
from steadyops.demand.models import HeadroomFinding
from steadyops.demand.tests.authz_headroom import make_world, production, register, set_checkout_capacity
from steadyops.notify.models import OutboxMessage
from steadyops.testing.personas import Personas

SYSTEM = Actor.system_actor("headroom")


def test_it_opens_a_finding_for_black_friday_and_tells_the_owners_once(personas: Personas) -> None:
    world = make_world(personas)
    result = headroom_services.recompute_headroom(actor=SYSTEM)
    assert (result.assessed, result.opened, result.closed, result.notified, result.errors) == (1, 1, 0, 1, [])
    finding = HeadroomFinding.objects.get()
    # The busy-day peak is six times the daily 30 requests/s; 180 / (50 x 80%) = 4.5 -> 5, + 1 spare = 6.
    assert finding.peak == pytest.approx(180.0)
    assert (finding.needed, finding.current, finding.shortfall) == (6, 2, 4)
    assert finding.deadline == timezone.localdate(world.event.starts_at) - timedelta(days=3)
    assert finding.headroom_pct == pytest.approx((80 - 180) / 180 * 100)
    assert finding.verdict == "short"
    deadline = finding.deadline
    assert finding.recommendation == (
        f"Add 4 Checkout instances by {deadline.day} {deadline:%b}"
        + ("" if deadline.year == timezone.localdate().year else f" {deadline.year}")
        + " (or take them from the shared pool)"
    )
    assert finding.status == "open"
    assert finding.notified_at is not None
    messages = OutboxMessage.objects.filter(event="demand.headroom_shortfall")
    assert [m.recipient for m in messages] == [personas.operator_b]
    assert messages[0].subject == "Checkout needs more instances for Black Friday"
    assert AuditEntry.objects.filter(action="headroom.open").count() == 1

    again = headroom_services.recompute_headroom(actor=SYSTEM)
    assert (again.opened, again.updated, again.closed, again.notified) == (0, 0, 0, 0)
    assert HeadroomFinding.objects.count() == 1
    assert messages.count() == 1
    assert AuditEntry.objects.filter(action__startswith="headroom.").count() == 1


def test_it_closes_the_finding_when_capacity_is_updated(personas: Personas) -> None:
    world = make_world(personas)
    headroom_services.recompute_headroom(actor=SYSTEM)
    finding = HeadroomFinding.objects.get()
    set_checkout_capacity(personas, world.service, instances=6)
    result = headroom_services.recompute_headroom(actor=SYSTEM)
    assert (result.opened, result.closed, result.notified) == (0, 1, 0)
    finding.refresh_from_db()
    assert (finding.status, finding.closed_reason, finding.verdict) == ("closed", "capacity updated", "enough")
    assert finding.recommendation == "Enough: 33% headroom"
    assert finding.closed_at is not None
    assert headroom_services.open_findings().count() == 0

    # Shrinking again is a new shortfall: a new finding, and the owners hear of it.
    set_checkout_capacity(personas, world.service, instances=3)
    result = headroom_services.recompute_headroom(actor=SYSTEM)
    assert (result.opened, result.notified) == (1, 1)
    assert HeadroomFinding.objects.count() == 2
    assert OutboxMessage.objects.filter(event="demand.headroom_shortfall").count() == 2


def test_it_records_enough_capacity_without_opening_anything(personas: Personas) -> None:
    world = make_world(personas)
    set_checkout_capacity(personas, world.service, instances=8)
    result = headroom_services.recompute_headroom(actor=SYSTEM)
    assert (result.assessed, result.opened, result.notified) == (1, 0, 0)
    finding = HeadroomFinding.objects.get()
    assert (finding.status, finding.closed_reason, finding.recommendation) == (
        "closed",
        "enough capacity",
        "Enough: 78% headroom",
    )
    assert not OutboxMessage.objects.exists()


def test_it_says_when_capacity_is_missing(personas: Personas) -> None:
    world = make_world(personas, with_capacity=False)
    result = headroom_services.recompute_headroom(actor=SYSTEM)
    assert (result.opened, result.notified) == (1, 0)
    finding = HeadroomFinding.objects.get()
    assert finding.verdict == "unknown"
    assert finding.recommendation == "Capacity unknown: record how many Checkout instances run and what one handles"
    catalog.set_capacity(
        actor=Actor(user=personas.admin), component=world.service, environment=production(), instances=2
    )
    headroom_services.recompute_headroom(actor=SYSTEM)
    finding.refresh_from_db()
    assert (finding.status, finding.recommendation, finding.current) == (
        "open",
        "Capacity unknown: record what one Checkout instance handles",
        2,
    )
    assert not OutboxMessage.objects.exists()


def test_it_says_when_the_units_differ(personas: Personas) -> None:
    world = make_world(personas)
    world.series.unit = "orders/min"
    world.series.save()
    result = headroom_services.recompute_headroom(actor=SYSTEM)
    finding = HeadroomFinding.objects.get()
    assert finding.verdict == "unknown"
    assert finding.recommendation == (
        "Checkout's traffic is measured in orders/min but its capacity in requests/s: record capacity in orders/min"
    )
    assert result.errors == [finding.recommendation]


def test_it_closes_findings_of_cancelled_events(personas: Personas) -> None:
    world = make_world(personas)
    headroom_services.recompute_headroom(actor=SYSTEM)
    event_services.cancel_event(actor=Actor(user=personas.stakeholder), event=world.event)
    result = headroom_services.recompute_headroom(actor=SYSTEM)
    assert result.closed == 1
    assert HeadroomFinding.objects.get().closed_reason == "event cancelled"


def test_it_uses_the_expected_peak_of_an_event_on_a_service_without_history(personas: Personas) -> None:
    world = make_world(personas)
    other = catalog.create_service(actor=Actor(user=personas.admin), name="Search", owner=personas.team_a)
    catalog.set_capacity(
        actor=Actor(user=personas.admin),
        component=other,
        environment=production(),
        instances=2,
        per_instance_capacity=Decimal("100"),
        target_utilisation=50,
    )
    register(
        personas,
        title="Launch",
        start=world.event.starts_at + timedelta(days=2),
        services=[other],
        size_kind="peak",
        multiplier=None,
        expected_peak=250.0,
    )
    headroom_services.recompute_headroom(actor=SYSTEM)
    finding = HeadroomFinding.objects.get(service=other)
    assert (finding.peak, finding.needed, finding.shortfall) == (250.0, 5, 3)
    assert [m.recipient for m in OutboxMessage.objects.filter(payload__service="search")] == [personas.operator_a]


def test_viewers_and_stakeholders_cannot_recompute(personas: Personas) -> None:
    make_world(personas)
    for user in (personas.viewer, personas.stakeholder):
        with pytest.raises(PermissionDenied):
            headroom_services.recompute_headroom(actor=Actor(user=user))
    assert not HeadroomFinding.objects.exists()


def test_the_periodic_job_measures_past_events_and_recomputes(personas: Personas) -> None:
    world = make_world(personas)
    # A sale three days before the last point, on which traffic really was twice the usual.
    start = world.last_point.replace(hour=0) - timedelta(days=3)
    past = register(personas, title="Spring sale", start=start, services=[world.service], multiplier=Decimal("3"))
    points = world.series.points.filter(at__gte=start, at__lt=start + timedelta(days=1))
    for point in points:
        point.value *= 2
        point.save()
    headroom_tasks.run_headroom()
    past.refresh_from_db()
    assert past.realised_uplift == pytest.approx(2.0, abs=0.01)
    assert HeadroomFinding.objects.filter(event=world.event, status="open").count() == 1
    assert AuditEntry.objects.filter(action="demand_event.measure", object_id=str(past.pk)).count() == 1
    # Measured once: the next run leaves it alone.
    headroom_tasks.run_headroom()
    assert AuditEntry.objects.filter(action="demand_event.measure").count() == 1
