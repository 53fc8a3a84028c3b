"""Incident services: declaring, the status machine and its timestamps, severity, roles, notes, updates, signals,
acknowledgement and who is told."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from steadyops.accounts.models import Membership
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.incidents import incident_services as services
from steadyops.incidents.models import Report, Signal
from steadyops.incidents.models.incidents import Incident, StatusUpdate, Subscription, TimelineEntry
from steadyops.incidents.tests.authz_incidents import build_services, declare
from steadyops.notify.models import OutboxMessage
from steadyops.testing.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def paged(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The calls declare_incident makes to on-call's start_paging."""
    from steadyops.incidents import oncall_services

    calls: list[dict[str, Any]] = []

    def record(**kwargs: Any) -> None:
        calls.append(kwargs)

    monkeypatch.setattr(oncall_services, "start_paging", record)
    return calls


def told(event: str) -> list[str]:
    return sorted(OutboxMessage.objects.filter(event=event).values_list("recipient__username", flat=True))


def make_signal(personas: Personas, *, reporters: list[Any], paged: bool = False) -> Signal:
    now = timezone.now()
    signal = Signal.objects.create(
        title="Checkout shows an error",
        first_seen_at=now - timedelta(minutes=10),
        last_seen_at=now,
        report_count=len(reporters),
        paged_at=now if paged else None,
        status="paged" if paged else "open",
    )
    for reporter in reporters:
        Report.objects.create(reporter=reporter, signal=signal, created_at=now, what="Pay button fails")
    return signal


def stakeholder_update(actor: Actor, incident: Incident, **overrides: Any) -> StatusUpdate:
    fields: dict[str, Any] = {
        "audience": "stakeholders",
        "affected": "Card payments",
        "customers_see": "An error after pressing Pay",
        "tell_customers": "We are fixing it; PayPal works.",
        "next_update_by": timezone.now() + timedelta(minutes=45),
    }
    fields.update(overrides)
    return services.post_update(actor=actor, incident=incident, **fields)


def test_it_numbers_incidents_and_writes_the_declaration(personas: Personas, paged: list[dict[str, Any]]) -> None:
    storefront, payments = build_services(personas)
    first = declare(personas, [storefront], severity=4)
    second = declare(personas, [storefront, payments], severity=3, product_area="checkout")
    assert (first.number, second.number) == (1, 2)
    assert second.key == "INC-2"
    assert sorted(second.services.values_list("slug", flat=True)) == ["payments", "storefront"]
    assert second.status == "investigating"
    assert second.created_by == personas.operator_a
    entry = TimelineEntry.objects.get(incident=second)
    assert (entry.kind, entry.text) == ("auto", "Declared SEV3 by operator_a: Customers cannot pay by card")
    assert AuditEntry.objects.filter(action="incident.declare", object_id=str(second.pk)).count() == 1
    assert second.next_update_due_at == second.declared_at + timedelta(minutes=30)
    assert first.next_update_due_at is None  # SEV4: no customer impact, no update promised
    assert paged == []


def test_it_pages_for_sev1_and_sev2_only(personas: Personas, paged: list[dict[str, Any]]) -> None:
    storefront, _ = build_services(personas)
    sev2 = declare(personas, [storefront], severity=2)
    declare(personas, [storefront], severity=3)
    assert len(paged) == 1
    assert paged[0]["incident"] == sev2
    assert paged[0]["signal"] is None
    assert paged[0]["reason"] == "INC-1 declared SEV2: Customers cannot pay by card"


def test_it_does_not_page_again_when_the_signal_already_paged(personas: Personas, paged: list[dict[str, Any]]) -> None:
    signal = make_signal(personas, reporters=[personas.stakeholder], paged=True)
    declare(personas, [], severity=1, signal=signal)
    assert paged == []


