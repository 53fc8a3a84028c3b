"""Domain operations on traffic events: register, change, cancel, triage, comment, calendar feeds, reminders.

Pages, API and the reminder task all call these. Each checks who may act, validates everything before writing,
and audits the change in the same transaction.
"""

from __future__ import annotations

import calendar
import math
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone as django_timezone

from steadyops.accounts.models import Membership, Role, Team, User, hash_token
from steadyops.catalog.models import Service
from steadyops.core import audit, permissions
from steadyops.core.actor import Actor
from steadyops.core.text import has_control_characters
from steadyops.demand.models.events import (
    COMMENT_MAX,
    CONTACT_MAX,
    DESCRIPTION_MAX,
    TITLE_MAX,
    CalendarFeed,
    Confidence,
    DemandEvent,
    EventComment,
    EventReminder,
    EventStatus,
    RoughSize,
    SizeKind,
)
from steadyops.notify import services as notify
from steadyops.notify.services import time_zone_names

# A multiplier from here on is more often a typo than a plan: the person confirms it first.
CONFIRM_MULTIPLIER_FROM = Decimal(100)
MULTIPLIER_MAX = Decimal(1000)
PEAK_MAX = 1e12
RAMP_HOURS_MAX = 24 * 14
HORIZON = timedelta(days=731)
REMINDER_DAYS = (7, 1)
FEED_PREFIX = "stc_"
SERVICES_MAX = 100

EVENT_FIELDS = [
    "title",
    "description",
    "starts_at",
    "ends_at",
    "timezone",
    "size_kind",
    "multiplier",
    "expected_peak",
    "rough_size",
    "whole_site",
    "services",
    "confidence",
    "contact",
    "team",
    "status",
    "ramp_up_hours",
    "ramp_down_hours",
    "cancelled_at",
]
TRIAGE_STATUSES = (EventStatus.ACKNOWLEDGED, EventStatus.PLAN_NEEDED, EventStatus.READY)


