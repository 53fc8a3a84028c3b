"""Traffic-event pages: the form marketing fills in, the list, an event's page, the month calendar and the
private calendar feeds."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steadyops.accounts.forms import apply_service_errors
from steadyops.accounts.models import Team
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.core.htmx import AuthenticatedHttpRequest, posted, redirect_after_form, render_htmx, require
from steadyops.core.models import AuditEntry
from steadyops.demand import event_services as services
from steadyops.demand.calibration import calibration_for
from steadyops.demand.event_forms import (
    CommentForm,
    EventFilterForm,
    EventForm,
    FeedForm,
    TriageForm,
    initial_for,
)
from steadyops.demand.ical import calendar_for, size_in_words
from steadyops.demand.models.events import CalendarFeed, DemandEvent, EventStatus

PAGE_SIZE = 25
CALENDAR_LIMIT = 300
FEED_PAST_DAYS = 90


def _events() -> QuerySet[DemandEvent]:
    return DemandEvent.objects.select_related("team", "created_by").prefetch_related("services")


def _event(pk: int) -> DemandEvent:
    return get_object_or_404(_events(), pk=pk)


@login_required
@require_GET
def event_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see traffic events.")
    form = EventFilterForm(request.GET)
    found = _events()
    now = timezone.now()
    query: dict[str, str] = {}
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        when = data["when"] or "upcoming"
        if when == "upcoming":
            found = found.filter(ends_at__gte=now).order_by("starts_at", "pk")
        elif when == "past":
            found = found.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
        else:
            found = found.order_by("-starts_at", "-pk")
        if data["when"]:
            query["when"] = when
        if data["status"]:
            found = found.filter(status=data["status"])
            query["status"] = data["status"]
        elif when == "upcoming":
            found = found.exclude(status=EventStatus.CANCELLED)
        if data["team"] is not None:
            found = found.filter(team=data["team"])
            query["team"] = data["team"].slug
        if data["mine"]:
            found = found.filter(created_by=request.user)
            query["mine"] = "on"
    else:
        found = found.none()
        status = 400
    context = {
        "form": form,
        "page": Paginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": urlencode(query),
        "can_register": permissions.can_take_part(request.user),
    }
    return render_htmx(request, "demand/event_list.html", context, "results", status)


def _form_context(request: AuthenticatedHttpRequest, form: EventForm, **extra: Any) -> dict[str, Any]:
    return {"form": form, "calibration": calibration_for(request.user), "asking": False, **extra}


def _initial(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    user = request.user
    team = Team.objects.filter(memberships__user=user, archived_at=None).order_by("name").first()
    contact = ", ".join(part for part in (str(user), user.email) if part)
    return {
        "timezone": services.default_time_zone(user),
        "team": team.slug if team else None,
        "contact": contact,
        "size_kind": "multiplier",
    }


def _save(request: AuthenticatedHttpRequest, form: EventForm, event: DemandEvent | None) -> DemandEvent | str | None:
    """Run the service; the event, the confirmation question to ask, or None when the form now shows errors."""
    arguments = form.service_arguments()
    actor = Actor.of_request(request)
    confirmed = bool(form.cleaned_data["confirm"])
    try:
        if event is None:
            return services.register_event(actor=actor, confirmed=confirmed, **arguments)
        return services.edit_event(actor=actor, event=event, confirmed=confirmed, **arguments)
    except services.NeedsConfirmation as question:
        return question.message
    except ValidationError as error:
        apply_service_errors(form, error)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_take_part(request.user), "Viewers can look at events but not register them.")
    form = EventForm(posted(request), initial=_initial(request))
    asking: str | None = None
    if request.method == "POST" and form.is_valid():
        outcome = _save(request, form, None)
        if isinstance(outcome, DemandEvent):
            messages.success(
                request,
                f"Thank you! Operations now knows about “{outcome.title}”. "
                "You will get a message when they have looked at it.",
            )
            return redirect_after_form(request, reverse("demand_event_detail", kwargs={"pk": outcome.pk}))
        asking = outcome
    context = _form_context(request, form, event=None, asking=asking)
    return render_htmx(request, "demand/event_form.html", context, "form", 400 if form.errors or asking else 200)


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = _event(pk)
    require(permissions.can_edit_demand_event(request.user, event), "You cannot change this event.")
    if event.status == EventStatus.CANCELLED:
        raise PermissionDenied("This event was cancelled; it can no longer be changed.")
    form = EventForm(posted(request), initial=initial_for(event), event=event)
    asking: str | None = None
    if request.method == "POST" and form.is_valid():
        outcome = _save(request, form, event)
        if isinstance(outcome, DemandEvent):
            messages.success(request, "Saved. Operations sees the change.")
            return redirect_after_form(request, reverse("demand_event_detail", kwargs={"pk": event.pk}))
        asking = outcome
    context = _form_context(request, form, event=event, asking=asking)
    return render_htmx(request, "demand/event_form.html", context, "form", 400 if form.errors or asking else 200)


ACTION_WORDS = {
    "demand_event.register": "registered the event",
    "demand_event.edit": "changed",
    "demand_event.cancel": "cancelled the event",
    "demand_event.triage": "changed the status",
    "demand_event.remind": "sent a reminder",
}
FIELD_WORDS = {
    "title": "what is happening",
    "description": "details",
    "starts_at": "start",
    "ends_at": "end",
    "timezone": "time zone",
    "size_kind": "kind of size",
    "multiplier": "times a normal day",
    "expected_peak": "expected peak",
    "rough_size": "rough size",
    "whole_site": "whole site",
    "services": "services",
    "confidence": "how sure",
    "contact": "who to ask",
    "team": "team",
    "status": "status",
    "ramp_up_hours": "ramp-up hours",
    "ramp_down_hours": "ramp-down hours",
    "cancelled_at": "cancelled at",
}


def history(event: DemandEvent) -> list[dict[str, Any]]:
    """The event's audit entries, newest first, each with the fields it changed."""
    entries = AuditEntry.objects.filter(object_type="demand.demandevent", object_id=str(event.pk)).order_by(
        "-created_at", "-pk"
    )[:100]
    rows = []
    for entry in entries:
        before, after = entry.before or {}, entry.after or {}
        changes = [
            {"field": FIELD_WORDS.get(key, key), "before": before.get(key), "after": after.get(key)}
            for key in FIELD_WORDS
            if before and before.get(key) != after.get(key)
        ]
        rows.append({"entry": entry, "what": ACTION_WORDS.get(entry.action, entry.action), "changes": changes})
    return rows


