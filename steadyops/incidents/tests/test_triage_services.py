from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.incidents import triage_services
from steadyops.incidents.models import IncidentStatus, Signal, SignalStatus, Subscription
from steadyops.incidents.tests.authz_panic import World, make_world, press
from steadyops.notify.models import OutboxMessage


@pytest.fixture
def world(personas) -> World:  # type: ignore[no-untyped-def]
    return make_world(personas)


def _notes(user) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    return list(OutboxMessage.objects.filter(recipient=user, event="incidents.report_declined"))


def test_it_accepts_a_signal_as_an_incident(world: World) -> None:
    p = world.personas
    incident = triage_services.accept(
        actor=Actor(user=p.operator_b),
        signal=world.signal,
        title="Checkout hangs",
        severity=3,
        services=[world.checkout],
    )
    assert incident.title == "Checkout hangs"
    assert incident.severity == 3
    assert list(incident.services.all()) == [world.checkout]
    world.signal.refresh_from_db()
    assert world.signal.status == SignalStatus.ACCEPTED
    assert world.signal.incident_id == incident.pk
    assert Subscription.objects.filter(user=p.stakeholder, incident=incident).count() == 1
    entry = AuditEntry.objects.get(action="signal.accept")
    assert entry.before is not None
    assert entry.before["status"] == "open"
    assert entry.after is not None
    assert entry.after["status"] == "accepted"


def test_it_refuses_to_accept_twice(world: World) -> None:
    actor = Actor(user=world.personas.operator_a)
    triage_services.accept(actor=actor, signal=world.signal, title="Checkout hangs", severity=3)
    stale = Signal.objects.get(pk=world.signal.pk)
    stale.status = SignalStatus.OPEN  # what a second operator's page still shows
    with pytest.raises(triage_services.AlreadyTriaged) as refused:
        triage_services.accept(actor=actor, signal=stale, title="Checkout hangs again", severity=2)
    assert "already decided" in str(refused.value)
    assert "became an incident" in str(refused.value)
    assert world.signal.incident is not None
    assert world.signal.incident.title == "Checkout hangs"


def test_it_refuses_a_bad_accept_and_changes_nothing(world: World) -> None:
    actor = Actor(user=world.personas.operator_a)
    with pytest.raises(ValidationError) as refused:
        triage_services.accept(actor=actor, signal=world.signal, title="  ", severity=7)
    assert set(refused.value.message_dict) == {"title", "severity"}
    with pytest.raises(ValidationError):
        triage_services.accept(actor=actor, signal=world.signal, title="x" * 201, severity=3)
    world.signal.refresh_from_db()
    assert world.signal.status == SignalStatus.OPEN
    assert not AuditEntry.objects.filter(action="signal.accept").exists()


@pytest.mark.parametrize("who", ["stakeholder", "viewer"])
def test_it_lets_only_operators_triage(world: World, who: str) -> None:
    actor = Actor(user=getattr(world.personas, who))
    with pytest.raises(PermissionDenied):
        triage_services.accept(actor=actor, signal=world.signal, title="T", severity=3)
    with pytest.raises(PermissionDenied):
        triage_services.merge(actor=actor, signal=world.signal, incident=world.incident)
    with pytest.raises(PermissionDenied):
        triage_services.decline(actor=actor, signal=world.signal, reason="not_a_problem")
    world.signal.refresh_from_db()
    assert world.signal.status == SignalStatus.OPEN


def test_it_merges_into_an_open_incident(world: World) -> None:
    triage_services.merge(actor=Actor(user=world.personas.operator_a), signal=world.signal, incident=world.incident)
    world.signal.refresh_from_db()
    assert world.signal.status == SignalStatus.MERGED
    assert world.signal.incident_id == world.incident.pk
    assert Subscription.objects.filter(user=world.personas.stakeholder, incident=world.incident).exists()
    assert AuditEntry.objects.filter(action="signal.merge", object_id=str(world.signal.pk)).count() == 1


def test_it_refuses_to_merge_into_a_resolved_incident(world: World) -> None:
    assert world.resolved.status == IncidentStatus.RESOLVED
    with pytest.raises(ValidationError) as refused:
        triage_services.merge(actor=Actor(user=world.personas.operator_a), signal=world.signal, incident=world.resolved)
    assert refused.value.message_dict["incident"] == [
        f"{world.resolved.key} is resolved. Accept this as a new incident, or reopen {world.resolved.key}."
    ]
    world.signal.refresh_from_db()
    assert (world.signal.status, world.signal.incident_id) == (SignalStatus.OPEN, None)