class NeedsConfirmation(Exception):
    """A value that is allowed but unusual enough to ask about first. Nothing has been written when it is raised;
    the person asks again with confirmed=True."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class EventDetails:
    """Everything a person states about an event, as validated by clean_details."""

    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    size_kind: str
    multiplier: Decimal | None
    expected_peak: float | None
    rough_size: str | None
    whole_site: bool
    services: tuple[Service, ...]
    confidence: str
    contact: str
    team: Team | None
    ramp_up_hours: int
    ramp_down_hours: int


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def multiplier_words(multiplier: Decimal) -> str:
    """The question asked before accepting a very large multiplier."""
    number = f"{multiplier.normalize():,f}"
    words = {Decimal(1000): "a thousand", Decimal(100): "a hundred"}.get(multiplier.normalize(), number)
    return f"\u00d7{number} means {words} times today's traffic — are you sure?"


def default_time_zone(user: User | None) -> str:
    """The zone a person's times are read in unless they choose another: their own, else the site's."""
    if user is not None and user.pk is not None:
        from steadyops.notify.models import Preference

        preference = Preference.objects.filter(user_id=user.pk).first()
        if preference is not None and preference.time_zone in time_zone_names():
            return preference.time_zone
    return str(settings.TIME_ZONE)


def _aware(value: datetime, zone: ZoneInfo, field: str, errors: dict[str, list[str]]) -> datetime | None:
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value
    local = value.replace(tzinfo=zone)
    # A wall-clock time skipped when the clocks go forward does not survive a round trip through UTC.
    if local.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) != value:
        errors[field] = [f"{value:%Y-%m-%d %H:%M} does not exist in {zone.key}: the clocks go forward then."]
        return None
    return local


def _text(value: str, field: str, limit: int, errors: dict[str, list[str]], *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = ["This is needed."]
    elif len(value) > limit:
        errors[field] = [f"Keep it to {limit:,} characters (this has {len(value):,})."]
    elif "\x00" in value:
        errors[field] = ["This contains a character that cannot be stored."]
    return value


def clean_details(
    *,
    title: str,
    description: str = "",
    starts_at: datetime,
    ends_at: datetime,
    timezone: str,
    size_kind: str,
    multiplier: Decimal | float | int | str | None = None,
    expected_peak: float | None = None,
    rough_size: str | None = None,
    whole_site: bool = False,
    services: Sequence[Service] = (),
    confidence: str = Confidence.MEDIUM,
    contact: str = "",
    team: Team | None = None,
    ramp_up_hours: int = 0,
    ramp_down_hours: int = 0,
    now: datetime | None = None,
) -> EventDetails:
    """Check everything a person said about an event; a ValidationError names every field at fault."""
    errors: dict[str, list[str]] = {}
    title = _text(title, "title", TITLE_MAX, errors, required=True)
    if "title" not in errors and has_control_characters(title):
        errors["title"] = ["Write the title on one line, without special characters."]
    description = _text(description, "description", DESCRIPTION_MAX, errors)
    contact = _text(contact, "contact", CONTACT_MAX, errors)

    zone_name = (timezone or "").strip()
    zone: ZoneInfo | None = None
    if zone_name not in time_zone_names():
        errors["timezone"] = [f"“{zone_name[:64]}” is not a time zone we know; choose one such as Europe/Paris."]
    else:
        zone = ZoneInfo(zone_name)
    start = end = None
    if zone is not None:
        start = _aware(starts_at, zone, "starts_at", errors)
        end = _aware(ends_at, zone, "ends_at", errors)
    if start is not None and end is not None:
        if end <= start:
            errors["ends_at"] = ["The end is before the start." if end < start else "The end is the same as the start."]
        if start > (now or django_timezone.now()) + HORIZON:
            errors["starts_at"] = ["That is more than two years ahead; register it closer to the time."]

    number: Decimal | None = None
    peak: float | None = None
    rough: str | None = None
    if size_kind not in SizeKind.values:
        errors["size_kind"] = ["Choose how much more traffic you expect."]
    if size_kind == SizeKind.MULTIPLIER:
        if expected_peak is not None or rough_size:
            errors["size_kind"] = ["Give the number of times, and no peak or rough size with it."]
        try:
            number = None if multiplier in (None, "") else Decimal(str(multiplier))
        except InvalidOperation:
            number = None
            errors["multiplier"] = ["Write a number, such as 6."]
        if "multiplier" not in errors:
            if number is None:
                errors["multiplier"] = ["Say about how many times a normal day's traffic, such as 6."]
            elif not number.is_finite() or number <= 0:
                errors["multiplier"] = ["The number of times must be more than 0."]
            elif number > MULTIPLIER_MAX:
                errors["multiplier"] = ["That is more than 1,000 times today's traffic; check the number."]
            elif number != number.quantize(Decimal("0.01")):
                errors["multiplier"] = ["Use at most two decimals, such as 2.5."]
    elif size_kind == SizeKind.PEAK:
        if multiplier not in (None, "") or rough_size:
            errors["size_kind"] = ["Give the expected peak, and no multiplier or rough size with it."]
        if expected_peak is None:
            errors["expected_peak"] = ["Say what peak you expect, in the unit operations uses for the service."]
        elif not math.isfinite(expected_peak) or expected_peak <= 0 or expected_peak > PEAK_MAX:
            errors["expected_peak"] = ["The peak must be a number above 0."]
        else:
            peak = float(expected_peak)
    elif size_kind == SizeKind.UNKNOWN:
        if multiplier not in (None, "") or expected_peak is not None:
            errors["size_kind"] = ["With “I don't know”, choose small, medium or huge instead of a number."]
        if rough_size not in RoughSize.values:
            errors["rough_size"] = ["Choose small, medium or huge; a rough idea is enough."]
        else:
            rough = rough_size

    chosen = tuple(dict.fromkeys(services))
    if whole_site and chosen:
        errors["services"] = ["Choose either the whole site or some services, not both."]
    elif not whole_site and not chosen:
        errors["services"] = ["Choose the products or services it affects, or the whole site."]
    elif len(chosen) > SERVICES_MAX:
        errors["services"] = [f"Choose at most {SERVICES_MAX} services, or the whole site."]
    else:
        # Asked of the database, not the objects passed in, which may be older than an archiving.
        archived = list(
            Service.objects.filter(pk__in=[service.pk for service in chosen])
            .exclude(archived_at=None)
            .order_by("name")
            .values_list("name", flat=True)
        )
        if archived:
            errors["services"] = [f"{', '.join(archived)} is no longer in use; choose another service."]

    if confidence not in Confidence.values:
        errors["confidence"] = ["Choose how sure you are."]
    if team is not None and team.archived_at is not None:
        errors["team"] = [f"The team {team.name} is archived; choose another."]
    for field, hours in (("ramp_up_hours", ramp_up_hours), ("ramp_down_hours", ramp_down_hours)):
        if not 0 <= hours <= RAMP_HOURS_MAX:
            errors[field] = [f"Between 0 and {RAMP_HOURS_MAX} hours."]
    if errors:
        raise ValidationError(errors)
    assert start is not None
    assert end is not None
    return EventDetails(
        title=title,
        description=description,
        starts_at=start,
        ends_at=end,
        timezone=zone_name,
        size_kind=size_kind,
        multiplier=number,
        expected_peak=peak,
        rough_size=rough,
        whole_site=whole_site,
        services=chosen,
        confidence=confidence,
        contact=contact,
        team=team,
        ramp_up_hours=ramp_up_hours,
        ramp_down_hours=ramp_down_hours,
    )


def _ask_about_multiplier(details: EventDetails, *, previous: Decimal | None, confirmed: bool) -> None:
    number = details.multiplier
    if number is None or confirmed or number < CONFIRM_MULTIPLIER_FROM or number == previous:
        return
    raise NeedsConfirmation(multiplier_words(number))


def _apply(event: DemandEvent, details: EventDetails) -> None:
    for field in (
        "title",
        "description",
        "starts_at",
        "ends_at",
        "timezone",
        "size_kind",
        "multiplier",
        "expected_peak",
        "rough_size",
        "whole_site",
        "confidence",
        "contact",
        "team",
        "ramp_up_hours",
        "ramp_down_hours",
    ):
        setattr(event, field, getattr(details, field))


def _snapshot(event: DemandEvent) -> dict[str, Any]:
    data = audit.snapshot(event, [field for field in EVENT_FIELDS if field != "services"])
    data["services"] = sorted(event.services.values_list("slug", flat=True)) if event.pk else []
    return data


def event_url(event: DemandEvent) -> str:
    return settings.SITE_URL + reverse("demand_event_detail", kwargs={"pk": event.pk})


def register_event(*, actor: Actor, confirmed: bool = False, **fields: Any) -> DemandEvent:
    """Register a traffic event. Everyone who takes part may; a multiplier of 100 or more needs confirmed=True.

    fields are clean_details' arguments. Raises ValidationError (nothing written), NeedsConfirmation, or
    PermissionDenied.
    """
    _require(permissions.can_take_part(actor.user), "Viewers can look at events but not register them.")
    details = clean_details(**fields)
    _ask_about_multiplier(details, previous=None, confirmed=confirmed)
    event = DemandEvent(created_by=actor.user)
    _apply(event, details)
    with transaction.atomic():
        event.save()
        event.services.set(details.services)
        audit.record(actor=actor, action="demand_event.register", obj=event, after=_snapshot(event))
    return event


def edit_event(*, actor: Actor, event: DemandEvent, confirmed: bool = False, **fields: Any) -> DemandEvent:
    """Change what is known about an event. The audit log keeps every earlier version."""
    _require(permissions.can_edit_demand_event(actor.user, event), "You cannot change this event.")
    with transaction.atomic():
        event = DemandEvent.objects.select_for_update().get(pk=event.pk)
        if event.status == EventStatus.CANCELLED:
            raise ValidationError("This event was cancelled; register it again if it is back on.")
        details = clean_details(**fields)
        _ask_about_multiplier(details, previous=event.multiplier, confirmed=confirmed)
        before = _snapshot(event)
        _apply(event, details)
        event.save()
        event.services.set(details.services)
        after = _snapshot(event)
        if after != before:
            audit.record(actor=actor, action="demand_event.edit", obj=event, before=before, after=after)
    return event


def cancel_event(*, actor: Actor, event: DemandEvent) -> DemandEvent:
    """Cancel an event: it stays on record but leaves the calendar and the forecasts. Cancelling twice is fine."""
    _require(permissions.can_edit_demand_event(actor.user, event), "You cannot cancel this event.")
    with transaction.atomic():
        event = DemandEvent.objects.select_for_update().get(pk=event.pk)
        if event.status == EventStatus.CANCELLED:
            return event
        before = _snapshot(event)
        event.status = EventStatus.CANCELLED
        event.cancelled_at = django_timezone.now()
        event.save(update_fields=["status", "cancelled_at", "updated_at"])
        audit.record(actor=actor, action="demand_event.cancel", obj=event, before=before, after=_snapshot(event))
        for person in _requester_side(event, exclude=actor.user):
            notify.notify_user(
                user=person,
                event="demand_event.cancelled",
                subject=f"Cancelled: {event.title}",
                body=f"{actor.label} cancelled the event “{event.title}”.\n\n{event_url(event)}",
                payload={"event_id": event.pk},
            )
    return event


STATUS_NEWS = {
    EventStatus.ACKNOWLEDGED: "Operations has seen your event “{title}” and will look at what it needs.",
    EventStatus.PLAN_NEEDED: "Operations is preparing for your event “{title}”.",
    EventStatus.READY: "Operations is ready for your event “{title}”.",
}


def triage(*, actor: Actor, event: DemandEvent, status: str) -> DemandEvent:
    """Move an event through acknowledged → plan needed → ready (operators), telling the person who
    registered it."""
    _require(permissions.can_triage_demand(actor.user), "Only operations can triage events.")
    if status not in TRIAGE_STATUSES:
        raise ValidationError({"status": ["Choose acknowledged, plan_needed or ready."]})
    with transaction.atomic():
        event = DemandEvent.objects.select_for_update().get(pk=event.pk)
        if event.status == EventStatus.CANCELLED:
            raise ValidationError("This event was cancelled.")
        if event.status == status:
            return event
        before = _snapshot(event)
        event.status = status
        event.save(update_fields=["status", "updated_at"])
        audit.record(actor=actor, action="demand_event.triage", obj=event, before=before, after=_snapshot(event))
        for person in _requester_side(event, exclude=actor.user):
            notify.notify_user(
                user=person,
                event="demand_event.triaged",
                subject=f"{EventStatus(status).label}: {event.title}",
                body=STATUS_NEWS[EventStatus(status)].format(title=event.title) + f"\n\n{event_url(event)}",
                payload={"event_id": event.pk, "status": status},
            )
    return event


def _requester_side(event: DemandEvent, *, exclude: User | None) -> list[User]:
    people = [event.created_by] if event.created_by is not None and event.created_by.is_active else []
    return [person for person in people if exclude is None or person.pk != exclude.pk]


def owning_team_ids(event: DemandEvent) -> set[int]:
    """The teams that run what the event touches: the owners of its services, or of the user-facing services
    when it affects the whole site."""
    found = (
        Service.objects.filter(archived_at=None, user_facing=True)
        if event.whole_site
        else Service.objects.filter(demand_events=event)
    )
    owners = set(found.values_list("owner_id", flat=True))
    owners.update(found.exclude(secondary_owners=None).values_list("secondary_owners", flat=True))
    return owners


def _operations_side(event: DemandEvent, *, exclude: User | None) -> list[User]:
    people = User.objects.filter(
        is_active=True,
        role__in=[Role.ADMIN, Role.OPERATOR],
        memberships__team_id__in=owning_team_ids(event),
        memberships__team__archived_at=None,
    ).distinct()
    if exclude is not None:
        people = people.exclude(pk=exclude.pk)
    return list(people.order_by("username"))


def is_requester_side(user: User | None, event: DemandEvent) -> bool:
    """Whether a person speaks for the side that registered the event (its author or its team)."""
    if user is None or user.pk is None:
        return False
    if event.created_by_id == user.pk:
        return True
    return event.team_id is not None and Membership.objects.filter(user_id=user.pk, team_id=event.team_id).exists()


def comment(*, actor: Actor, event: DemandEvent, text: str) -> EventComment:
    """Add a message to an event and tell the other side: operations when the requester writes, the requester
    when operations writes."""
    _require(permissions.can_edit_demand_event(actor.user, event), "You cannot comment on this event.")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ["Write something first."]})
    if len(text) > COMMENT_MAX:
        raise ValidationError({"text": [f"Keep it to {COMMENT_MAX:,} characters (this has {len(text):,})."]})
    if "\x00" in text:
        raise ValidationError({"text": ["This contains a character that cannot be stored."]})
    with transaction.atomic():
        note = EventComment.objects.create(event=event, author=actor.user, text=text)
        audit.record(actor=actor, action="demand_event.comment", obj=note, after={"event": event.pk, "text": text})
        others = (
            _operations_side(event, exclude=actor.user)
            if is_requester_side(actor.user, event)
            else _requester_side(event, exclude=actor.user)
        )
        for person in others:
            notify.notify_user(
                user=person,
                event="demand_event.comment",
                subject=f"New comment on {event.title}",
                body=f"{actor.label} wrote:\n\n{text}\n\n{event_url(event)}",
                payload={"event_id": event.pk, "comment_id": note.pk},
            )
    return note


# --- Calendar feeds -----------------------------------------------------------


def create_calendar_feed(*, actor: Actor, team: Team) -> tuple[CalendarFeed, str]:
    """Make a private calendar address for a team. The secret is returned once; only its hash is kept."""
    _require(
        permissions.can_manage_demand_feeds(actor.user, team), "Only the team's members can make its calendar address."
    )
    if team.archived_at is not None:
        raise ValidationError("This team is archived.")
    raw = FEED_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        feed = CalendarFeed.objects.create(team=team, token_hash=hash_token(raw), hint=raw[:10], created_by=actor.user)
        audit.record(actor=actor, action="demand_feed.create", obj=feed, after={"team": team.slug, "hint": feed.hint})
    return feed, raw


def revoke_calendar_feed(*, actor: Actor, feed: CalendarFeed) -> CalendarFeed:
    """Stop a calendar address from working. Revoking twice is fine."""
    _require(
        permissions.can_manage_demand_feeds(actor.user, feed.team),
        "Only the team's members can revoke its calendar address.",
    )
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
        if feed.revoked_at is None:
            feed.revoked_at = django_timezone.now()
            feed.save(update_fields=["revoked_at"])
            audit.record(actor=actor, action="demand_feed.revoke", obj=feed, before={"hint": feed.hint})
    return feed


def feed_for_token(raw: str) -> CalendarFeed | None:
    """The live feed a calendar address's secret belongs to, or None."""
    if not raw.startswith(FEED_PREFIX) or len(raw) > 100:
        return None
    return (
        CalendarFeed.objects.select_related("team")
        .filter(token_hash=hash_token(raw), revoked_at=None, team__archived_at=None)
        .first()
    )


