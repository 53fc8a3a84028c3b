"""Who may reach each traffic-event URL, and the world those URLs need (also used by the event tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from steadyops.catalog import services as catalog
from steadyops.catalog.models import Service
from steadyops.core.actor import Actor
from steadyops.demand import event_services
from steadyops.demand.models.events import CalendarFeed, DemandEvent
from steadyops.testing.authz import API_READ, SIGNED_IN_PAGE, Case, by_role, everyone
from steadyops.testing.personas import Personas


@dataclass
class World:
    personas: Personas
    storefront: Service  # platform (team_a), user-facing
    checkout: Service  # checkout (team_b), user-facing
    old: Service  # archived
    event: DemandEvent  # stakeholder's, for marketing, on checkout
    feed: CalendarFeed  # marketing's
    feed_token: str


def build_services(personas: Personas) -> tuple[Service, Service, Service]:
    admin = Actor(user=personas.admin)
    storefront = catalog.create_service(
        actor=admin, name="Storefront", slug="storefront", owner=personas.team_a, tier=1, user_facing=True
    )
    checkout = catalog.create_service(
        actor=admin, name="Checkout", slug="checkout", owner=personas.team_b, tier=1, user_facing=True
    )
    old = catalog.create_service(actor=admin, name="Old shop", slug="old-shop", owner=personas.team_a, user_facing=True)
    catalog.archive_service(actor=admin, service=old, confirmed=True)
    return storefront, checkout, old


def next_week(hour: int = 9) -> datetime:
    """A naive local time a week from now, as a form or a client sends it."""
    day = timezone.now() + timedelta(days=8)
    return datetime(day.year, day.month, day.day, hour, 0)


def event_fields(services: list[Service], **overrides: Any) -> dict[str, Any]:
    """register_event's arguments for a plain six-times event next week."""
    start = next_week()
    fields: dict[str, Any] = {
        "title": "Black Friday sale",
        "description": "Everything 30% off.",
        "starts_at": start,
        "ends_at": start + timedelta(hours=15),
        "timezone": "Europe/Paris",
        "size_kind": "multiplier",
        "multiplier": 6,
        "services": services,
        "confidence": "high",
        "contact": "Stakeholder, stakeholder@example.com",
    }
    fields.update(overrides)
    return fields


def make_world(personas: Personas) -> World:
    storefront, checkout, old = build_services(personas)
    event = event_services.register_event(
        actor=Actor(user=personas.stakeholder), team=personas.marketing, **event_fields([checkout])
    )
    feed, raw = event_services.create_calendar_feed(actor=Actor(user=personas.stakeholder), team=personas.marketing)
    return World(personas, storefront, checkout, old, event, feed, raw)


def form_data(world: World) -> dict[str, str]:
    start = next_week()
    return {
        "title": "Newsletter",
        "starts_at": f"{start:%Y-%m-%dT%H:%M}",
        "ends_at": f"{start + timedelta(hours=4):%Y-%m-%dT%H:%M}",
        "timezone": "Europe/Paris",
        "size_kind": "unknown",
        "rough_size": "small",
        "services": "checkout",
        "confidence": "medium",
        "contact": "someone",
    }


def api_data(world: World) -> dict[str, Any]:
    start = next_week()
    return {
        "title": "TV spot",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "timezone": "Europe/Paris",
        "size_kind": "unknown",
        "rough_size": "medium",
        "services": ["checkout"],
    }


def _event(w: World) -> dict[str, Any]:
    return {"pk": w.event.pk}


def _event_id(w: World) -> dict[str, Any]:
    return {"event_id": w.event.pk}


TAKE_PART_PAGE = by_role(200, 200, 200, 200, 403, 302)
TAKE_PART_POST = by_role(302, 302, 302, 302, 403, 302)
TRIAGE_POST = by_role(302, 302, 302, 403, 403, 302)
TAKE_PART_API = by_role(200, 200, 200, 200, 403, 401)
TAKE_PART_API_CREATE = by_role(201, 201, 201, 201, 403, 401)

CASES: dict[str, list[Case]] = {
    "demand_event_list": [Case("GET", SIGNED_IN_PAGE)],
    "demand_event_create": [
        Case("GET", TAKE_PART_PAGE),
        Case("POST", TAKE_PART_POST, data=form_data),
    ],
    "demand_event_detail": [Case("GET", SIGNED_IN_PAGE, kwargs=_event)],
    "demand_event_edit": [
        Case("GET", TAKE_PART_PAGE, kwargs=_event),
        Case("POST", TAKE_PART_POST, kwargs=_event, data=form_data),
    ],
    "demand_event_cancel": [
        Case("GET", TAKE_PART_PAGE, kwargs=_event),
        Case("POST", TAKE_PART_POST, kwargs=_event),
    ],
    "demand_event_triage": [
        Case("POST", TRIAGE_POST, kwargs=_event, data=lambda w: {"status": "acknowledged"}),
        Case("GET", by_role(405, 405, 405, 405, 405, 302), kwargs=_event),
    ],
    "demand_event_comment": [
        Case("POST", TAKE_PART_POST, kwargs=_event, data=lambda w: {"text": "Is this sure?"}),
    ],
    "demand_calendar": [Case("GET", SIGNED_IN_PAGE), Case("GET", SIGNED_IN_PAGE, query="?month=2027-11")],
    "demand_calendar_feeds": [
        Case("GET", TAKE_PART_PAGE),
        # Only the team's members (and administrators) may make its address; others are offered their own teams.
        Case("POST", by_role(200, 400, 400, 200, 403, 302), data=lambda w: {"team": "marketing"}),
    ],
    "demand_calendar_feed_revoke": [
        Case("POST", by_role(302, 403, 403, 302, 403, 302), kwargs=lambda w: {"pk": w.feed.pk}),
    ],
    "demand_ical_feed": [
        Case("GET", everyone(200), kwargs=lambda w: {"token": w.feed_token}),
        Case("GET", everyone(404), kwargs=lambda w: {"token": "stc_wrong"}),
    ],
    "api:demand_events": [
        Case("GET", API_READ, json=True),
        Case("POST", TAKE_PART_API_CREATE, json=True, data=api_data),
    ],
    "api:demand_event": [
        Case("GET", API_READ, json=True, kwargs=_event_id),
        Case("PATCH", TAKE_PART_API, json=True, kwargs=_event_id, data=lambda w: {"contact": "Maria"}),
    ],
    "api:demand_event_cancel": [Case("POST", TAKE_PART_API, json=True, kwargs=_event_id)],
    "api:demand_event_triage": [
        Case(
            "POST",
            by_role(200, 200, 200, 403, 403, 401),
            json=True,
            kwargs=_event_id,
            data=lambda w: {"status": "acknowledged"},
        )
    ],
    "api:demand_event_comments": [
        Case("GET", API_READ, json=True, kwargs=_event_id),
        Case("POST", TAKE_PART_API_CREATE, json=True, kwargs=_event_id, data=lambda w: {"text": "Noted."}),
    ],
}