def test_it_refuses_bad_declarations_and_writes_nothing(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    bad: list[dict[str, Any]] = [
        {"title": "  "},
        {"title": "x" * 201},
        {"title": "Broken\x00"},
        {"title": "Two\nlines"},
        {"severity": 0},
        {"severity": 5},
        {"severity": "SEV1"},
        {"summary": "x" * 5001},
        {"product_area": "y" * 101},
    ]
    for overrides in bad:
        with pytest.raises(ValidationError):
            declare(personas, [storefront], **overrides)
    assert Incident.objects.count() == 0
    assert TimelineEntry.objects.count() == 0


def test_it_refuses_stakeholders_and_viewers(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    for person in (personas.stakeholder, personas.viewer):
        with pytest.raises(PermissionDenied):
            services.declare_incident(actor=Actor(user=person), title="Down", severity=3, services=[storefront])
    assert Incident.objects.count() == 0


def test_it_moves_through_the_statuses_with_their_timestamps(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    actor = Actor(user=personas.operator_b)
    services.change_status(actor=actor, incident=incident, status="identified")
    assert incident.mitigated_at is None
    services.change_status(actor=actor, incident=incident, status="monitoring")
    mitigated = incident.mitigated_at
    assert mitigated is not None
    assert incident.resolved_at is None
    services.change_status(actor=actor, incident=incident, status="resolved")
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert incident.mitigated_at == mitigated
    assert incident.resolved_at is not None
    assert incident.next_update_due_at is None
    texts = list(incident.timeline.filter(kind="status").values_list("text", flat=True))
    assert texts == [
        "Status: Investigating → Identified",
        "Status: Identified → Monitoring",
        "Status: Monitoring → Resolved",
    ]


def test_it_counts_resolving_directly_as_mitigated(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    services.change_status(actor=Actor(user=personas.operator_a), incident=incident, status="resolved")
    assert incident.mitigated_at == incident.resolved_at


def test_it_needs_a_note_to_reopen_or_go_back(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    actor = Actor(user=personas.operator_a)
    services.change_status(actor=actor, incident=incident, status="monitoring")
    with pytest.raises(ValidationError) as going_back:
        services.change_status(actor=actor, incident=incident, status="investigating")
    assert going_back.value.message_dict == {"note": ["Say why in a note: it is needed when going back."]}
    services.change_status(actor=actor, incident=incident, status="resolved")
    with pytest.raises(ValidationError) as reopening:
        services.change_status(actor=actor, incident=incident, status="investigating", note="  ")
    assert "reopening" in reopening.value.message_dict["note"][0]
    incident.refresh_from_db()
    assert incident.status == "resolved"
    mitigated = incident.mitigated_at
    services.change_status(actor=actor, incident=incident, status="investigating", note="Errors are back.")
    incident.refresh_from_db()
    assert incident.status == "investigating"
    assert incident.resolved_at is None
    assert incident.mitigated_at == mitigated
    assert incident.next_update_due_at is not None
    assert incident.timeline.filter(kind="status").last().text == (  # type: ignore[union-attr]
        "Status: Resolved → Investigating. Errors are back."
    )


def test_it_refuses_an_unknown_status(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    with pytest.raises(ValidationError) as error:
        services.change_status(actor=Actor(user=personas.admin), incident=incident, status="fixed")
    assert list(error.value.message_dict) == ["status"]
    incident.refresh_from_db()
    assert incident.status == "investigating"


def test_it_changes_severity_and_pages_when_raised_to_sev2(personas: Personas, paged: list[dict[str, Any]]) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront], severity=4)
    actor = Actor(user=personas.operator_a)
    services.change_severity(actor=actor, incident=incident, severity=3)
    assert paged == []
    services.change_severity(actor=actor, incident=incident, severity=2, note="Many customers now.")
    assert len(paged) == 1
    assert paged[0]["reason"] == "INC-1 raised to SEV2: Customers cannot pay by card"
    services.change_severity(actor=actor, incident=incident, severity=1)
    assert len(paged) == 1  # already SEV2 or worse: on-call knows
    incident.refresh_from_db()
    assert incident.severity == 1
    assert list(incident.timeline.filter(text__startswith="Severity").values_list("text", flat=True)) == [
        "Severity: SEV4 → SEV3",
        "Severity: SEV3 → SEV2. Many customers now.",
        "Severity: SEV2 → SEV1",
    ]
    with pytest.raises(ValidationError):
        services.change_severity(actor=actor, incident=incident, severity=7)


def test_it_assigns_roles_but_not_to_viewers(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    actor = Actor(user=personas.operator_a)
    services.assign_roles(
        actor=actor,
        incident=incident,
        commander=personas.operator_a,
        communications=personas.stakeholder,
        scribe=None,
    )
    incident.refresh_from_db()
    assert (incident.commander, incident.communications, incident.scribe) == (
        personas.operator_a,
        personas.stakeholder,
        None,
    )
    assert list(incident.timeline.filter(kind="role").values_list("text", flat=True)) == [
        "Commander: Operator A",
        "Communications: Stakeholder",
    ]
    with pytest.raises(ValidationError) as error:
        services.assign_roles(
            actor=actor, incident=incident, commander=personas.viewer, communications=None, scribe=None
        )
    assert list(error.value.message_dict) == ["commander"]
    incident.refresh_from_db()
    assert incident.commander == personas.operator_a


def test_it_adds_notes_within_limits(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    actor = Actor(user=personas.operator_b)
    entry = services.add_note(actor=actor, incident=incident, text="  Card provider answers slowly.  ")
    assert (entry.kind, entry.text, entry.actor) == ("note", "Card provider answers slowly.", personas.operator_b)
    for text in ("", "x" * 5001, "a\x00b"):
        with pytest.raises(ValidationError):
            services.add_note(actor=actor, incident=incident, text=text)
    with pytest.raises(PermissionDenied):
        services.add_note(actor=Actor(user=personas.stakeholder), incident=incident, text="Hello")
    assert incident.timeline.filter(kind="note").count() == 1


def test_it_requires_the_plain_words_of_a_stakeholder_update(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    actor = Actor(user=personas.operator_a)
    for field in ("affected", "customers_see", "tell_customers", "next_update_by"):
        with pytest.raises(ValidationError) as error:
            stakeholder_update(actor, incident, **{field: None if field == "next_update_by" else ""})
        assert list(error.value.message_dict) == [field]
    with pytest.raises(ValidationError) as past:
        stakeholder_update(actor, incident, next_update_by=timezone.now() - timedelta(minutes=1))
    assert past.value.message_dict == {"next_update_by": ["The next update must be in the future."]}
    with pytest.raises(ValidationError):
        stakeholder_update(actor, incident, next_update_by=timezone.now() + timedelta(days=8))
    with pytest.raises(ValidationError):
        stakeholder_update(actor, incident, affected="x" * 1001)
    with pytest.raises(ValidationError):
        services.post_update(actor=actor, incident=incident, audience="everyone", text="Hi")
    with pytest.raises(ValidationError):
        services.post_update(actor=actor, incident=incident, audience="technical", text=" ")
    assert StatusUpdate.objects.count() == 0
    assert OutboxMessage.objects.filter(event="incident.update").count() == 0


def test_it_sets_the_next_update_due_from_a_stakeholder_update(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    due = timezone.now() + timedelta(minutes=45)
    update = stakeholder_update(Actor(user=personas.operator_a), incident, next_update_by=due)
    incident.refresh_from_db()
    assert incident.next_update_due_at == due
    assert update.audience == "stakeholders"
    technical = services.post_update(
        actor=Actor(user=personas.operator_a), incident=incident, audience="technical", text="DB failover done."
    )
    incident.refresh_from_db()
    assert incident.next_update_due_at == due
    assert technical.affected == ""
    assert list(incident.timeline.filter(kind="update").values_list("text", flat=True)) == [
        "Update for everyone: An error after pressing Pay",
        "Technical update: DB failover done.",
    ]


def test_it_tells_each_kind_of_subscriber_once(personas: Personas) -> None:
    storefront, payments = build_services(personas)
    admin = Actor(user=personas.admin)
    # Reached through several subscriptions at once: told once.
    services.subscribe(actor=admin, scope="all", user=personas.admin)
    services.subscribe(actor=admin, scope="severity", max_severity=3, user=personas.admin)
    # A team: every member (operator_a); operator_a also follows the service personally.
    services.subscribe(actor=admin, scope="service", service=storefront, team=personas.team_a)
    services.subscribe(
        actor=Actor(user=personas.operator_a), scope="service", service=storefront, user=personas.operator_a
    )
    # Severity: SEV2 and worse does not cover a SEV3; SEV3 and worse does.
    services.subscribe(
        actor=Actor(user=personas.operator_b), scope="severity", max_severity=2, user=personas.operator_b
    )
    services.subscribe(actor=Actor(user=personas.viewer), scope="severity", max_severity=4, user=personas.viewer)
    # Another service: not told.
    Membership.objects.create(team=personas.marketing, user=personas.operator_b)
    services.subscribe(actor=admin, scope="service", service=payments, team=personas.team_b)
    incident = declare(personas, [storefront], severity=3)
    # This incident only.
    services.subscribe_user(user=personas.stakeholder, incident=incident)
    OutboxMessage.objects.all().delete()
    stakeholder_update(Actor(user=personas.operator_a), incident)
    assert told("incident.update") == ["admin", "operator_a", "stakeholder", "viewer"]
    message = OutboxMessage.objects.filter(event="incident.update", recipient=personas.stakeholder).get()
    assert message.subject == "[INC-1] Update: Customers cannot pay by card"
    assert "What customers see: An error after pressing Pay" in message.body
    assert "What to tell customers: We are fixing it; PayPal works." in message.body


def test_it_does_not_tell_anyone_about_a_technical_update(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    services.subscribe(actor=Actor(user=personas.admin), scope="all", user=personas.admin)
    incident = declare(personas, [storefront])
    services.post_update(
        actor=Actor(user=personas.operator_a), incident=incident, audience="technical", text="Restarted pods."
    )
    assert OutboxMessage.objects.filter(event="incident.update").count() == 0


def test_it_leaves_out_inactive_people_and_archived_teams(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    admin = Actor(user=personas.admin)
    services.subscribe(actor=admin, scope="all", team=personas.team_a)
    services.subscribe(actor=admin, scope="all", team=personas.team_b)
    incident = declare(personas, [storefront], severity=4)
    personas.operator_a.is_active = False
    personas.operator_a.save()
    personas.team_b.archived_at = timezone.now()
    personas.team_b.save()
    assert services.subscribers(incident) == []


def test_it_tells_subscribers_when_declared_and_resolved(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    services.subscribe(
        actor=Actor(user=personas.stakeholder), scope="service", service=storefront, user=personas.stakeholder
    )
    incident = declare(personas, [storefront])
    assert told("incident.declared") == ["stakeholder"]
    services.change_status(actor=Actor(user=personas.operator_a), incident=incident, status="resolved")
    assert told("incident.resolved") == ["stakeholder"]


def test_it_attaches_a_signal_and_subscribes_its_reporters(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    signal = make_signal(personas, reporters=[personas.stakeholder, personas.viewer, personas.stakeholder])
    incident = declare(personas, [storefront], signal=signal)
    signal.refresh_from_db()
    assert (signal.incident, signal.status) == (incident, "accepted")
    assert incident.timeline.filter(kind="signal").get().text == (
        "3 reports started this incident: Checkout shows an error"
    )
    followers = Subscription.objects.filter(incident=incident, scope="incident")
    assert sorted(followers.values_list("user__username", flat=True)) == ["stakeholder", "viewer"]
    # The reporters hear about the declaration at once.
    assert told("incident.declared") == ["stakeholder", "viewer"]

    other = make_signal(personas, reporters=[personas.operator_b])
    services.attach_signal(actor=Actor(user=personas.operator_a), incident=incident, signal=other)
    services.attach_signal(actor=Actor(user=personas.operator_a), incident=incident, signal=other)
    other.refresh_from_db()
    assert (other.incident, other.status) == (incident, "merged")
    assert incident.timeline.filter(kind="signal").count() == 2
    assert followers.count() == 3

    second = declare(personas, [storefront])
    with pytest.raises(ValidationError):
        services.attach_signal(actor=Actor(user=personas.operator_a), incident=second, signal=other)
    with pytest.raises(ValidationError):
        declare(personas, [storefront], signal=other)


def test_it_acknowledges_once(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    services.acknowledge(incident=incident, user=personas.operator_b)
    first = incident.acknowledged_at
    assert first is not None
    services.acknowledge(incident=incident, user=personas.operator_a)
    incident.refresh_from_db()
    assert incident.acknowledged_at == first
    assert list(incident.timeline.filter(kind="page").values_list("text", flat=True)) == [
        "Acknowledged by Operator B from the page"
    ]


def test_it_subscribes_a_user_idempotently(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    first = services.subscribe_user(user=personas.viewer, incident=incident)
    again = services.subscribe_user(user=personas.viewer, incident=incident)
    assert first.pk == again.pk
    assert Subscription.objects.filter(user=personas.viewer).count() == 1


def test_it_lists_open_incidents_as_known_problems(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    older = declare(personas, [storefront], title="Search is slow")
    fixed = declare(personas, [storefront], title="Images missing")
    newer = declare(personas, [storefront], title="Cannot sign in")
    services.change_status(actor=Actor(user=personas.operator_a), incident=fixed, status="resolved")
    assert services.known_problems() == [newer, older]