def events_for_team(team: Team, *, since: datetime) -> QuerySet[DemandEvent]:
    """The events a team cares about: those registered for it, and those touching services it owns (as owner or
    co-owner), including whole-site events when it owns a user-facing service. Cancelled ones are left out."""
    owned = Service.objects.filter(Q(owner=team) | Q(secondary_owners=team), archived_at=None)
    touches = Q(team=team) | Q(services__in=owned)
    if owned.filter(user_facing=True).exists():
        touches |= Q(whole_site=True)
    ids = DemandEvent.objects.filter(touches).values("pk")
    return (
        DemandEvent.objects.filter(pk__in=ids, ends_at__gte=since)
        .exclude(status=EventStatus.CANCELLED)
        .select_related("team", "created_by")
        .prefetch_related("services")
        .order_by("starts_at", "pk")
    )


# --- Reminders ----------------------------------------------------------------


def _due_reminder(event: DemandEvent, now: datetime) -> int | None:
    """Which reminder is due: the 1-day one inside the last day, else the 7-day one inside the last week."""
    left = event.starts_at - now
    if left <= timedelta(0):
        return None
    for days in sorted(REMINDER_DAYS):
        if left <= timedelta(days=days):
            return days
    return None


def _in_words(left: timedelta) -> str:
    hours = left.total_seconds() / 3600
    if hours < 36:
        return "tomorrow" if hours > 12 else f"in {max(1, round(hours))} hours"
    return f"in {round(hours / 24)} days"


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Remind the person who registered each upcoming event, and the teams running its services, a week and a
    day before it starts. Each reminder is sent once per start time; returns how many events were reminded."""
    now = now or django_timezone.now()
    actor = Actor.system_actor("demand reminders")
    candidates = (
        DemandEvent.objects.exclude(status=EventStatus.CANCELLED)
        .filter(starts_at__gt=now, starts_at__lte=now + timedelta(days=max(REMINDER_DAYS)))
        .select_related("created_by")
        .order_by("starts_at", "pk")
    )
    sent = 0
    for event in candidates:
        days = _due_reminder(event, now)
        if (
            days is None
            or EventReminder.objects.filter(event=event, days_before=days, starts_at=event.starts_at).exists()
        ):
            continue
        try:
            with transaction.atomic():
                EventReminder.objects.create(event=event, days_before=days, starts_at=event.starts_at)
                _send_reminder(event, now)
                audit.record(actor=actor, action="demand_event.remind", obj=event, after={"days_before": days})
        except IntegrityError:
            # Another worker sent this reminder at the same moment.
            continue
        sent += 1
    return sent


def _send_reminder(event: DemandEvent, now: datetime) -> None:
    when = _in_words(event.starts_at - now)
    people: dict[int, User] = {person.pk: person for person in _requester_side(event, exclude=None)}
    for person in _operations_side(event, exclude=None):
        people.setdefault(person.pk, person)
    local = event.starts_at.astimezone(ZoneInfo(event.timezone))
    for person in people.values():
        notify.notify_user(
            user=person,
            event="demand_event.reminder",
            subject=f"{event.title} starts {when}",
            body=(
                f"“{event.title}” starts {when}, on {local:%A %d %B %Y at %H:%M} ({event.timezone}).\n"
                f"Status: {EventStatus(event.status).label}.\n\n{event_url(event)}"
            ),
            payload={"event_id": event.pk},
        )


def services_by_slug(slugs: Iterable[str]) -> tuple[list[Service], list[str]]:
    """The services named by slugs, and the slugs that name none."""
    wanted = list(dict.fromkeys(slugs))
    found = {service.slug: service for service in Service.objects.filter(slug__in=wanted)}
    return [found[slug] for slug in wanted if slug in found], [slug for slug in wanted if slug not in found]


# --- The month calendar -------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One stretch of an event inside one week of the month view; event is None for an empty stretch."""

    event: DemandEvent | None
    span: int
    continues_before: bool = False
    continues_after: bool = False


