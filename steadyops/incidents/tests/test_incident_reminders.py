"""Overdue stakeholder updates: whoever owns them is reminded once per promised time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from steadyops.core.actor import Actor
from steadyops.incidents import incident_services as services
from steadyops.incidents.tasks import remind_overdue_updates
from steadyops.incidents.tests.authz_incidents import build_services, declare
from steadyops.notify.models import OutboxMessage
from steadyops.testing.personas import Personas

pytestmark = pytest.mark.django_db


def reminders() -> list[str]:
    return list(
        OutboxMessage.objects.filter(event="incident.update_overdue")
        .order_by("pk")
        .values_list("recipient__username", flat=True)
    )


def test_it_reminds_the_creator_once_when_the_first_update_is_late(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront], severity=2)
    due = incident.next_update_due_at
    assert due is not None
    assert services.send_overdue_reminders(now=due - timedelta(seconds=1)) == 0
    assert services.send_overdue_reminders(now=due + timedelta(minutes=5)) == 1
    assert services.send_overdue_reminders(now=due + timedelta(minutes=10)) == 0
    assert reminders() == ["operator_a"]
    message = OutboxMessage.objects.get(event="incident.update_overdue")
    assert message.urgent is True
    assert message.subject == "[INC-1] An update for everyone is overdue"
    assert "5 minutes ago" in message.body
    assert incident.timeline.filter(text__startswith="The update for everyone is overdue").count() == 1


def test_it_reminds_communications_first_then_the_commander(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront], severity=3)
    actor = Actor(user=personas.admin)
    services.assign_roles(
        actor=actor, incident=incident, commander=personas.operator_b, communications=personas.stakeholder, scribe=None
    )
    first_due = incident.next_update_due_at
    assert first_due is not None
    services.send_overdue_reminders(now=first_due + timedelta(minutes=1))
    # A new promise is a new due time: reminded again when it passes, this time to the commander.
    next_by = timezone.now() + timedelta(minutes=20)
    services.post_update(
        actor=actor,
        incident=incident,
        audience="stakeholders",
        affected="Search",
        customers_see="No results",
        tell_customers="Browse the categories meanwhile.",
        next_update_by=next_by,
    )
    services.assign_roles(
        actor=actor, incident=incident, commander=personas.operator_b, communications=None, scribe=None
    )
    services.send_overdue_reminders(now=next_by + timedelta(minutes=1))
    services.send_overdue_reminders(now=next_by + timedelta(minutes=2))
    assert reminders() == ["stakeholder", "operator_b"]


def test_it_does_not_remind_about_resolved_incidents(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront], severity=2)
    services.change_status(actor=Actor(user=personas.operator_a), incident=incident, status="resolved")
    assert services.send_overdue_reminders(now=timezone.now() + timedelta(days=1)) == 0
    assert reminders() == []


def test_it_runs_as_a_periodic_task(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront], severity=2)
    type(incident).objects.filter(pk=incident.pk).update(next_update_due_at=timezone.now() - timedelta(minutes=1))
    remind_overdue_updates.call_local()
    remind_overdue_updates.call_local()
    assert reminders() == ["operator_a"]