def _detail_context(
    request: AuthenticatedHttpRequest, event: DemandEvent, comment_form: CommentForm | None = None
) -> dict[str, Any]:
    can_edit = permissions.can_edit_demand_event(request.user, event) and event.status != EventStatus.CANCELLED
    can_triage = permissions.can_triage_demand(request.user) and event.status != EventStatus.CANCELLED
    zone = ZoneInfo(event.timezone)
    return {
        "event": event,
        "zone": zone,
        "size": size_in_words(event),
        "can_edit": can_edit,
        "can_comment": permissions.can_edit_demand_event(request.user, event),
        "triage_choices": [
            (value, label)
            for value, label in TriageForm.base_fields["status"].choices  # type: ignore[attr-defined]
            if value != event.status
        ]
        if can_triage
        else [],
        "comments": event.comments.select_related("author").order_by("created_at", "pk"),
        "comment_form": comment_form or CommentForm(),
        "history": history(event),
    }


@login_required
@require_GET
def event_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see traffic events.")
    event = _event(pk)
    return render(request, "demand/event_detail.html", _detail_context(request, event))


@login_required
@require_http_methods(["GET", "POST"])
def event_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = _event(pk)
    require(permissions.can_edit_demand_event(request.user, event), "You cannot cancel this event.")
    if request.method == "POST":
        services.cancel_event(actor=Actor.of_request(request), event=event)
        messages.success(request, f"“{event.title}” is cancelled. Operations sees it is off.")
        return redirect_after_form(request, reverse("demand_event_detail", kwargs={"pk": event.pk}))
    return render(request, "demand/event_cancel.html", {"event": event})


