"""Registering, changing, cancelling, triaging and commenting on traffic events through the services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.demand import event_services as services
from steadyops.demand.models.events import DemandEvent, EventComment, EventStatus
from steadyops.demand.tests.authz_events import World, event_fields, make_world
from steadyops.notify.models import OutboxMessage
from steadyops.testing.personas import Personas


@pytest.fixture
def world(personas: Personas) -> World:
    return make_world(personas)


def _register(world: World, **overrides: Any) -> DemandEvent:
    fields = event_fields(overrides.pop("services", [world.checkout]), **overrides)
    return services.register_event(actor=Actor(user=world.personas.stakeholder), **fields)


def _refused(world: World, **overrides: Any) -> dict[str, list[str]]:
    before = DemandEvent.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as raised:
        _register(world, **overrides)
    assert (DemandEvent.objects.count(), AuditEntry.objects.count()) == before
    return raised.value.message_dict


def test_it_registers_an_event_reading_naive_times_in_its_zone(world: World) -> None:
    event = _register(world, starts_at=datetime(2027, 3, 1, 9, 0), ends_at=datetime(2027, 3, 1, 18, 0))
    assert event.starts_at == datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2027, 3, 1, 17, 0, tzinfo=UTC)
    assert (event.status, event.created_by, event.uplift()) == ("new", world.personas.stakeholder, 6.0)
    assert list(event.services.all()) == [world.checkout]
    entry = AuditEntry.objects.get(action="demand_event.register", object_id=str(event.pk))
    assert entry.after is not None
    assert entry.after["services"] == ["checkout"]
    assert entry.after["multiplier"] == "6"


def test_it_keeps_aware_times_as_given(world: World) -> None:
    start = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    event = _register(world, starts_at=start, ends_at=start + timedelta(hours=1))
    assert event.starts_at == start


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"ends_at": datetime(2027, 3, 1, 8, 0), "starts_at": datetime(2027, 3, 1, 9, 0)},
            "ends_at",
            "The end is before the start.",
        ),
        (
            {"ends_at": datetime(2027, 3, 1, 9, 0), "starts_at": datetime(2027, 3, 1, 9, 0)},
            "ends_at",
            "The end is the same as the start.",
        ),
        (
            {"timezone": "Mars/Olympus"},
            "timezone",
            "“Mars/Olympus” is not a time zone we know; choose one such as Europe/Paris.",
        ),
        ({"multiplier": 0}, "multiplier", "The number of times must be more than 0."),
        ({"multiplier": -2}, "multiplier", "The number of times must be more than 0."),
        ({"multiplier": 1001}, "multiplier", "That is more than 1,000 times today's traffic; check the number."),
        ({"multiplier": "1.234"}, "multiplier", "Use at most two decimals, such as 2.5."),
        ({"multiplier": "lots"}, "multiplier", "Write a number, such as 6."),
        ({"multiplier": None}, "multiplier", "Say about how many times a normal day's traffic, such as 6."),
        ({"expected_peak": 500.0}, "size_kind", "Give the number of times, and no peak or rough size with it."),
        (
            {"size_kind": "peak", "multiplier": None},
            "expected_peak",
            "Say what peak you expect, in the unit operations uses for the service.",
        ),
        (
            {"size_kind": "peak", "multiplier": None, "expected_peak": float("inf")},
            "expected_peak",
            "The peak must be a number above 0.",
        ),
        (
            {"size_kind": "unknown", "multiplier": None},
            "rough_size",
            "Choose small, medium or huge; a rough idea is enough.",
        ),
        ({"size_kind": "sometimes"}, "size_kind", "Choose how much more traffic you expect."),
        ({"services": []}, "services", "Choose the products or services it affects, or the whole site."),
        ({"whole_site": True}, "services", "Choose either the whole site or some services, not both."),
        ({"title": "  "}, "title", "This is needed."),
        ({"title": "x" * 201}, "title", "Keep it to 200 characters (this has 201)."),
        ({"title": "Sale\x1b[31m"}, "title", "Write the title on one line, without special characters."),
        ({"description": "a\x00b"}, "description", "This contains a character that cannot be stored."),
        ({"contact": "c" * 301}, "contact", "Keep it to 300 characters (this has 301)."),
        ({"confidence": "total"}, "confidence", "Choose how sure you are."),
        ({"ramp_up_hours": -1}, "ramp_up_hours", "Between 0 and 336 hours."),
    ],
)
def test_it_refuses_bad_details_and_writes_nothing(
    world: World, overrides: dict[str, Any], field: str, message: str
) -> None:
    assert _refused(world, **overrides)[field] == [message]


def test_it_refuses_a_start_more_than_two_years_ahead(world: World) -> None:
    far = datetime.now() + timedelta(days=800)
    assert _refused(world, starts_at=far, ends_at=far + timedelta(hours=1))["starts_at"] == [
        "That is more than two years ahead; register it closer to the time."
    ]


def test_it_refuses_a_time_skipped_by_the_clocks_going_forward(world: World) -> None:
    errors = _refused(world, starts_at=datetime(2027, 3, 28, 2, 30), ends_at=datetime(2027, 3, 28, 5, 0))
    assert errors["starts_at"] == ["2027-03-28 02:30 does not exist in Europe/Paris: the clocks go forward then."]


def test_it_refuses_an_archived_service(world: World) -> None:
    assert _refused(world, services=[world.old])["services"] == [
        "Old shop is no longer in use; choose another service."
    ]


def test_it_asks_before_a_multiplier_of_a_thousand(world: World) -> None:
    with pytest.raises(services.NeedsConfirmation) as raised:
        _register(world, multiplier=1000)
    assert raised.value.message == "\u00d71,000 means a thousand times today's traffic — are you sure?"
    assert DemandEvent.objects.filter(multiplier=1000).count() == 0
    event = _register(world, multiplier=1000, confirmed=True)
    assert event.multiplier == Decimal(1000)


def test_it_refuses_viewers(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.register_event(actor=Actor(user=world.personas.viewer), **event_fields([world.checkout]))
    assert DemandEvent.objects.count() == 1


def test_it_keeps_every_change_in_the_audit_log(world: World) -> None:
    fields = event_fields([world.checkout, world.storefront], multiplier=8, title="Black Friday weekend")
    services.edit_event(actor=Actor(user=world.personas.operator_b), event=world.event, **fields)
    entry = AuditEntry.objects.get(action="demand_event.edit")
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["title"], entry.after["title"]) == ("Black Friday sale", "Black Friday weekend")
    assert (entry.before["multiplier"], entry.after["multiplier"]) == ("6.00", "8")
    assert (entry.before["services"], entry.after["services"]) == (["checkout"], ["checkout", "storefront"])


def test_it_does_not_ask_again_for_an_unchanged_large_multiplier(world: World) -> None:
    event = _register(world, multiplier=250, confirmed=True)
    services.edit_event(
        actor=Actor(user=world.personas.stakeholder),
        event=event,
        **event_fields([world.checkout], multiplier=250, title="Renamed"),
    )
    event.refresh_from_db()
    assert event.title == "Renamed"


def test_it_lets_only_editors_change_an_event(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.edit_event(
            actor=Actor(user=world.personas.viewer), event=world.event, **event_fields([world.checkout], title="x")
        )
    world.event.refresh_from_db()
    assert world.event.title == "Black Friday sale"


def test_it_cancels_once_and_refuses_later_changes(world: World) -> None:
    operator = Actor(user=world.personas.operator_a)
    services.cancel_event(actor=operator, event=world.event)
    services.cancel_event(actor=operator, event=world.event)
    world.event.refresh_from_db()
    assert world.event.status == EventStatus.CANCELLED
    assert AuditEntry.objects.filter(action="demand_event.cancel").count() == 1
    assert (
        OutboxMessage.objects.filter(event="demand_event.cancelled", recipient=world.personas.stakeholder).count() == 1
    )
    with pytest.raises(ValidationError):
        services.edit_event(actor=operator, event=world.event, **event_fields([world.checkout]))


def test_it_triages_and_tells_the_requester(world: World) -> None:
    operator = Actor(user=world.personas.operator_b)
    services.triage(actor=operator, event=world.event, status="acknowledged")
    services.triage(actor=operator, event=world.event, status="plan_needed")
    world.event.refresh_from_db()
    assert world.event.status == "plan_needed"
    subjects = list(
        OutboxMessage.objects.filter(recipient=world.personas.stakeholder, event="demand_event.triaged")
        .order_by("pk")
        .values_list("subject", flat=True)
    )
    assert subjects == ["Seen by operations: Black Friday sale", "Operations is preparing for it: Black Friday sale"]


def test_it_lets_only_operators_triage(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.triage(actor=Actor(user=world.personas.stakeholder), event=world.event, status="ready")
    with pytest.raises(ValidationError):
        services.triage(actor=Actor(user=world.personas.operator_a), event=world.event, status="new")
    world.event.refresh_from_db()
    assert world.event.status == "new"


def test_a_requester_comment_tells_the_owning_team_and_an_operator_reply_tells_the_requester(world: World) -> None:
    services.comment(actor=Actor(user=world.personas.stakeholder), event=world.event, text="Will it hold?")
    told = OutboxMessage.objects.filter(event="demand_event.comment")
    assert [m.recipient for m in told] == [world.personas.operator_b]
    told.delete()
    services.comment(actor=Actor(user=world.personas.operator_b), event=world.event, text="We are on it.")
    assert [m.recipient for m in OutboxMessage.objects.filter(event="demand_event.comment")] == [
        world.personas.stakeholder
    ]
    assert list(EventComment.objects.values_list("text", flat=True)) == ["Will it hold?", "We are on it."]


def test_it_refuses_empty_oversized_and_unauthorised_comments(world: World) -> None:
    for text in ("   ", "x" * 5001):
        with pytest.raises(ValidationError):
            services.comment(actor=Actor(user=world.personas.stakeholder), event=world.event, text=text)
    with pytest.raises(PermissionDenied):
        services.comment(actor=Actor(user=world.personas.viewer), event=world.event, text="hi")
    assert EventComment.objects.count() == 0
    assert OutboxMessage.objects.filter(event="demand_event.comment").count() == 0


def test_uplift_follows_the_contract() -> None:
    assert DemandEvent(size_kind="multiplier", multiplier=Decimal("2.50")).uplift() == 2.5
    assert DemandEvent(size_kind="unknown", rough_size="huge").uplift() == 6.0
    assert DemandEvent(size_kind="peak", expected_peak=900.0).uplift() is None
