"""Traffic events as an iCalendar feed, for Outlook, Google and Apple Calendar subscriptions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event

from steadyops.demand.models.events import DemandEvent, EventStatus, SizeKind

PRODUCT_ID = "-//steadyops//traffic events//EN"


def size_in_words(event: DemandEvent) -> str:
    """How big the event is, as the person said it."""
    if event.size_kind == SizeKind.MULTIPLIER and event.multiplier is not None:
        return f"about {event.multiplier_text} times a normal day"
    if event.size_kind == SizeKind.PEAK and event.expected_peak is not None:
        return f"a peak of about {event.expected_peak:g}"
    if event.rough_size:
        return f"not known exactly; {event.rough_size}"
    return "not known"


def _description(event: DemandEvent) -> str:
    where = "the whole site" if event.whole_site else ", ".join(service.name for service in event.services.all())
    lines = [
        f"Traffic: {size_in_words(event)}.",
        f"Affects: {where}.",
        f"Status: {EventStatus(event.status).label}.",
    ]
    if event.contact:
        lines.append(f"Who to ask: {event.contact}")
    if event.description:
        lines += ["", event.description]
    lines += ["", settings.SITE_URL + reverse("demand_event_detail", kwargs={"pk": event.pk})]
    return "\n".join(lines)


def calendar_for(name: str, events: Iterable[DemandEvent], *, now: datetime | None = None) -> bytes:
    """An iCalendar document with one VEVENT per event; services should be prefetched."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Traffic events: {name}")
    stamp = now or datetime.now(UTC)
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "steadyops"
    for item in events:
        entry = Event()
        entry.add("uid", f"demand-event-{item.pk}@{host}")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", item.starts_at.astimezone(UTC))
        entry.add("dtend", item.ends_at.astimezone(UTC))
        entry.add("summary", item.title)
        entry.add("description", _description(item))
        entry.add("last-modified", item.updated_at.astimezone(UTC))
        entry.add("status", "CONFIRMED" if item.confidence == "high" else "TENTATIVE")
        entry.add("url", settings.SITE_URL + reverse("demand_event_detail", kwargs={"pk": item.pk}))
        calendar.add_component(entry)
    return calendar.to_ical()