@login_required
@require_POST
def event_triage(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = _event(pk)
    require(permissions.can_triage_demand(request.user), "Only operations can triage events.")
    form = TriageForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the statuses offered.")
        return HttpResponse(status=400, content=b"Choose one of the statuses offered.")
    try:
        services.triage(actor=Actor.of_request(request), event=event, status=form.cleaned_data["status"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Status: {EventStatus(form.cleaned_data['status']).label}.")
    return redirect_after_form(request, reverse("demand_event_detail", kwargs={"pk": event.pk}))


@login_required
@require_POST
def event_comment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = _event(pk)
    require(permissions.can_edit_demand_event(request.user, event), "You cannot comment on this event.")
    form = CommentForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.comment(actor=Actor.of_request(request), event=event, text=form.cleaned_data["text"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            status = 200
            form = CommentForm()
            if not request.htmx:
                messages.success(request, "Your message is sent.")
                return redirect_after_form(request, reverse("demand_event_detail", kwargs={"pk": event.pk}))
    context = _detail_context(request, event, form)
    return render_htmx(request, "demand/event_detail.html", context, "comments", status)


# --- Calendar -----------------------------------------------------------------


def _month(value: str | None, today: datetime) -> tuple[int, int] | None:
    if not value:
        return today.year, today.month
    try:
        parsed = datetime.strptime(value, "%Y-%m")
    except ValueError:
        return None
    if not 1970 <= parsed.year <= 2200:
        return None
    return parsed.year, parsed.month


@login_required
@require_GET
def calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see traffic events.")
    zone = ZoneInfo(services.default_time_zone(request.user))
    today = timezone.now().astimezone(zone)
    month = _month(request.GET.get("month"), today)
    status = 200
    if month is None:
        month, status = (today.year, today.month), 400
        messages.error(request, "Give the month as year and month, such as 2027-11.")
    year, number = month
    first = datetime(year, number, 1, tzinfo=zone)
    following = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    # A week row may show days of the months around it, so read events for the whole grid.
    start, end = first - timedelta(days=7), following + timedelta(days=7)
    events = services.events_between(start, end, limit=CALENDAR_LIMIT)
    previous = first - timedelta(days=1)
    context = {
        "weeks": services.month_layout(year, number, events, zone),
        "month_start": first,
        "zone": zone,
        "previous": f"{previous.year:04d}-{previous.month:02d}",
        "next": f"{following.year:04d}-{following.month:02d}",
        "this_month": [e for e in events if e.starts_at < following and e.ends_at > first],
        "today": today.date(),
        "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        "can_register": permissions.can_take_part(request.user),
    }
    return render(request, "demand/calendar.html", context, status=status)


def _feed_teams(request: AuthenticatedHttpRequest) -> QuerySet[Team]:
    teams = Team.objects.filter(archived_at=None).order_by("name")
    if permissions.is_admin(request.user):
        return teams
    if not permissions.can_take_part(request.user):
        return teams.none()
    return teams.filter(memberships__user=request.user)


@login_required
@require_http_methods(["GET", "POST"])
def calendar_feeds(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_take_part(request.user), "Viewers cannot make calendar addresses.")
    teams = _feed_teams(request)
    form = FeedForm(posted(request), teams=teams)
    new_address = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _, raw = services.create_calendar_feed(actor=Actor.of_request(request), team=form.cleaned_data["team"])
            except ValidationError as error:
                apply_service_errors(form, error)
                status = 400
            else:
                new_address = request.build_absolute_uri(reverse("demand_ical_feed", kwargs={"token": raw}))
        else:
            status = 400
    feeds = (
        CalendarFeed.objects.filter(team__in=teams, revoked_at=None)
        .select_related("team", "created_by")
        .order_by("team__name", "-created_at")
    )
    context = {"form": form, "feeds": feeds, "new_address": new_address, "has_teams": teams.exists()}
    return render(request, "demand/calendar_feeds.html", context, status=status)


@login_required
@require_POST
def calendar_feed_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    feed = get_object_or_404(CalendarFeed.objects.select_related("team"), pk=pk)
    services.revoke_calendar_feed(actor=Actor.of_request(request), feed=feed)
    messages.success(request, f"The calendar address of {feed.team.name} ending in {feed.hint}… no longer works.")
    return redirect_after_form(request, reverse("demand_calendar_feeds"))


@require_GET
def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: no sign-in, the secret in the address is the key."""
    feed = services.feed_for_token(token)
    if feed is None:
        raise Http404("There is no calendar at this address.")
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    body = calendar_for(feed.team.name, services.events_for_team(feed.team, since=since)[:1000])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{feed.team.slug}-traffic-events.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    return response