def test_it_declines_with_a_kind_note_and_what_the_press_cost(world: World) -> None:
    p = world.personas
    Signal.objects.filter(pk=world.signal.pk).update(first_seen_at=timezone.now() - timedelta(minutes=20))
    with override_settings(STEADYOPS_HOURLY_COST=90, STEADYOPS_CURRENCY="€"):
        triage_services.decline(
            actor=Actor(user=p.operator_a), signal=world.signal, reason="not_a_problem", note="Payments were fine."
        )
    world.signal.refresh_from_db()
    assert world.signal.status == SignalStatus.DECLINED
    assert world.signal.decline_reason == "not_a_problem"
    assert world.signal.declined_by == p.operator_a
    [note] = _notes(p.stakeholder)
    assert note.subject == "About the problem you reported"
    assert "What it was: It was not a problem: operations checked, and everything was working" in note.body
    assert "A note from operations: Payments were fine." in note.body
    assert "http://127.0.0.1:8000/status" in note.body
    # One responder (whoever declined), 20 minutes, at 90 an hour: 30.
    assert "Looking into it took 1 person about 20 minutes: about €30 of people's time." in note.body
    assert "operator_a" not in note.body.lower()
    assert "Operator A" not in note.body


def test_it_leaves_the_cost_out_when_the_press_was_right_to_worry(world: World) -> None:
    triage_services.decline(actor=Actor(user=world.personas.operator_a), signal=world.signal, reason="known_issue")
    [note] = _notes(world.personas.stakeholder)
    assert "already knew about" in note.body
    assert "people's time" not in note.body
    assert "A note from operations" not in note.body


def test_it_sends_each_reporter_one_note(world: World) -> None:
    p = world.personas
    press(p.viewer, what="Payment page hangs", service=world.checkout)
    press(p.stakeholder, what="Payment still hangs", service=world.checkout)
    world.signal.refresh_from_db()
    assert world.signal.report_count == 3
    triage_services.decline(actor=Actor(user=p.operator_a), signal=world.signal, reason="user_error")
    assert len(_notes(p.stakeholder)) == 1
    assert len(_notes(p.viewer)) == 1
    assert _notes(p.operator_a) == []


def test_it_refuses_a_decline_without_a_reason(world: World) -> None:
    for reason in ("", "because", "NOT_A_PROBLEM"):
        with pytest.raises(ValidationError) as refused:
            triage_services.decline(actor=Actor(user=world.personas.operator_a), signal=world.signal, reason=reason)
        assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        triage_services.decline(
            actor=Actor(user=world.personas.operator_a), signal=world.signal, reason="user_error", note="x" * 2001
        )
    assert "note" in refused.value.message_dict
    world.signal.refresh_from_db()
    assert world.signal.status == SignalStatus.OPEN
    assert OutboxMessage.objects.filter(event="incidents.report_declined").count() == 0


def test_it_refuses_to_decline_what_became_an_incident(world: World) -> None:
    actor = Actor(user=world.personas.operator_a)
    triage_services.merge(actor=actor, signal=world.signal, incident=world.incident)
    with pytest.raises(triage_services.AlreadyTriaged):
        triage_services.decline(actor=actor, signal=world.signal, reason="not_a_problem")
    assert _notes(world.personas.stakeholder) == []


@pytest.mark.parametrize(
    ("minutes", "expected_minutes", "expected_amount"),
    [(1, 5, 5), (20, 20, 20), (600, 60, 60)],
)
def test_it_counts_the_cost_between_a_floor_and_a_ceiling(
    world: World, minutes: int, expected_minutes: int, expected_amount: int
) -> None:
    now = timezone.now()
    signal = world.signal
    signal.first_seen_at = now - timedelta(minutes=minutes)
    signal.declined_at = now
    signal.declined_by = world.personas.operator_a
    with override_settings(STEADYOPS_HOURLY_COST=60):
        cost = triage_services.press_cost(signal)
    assert (cost.responders, cost.minutes, cost.amount) == (1, expected_minutes, expected_amount)
