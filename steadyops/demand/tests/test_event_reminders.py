"""Reminders a week and a day before an event, each sent once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from steadyops.core.actor import Actor
from steadyops.demand import event_services as services
from steadyops.demand.models.events import EventReminder
from steadyops.demand.tasks import send_event_reminders
from steadyops.demand.tests.authz_events import World, make_world
from steadyops.notify.models import OutboxMessage
from steadyops.testing.personas import Personas


@pytest.fixture
def world(personas: Personas) -> World:
    return make_world(personas)


def _told() -> list[tuple[str, str]]:
    return sorted(
        (m.recipient.username if m.recipient else "", m.subject)
        for m in OutboxMessage.objects.filter(event="demand_event.reminder").select_related("recipient")
    )


def test_it_reminds_a_week_and_a_day_before_once_each(world: World) -> None:
    start = world.event.starts_at
    assert services.send_due_reminders(now=start - timedelta(days=8)) == 0
    assert services.send_due_reminders(now=start - timedelta(days=6)) == 1
    assert services.send_due_reminders(now=start - timedelta(days=5)) == 0
    assert _told() == [
        ("operator_b", "Black Friday sale starts in 6 days"),
        ("stakeholder", "Black Friday sale starts in 6 days"),
    ]
    OutboxMessage.objects.all().delete()
    assert services.send_due_reminders(now=start - timedelta(hours=20)) == 1
    assert services.send_due_reminders(now=start - timedelta(hours=19)) == 0
    assert _told() == [
        ("operator_b", "Black Friday sale starts tomorrow"),
        ("stakeholder", "Black Friday sale starts tomorrow"),
    ]
    assert list(EventReminder.objects.order_by("days_before").values_list("days_before", flat=True)) == [1, 7]


def test_a_moved_event_is_reminded_again_and_a_cancelled_one_not_at_all(world: World) -> None:
    start = world.event.starts_at
    services.send_due_reminders(now=start - timedelta(days=6))
    world.event.starts_at = start + timedelta(days=2)
    world.event.ends_at = world.event.ends_at + timedelta(days=2)
    world.event.save()
    assert services.send_due_reminders(now=start - timedelta(days=5)) == 1
    services.cancel_event(actor=Actor(user=world.personas.stakeholder), event=world.event)
    assert services.send_due_reminders(now=start + timedelta(days=1)) == 0


def test_the_periodic_task_sends_what_is_due(world: World) -> None:
    # The world's event starts in eight days: nothing is due yet.
    assert send_event_reminders.call_local() == 0
    assert EventReminder.objects.count() == 0
