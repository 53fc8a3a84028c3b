"""The demo's traffic events: the next Black Friday sale (six times a normal day) on checkout and the
storefront, a newsletter, a TV spot nobody can size yet, and last year's Black Friday for the calibration."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from steadyops.catalog.models import Service
from steadyops.core import demo
from steadyops.core.actor import Actor
from steadyops.demand import event_services
from steadyops.demand.models.events import DemandEvent, EventStatus

ZONE = "Europe/Paris"
COMMENTS = [
    ("maria", "We expect at least last year's crowd: the TV spot runs the week before, and the discount is bigger."),
    ("carlos", "Thanks, Maria. Last year checkout peaked at about five times a normal day; we are planning for six."),
    ("maria", "Great. The sale starts at midnight sharp and the newsletter goes out at 07:00."),
]


def black_friday(year: int) -> date:
    """The last Friday of November."""
    last = date(year, 11, calendar.monthrange(year, 11)[1])
    return last - timedelta(days=(last.weekday() - calendar.FRIDAY) % 7)


def next_black_friday(today: date) -> date:
    day = black_friday(today.year)
    return day if day > today else black_friday(today.year + 1)


def previous_black_friday(today: date) -> date:
    day = black_friday(today.year)
    return day if day < today else black_friday(today.year - 1)


def _at(day: date, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0)


def _register(organisation: demo.DemoOrganisation, author: str, fields: dict[str, Any]) -> DemandEvent | None:
    person = organisation.people[author]
    zone = ZoneInfo(ZONE)
    starts_at = fields["starts_at"].replace(tzinfo=zone)
    if DemandEvent.objects.filter(title=fields["title"], created_by=person, starts_at=starts_at).exists():
        return None
    event = event_services.register_event(
        actor=Actor.cli(person, "demo"), timezone=ZONE, team=organisation.teams["marketing"], **fields
    )
    organisation.count("traffic events")
    return event


def load(organisation: demo.DemoOrganisation) -> None:
    services = {service.slug: service for service in Service.objects.filter(slug__in=["checkout", "storefront-web"])}
    if len(services) < 2:
        return
    today = timezone.localdate()
    friday = next_black_friday(today)
    sale = _register(
        organisation,
        "maria",
        {
            "title": "Black Friday sale",
            "description": "Up to 40% off everything, announced by newsletter and a TV spot.",
            "starts_at": _at(friday),
            "ends_at": _at(friday + timedelta(days=1)),
            "size_kind": "multiplier",
            "multiplier": 6,
            "services": [services["checkout"], services["storefront-web"]],
            "confidence": "high",
            "contact": "Maria Rossi, maria@example.com",
            "ramp_up_hours": 2,
        },
    )
    if sale is not None:
        carlos = Actor.cli(organisation.people["carlos"], "demo")
        event_services.triage(actor=carlos, event=sale, status=EventStatus.ACKNOWLEDGED)
        event_services.triage(actor=carlos, event=sale, status=EventStatus.PLAN_NEEDED)
        for author, text in COMMENTS:
            event_services.comment(actor=Actor.cli(organisation.people[author], "demo"), event=sale, text=text)
    newsletter_day = today + timedelta(days=20)
    _register(
        organisation,
        "maria",
        {
            "title": "Spring newsletter",
            "description": "Sent to all 400,000 subscribers at 07:00.",
            "starts_at": _at(newsletter_day, 7),
            "ends_at": _at(newsletter_day, 13),
            "size_kind": "multiplier",
            "multiplier": 2,
            "services": [services["storefront-web"]],
            "confidence": "high",
            "contact": "Maria Rossi, maria@example.com",
        },
    )
    tv_day = today + timedelta(days=45)
    _register(
        organisation,
        "maria",
        {
            "title": "TV spot during the evening news",
            "description": "30 seconds, national channel. We do not know yet how many people will visit.",
            "starts_at": _at(tv_day, 20),
            "ends_at": _at(tv_day, 23),
            "size_kind": "unknown",
            "rough_size": "medium",
            "whole_site": True,
            "confidence": "medium",
            "contact": "Maria Rossi, maria@example.com",
        },
    )
    last = previous_black_friday(today)
    _register(
        organisation,
        "maria",
        {
            "title": "Black Friday sale",
            "description": "Last year's sale.",
            "starts_at": _at(last),
            "ends_at": _at(last + timedelta(days=1)),
            "size_kind": "multiplier",
            "multiplier": 4,
            "services": [services["checkout"], services["storefront-web"]],
            "confidence": "high",
            "contact": "Maria Rossi, maria@example.com",
        },
    )