@dataclass(frozen=True)
class Week:
    days: list[date]
    lanes: list[list[Bar]]


def _last_day(event: DemandEvent, zone: ZoneInfo) -> date:
    # An event ending at midnight ends on the day before: "until Monday 00:00" does not touch Monday.
    end = event.ends_at.astimezone(zone)
    return (end - timedelta(microseconds=1)).date()


def month_layout(year: int, month: int, events: Sequence[DemandEvent], zone: ZoneInfo) -> list[Week]:
    """The weeks (Monday first) of a month, each with its events packed into lanes as bars across days."""
    weeks = []
    for days in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        first, last = days[0], days[-1]
        placed: list[tuple[int, int, DemandEvent]] = []
        for event in events:
            start_day, end_day = event.starts_at.astimezone(zone).date(), _last_day(event, zone)
            if end_day < first or start_day > last:
                continue
            placed.append(((max(start_day, first) - first).days, (min(end_day, last) - first).days, event))
        placed.sort(key=lambda item: (item[0], -(item[1] - item[0]), item[2].pk))
        lane_ends: list[int] = []
        lane_items: list[list[tuple[int, int, DemandEvent]]] = []
        for begin, finish, event in placed:
            for index, lane_end in enumerate(lane_ends):
                if lane_end < begin:
                    lane_ends[index] = finish
                    lane_items[index].append((begin, finish, event))
                    break
            else:
                lane_ends.append(finish)
                lane_items.append([(begin, finish, event)])
        lanes = []
        for items in lane_items:
            bars: list[Bar] = []
            column = 0
            for begin, finish, event in items:
                if begin > column:
                    bars.append(Bar(event=None, span=begin - column))
                bars.append(
                    Bar(
                        event=event,
                        span=finish - begin + 1,
                        continues_before=event.starts_at.astimezone(zone).date() < first,
                        continues_after=_last_day(event, zone) > last,
                    )
                )
                column = finish + 1
            if column < 7:
                bars.append(Bar(event=None, span=7 - column))
            lanes.append(bars)
        weeks.append(Week(days=days, lanes=lanes))
    return weeks


def events_between(start: datetime, end: datetime, *, limit: int) -> list[DemandEvent]:
    """Events (not cancelled) overlapping [start, end), earliest first, at most limit."""
    return list(
        DemandEvent.objects.exclude(status=EventStatus.CANCELLED)
        .filter(starts_at__lt=end, ends_at__gt=start)
        .select_related("team")
        .order_by("starts_at", "pk")[:limit]
    )
