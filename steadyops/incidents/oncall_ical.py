"""On-call shifts as an iCalendar document, for calendar subscriptions and downloads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event

from steadyops.accounts.models import User
from steadyops.incidents.models.oncall import Rotation
from steadyops.incidents.oncall import Shift

PRODUCT_ID = "-//steadyops//on-call shifts//EN"


def calendar_of_shifts(
    name: str, shifts: Iterable[tuple[Rotation, Shift[User]]], *, now: datetime | None = None
) -> bytes:
    """One VEVENT per shift: who is on call in which rotation, from when to when (UTC)."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = now or datetime.now(UTC)
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "steadyops"
    for rotation, shift in shifts:
        entry = Event()
        start = shift.starts_at.astimezone(UTC)
        # A shift is identified by its rotation, person and start, so a calendar updates rather than duplicates it.
        entry.add("uid", f"oncall-{rotation.pk}-{shift.who.pk}-{start:%Y%m%dT%H%M%SZ}@{host}")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", start)
        entry.add("dtend", shift.ends_at.astimezone(UTC))
        cover = " (covering)" if shift.override else ""
        entry.add("summary", f"On call: {shift.who} — {rotation.name}{cover}")
        url = settings.SITE_URL + reverse("incidents_oncall_rotation_detail", kwargs={"pk": rotation.pk})
        entry.add("description", f"{shift.who} is on call for {rotation.team.name} ({rotation.name}).\n{url}")
        entry.add("url", url)
        calendar.add_component(entry)
    return calendar.to_ical()
