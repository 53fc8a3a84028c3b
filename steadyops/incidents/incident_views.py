"""Incident pages: the list, declaring, an incident's page (with its forms for responders), subscriptions, the
internal status page for sales and support, and the response figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steadyops.accounts.forms import apply_service_errors, saved
from steadyops.accounts.models import Team
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.core.htmx import AuthenticatedHttpRequest, posted, redirect_after_form, render_htmx, require
from steadyops.incidents import incident_services as services
from steadyops.incidents import metrics
from steadyops.incidents.incident_forms import (
    DeclareForm,
    IncidentFilterForm,
    MetricsForm,
    NoteForm,
    RolesForm,
    SeverityForm,
    StakeholderUpdateForm,
    StatusForm,
    SubscriptionForm,
    TechnicalUpdateForm,
)
from steadyops.incidents.models.incidents import (
    Audience,
    Incident,
    IncidentStatus,
    StatusUpdate,
    Subscription,
    SubscriptionScope,
    TimelineKind,
)

PAGE_SIZE = 25
RECENT_DAYS = 7
RECENT_MAX = 20
TIMELINE_MAX = 500
NOT_RESPONDER = "Only operators and administrators can work on incidents."


def _incidents() -> QuerySet[Incident]:
    return Incident.objects.select_related("commander", "communications", "scribe", "created_by")


def _incident(number: int) -> Incident:
    return get_object_or_404(_incidents().prefetch_related("services__owner"), number=number)


def _stakeholder_updates() -> Prefetch[Any]:
    return Prefetch(
        "updates",
        queryset=StatusUpdate.objects.filter(audience=Audience.STAKEHOLDERS).order_by("-created_at", "-pk"),
        to_attr="plain_updates",
    )


def manual_link(location: str) -> str | None:
    """The owner's manual location as a link when it is a web address; other locations are shown as text."""
    return location if location.startswith(("https://", "http://")) else None


# --- List and declare ----------------------------------------------------------------------------------------------


@login_required
@require_GET
def incident_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see incidents.")
    form = IncidentFilterForm(request.GET)
    found = _incidents().prefetch_related("services")
    query: dict[str, str] = {}
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        if data["status"] == "open":
            found = found.exclude(status=IncidentStatus.RESOLVED)
        elif data["status"]:
            found = found.filter(status=data["status"])
        if data["status"]:
            query["status"] = data["status"]
        if data["severity"] is not None:
            found = found.filter(severity=data["severity"])
            query["severity"] = str(data["severity"])
        if data["service"] is not None:
            found = found.filter(services=data["service"])
            query["service"] = data["service"].slug
    else:
        found = found.none()
        status = 400
    resolved_last = Case(
        When(status=IncidentStatus.RESOLVED, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    found = found.annotate(resolved_last=resolved_last).order_by("resolved_last", "-declared_at", "-number")
    context = {
        "form": form,
        "page": Paginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": urlencode(query),
        "can_declare": permissions.can_work_incident(request.user, None),
    }
    return render_htmx(request, "incidents/incident_list.html", context, "results", status)


@login_required
@require_http_methods(["GET", "POST"])
def incident_declare(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_work_incident(request.user, None), NOT_RESPONDER)
    form = DeclareForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.declare_incident(
                actor=Actor.of_request(request),
                title=data["title"],
                severity=data["severity"],
                services=list(data["services"]),
                product_area=data["product_area"],
                summary=data["summary"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{incident.key} is declared.")
            return redirect_after_form(request, reverse("incidents_detail", kwargs={"number": incident.number}))
    return render_htmx(request, "incidents/incident_declare.html", {"form": form}, "form", 400 if form.errors else 200)


# --- An incident's page --------------------------------------------------------------------------------------------


def _detail_context(request: AuthenticatedHttpRequest, incident: Incident, **bound: forms.Form) -> dict[str, Any]:
    user = request.user
    can_work = permissions.can_work_incident(user, incident)
    updates = list(incident.updates.select_related("created_by").order_by("-created_at", "-pk"))
    plain = [update for update in updates if update.audience == Audience.STAKEHOLDERS]
    timeline = incident.timeline.select_related("actor").order_by("at", "pk")
    if not can_work:
        # Stakeholders follow the story (how the status moved), not the responders' notes and technical chatter.
        timeline = timeline.filter(kind=TimelineKind.STATUS)
    follows = services.follows_through(user, incident)
    services_list = [
        {
            "service": service,
            "manual_url": manual_link(service.manual_location),
            # Broken at each slash so a long address wraps on a phone instead of widening the page.
            "manual_parts": service.manual_location.split("/"),
        }
        for service in incident.services.all()
    ]
    context: dict[str, Any] = {
        "incident": incident,
        "can_work": can_work,
        "plain_updates": plain,
        "technical_updates": [update for update in updates if update.audience == Audience.TECHNICAL]
        if can_work
        else [],
        "latest_plain": plain[0] if plain else None,
        "timeline": list(timeline[:TIMELINE_MAX]),
        "services": services_list,
        "follows": follows,
        "follows_personally": any(
            sub.scope == SubscriptionScope.INCIDENT and sub.user_id == user.pk for sub in follows
        ),
        "follows_otherwise": [
            sub for sub in follows if not (sub.scope == SubscriptionScope.INCIDENT and sub.user_id == user.pk)
        ],
        "overdue": incident.is_open
        and incident.next_update_due_at is not None
        and incident.next_update_due_at < timezone.now(),
    }
    if can_work:
        context.update(
            status_form=StatusForm(initial={"status": incident.status}),
            severity_form=SeverityForm(initial={"severity": incident.severity}),
            roles_form=RolesForm(
                initial={
                    "commander": incident.commander_id,
                    "communications": incident.communications_id,
                    "scribe": incident.scribe_id,
                }
            ),
            note_form=NoteForm(),
            plain_form=StakeholderUpdateForm(),
            technical_form=TechnicalUpdateForm(),
        )
        context.update(bound)
    return context


@login_required
@require_GET
def incident_detail(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see incidents.")
    incident = _incident(number)
    return render(request, "incidents/incident_detail.html", _detail_context(request, incident))


def _done(request: AuthenticatedHttpRequest, incident: Incident, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect_after_form(request, reverse("incidents_detail", kwargs={"number": incident.number}))


def _again(request: AuthenticatedHttpRequest, incident: Incident, **bound: forms.Form) -> HttpResponse:
    return render(request, "incidents/incident_detail.html", _detail_context(request, incident, **bound), status=400)


def _working(request: AuthenticatedHttpRequest, number: int) -> Incident:
    incident = _incident(number)
    require(permissions.can_work_incident(request.user, incident), NOT_RESPONDER)
    return incident


def _act(
    request: AuthenticatedHttpRequest,
    incident: Incident,
    form: forms.Form,
    key: str,
    change: Callable[[dict[str, Any]], object],
    done: Callable[[], str],
) -> HttpResponse:
    """One of the incident page's forms: when valid, make the change through the service and go back to the page
    with `done()` said; otherwise show the page again with the form's errors next to its fields (400)."""
    if saved(form, change) is not None:
        return _done(request, incident, done())
    return _again(request, incident, **{key: form})


@login_required
@require_POST
def incident_status(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    incident = _working(request, number)
    actor = Actor.of_request(request)
    return _act(
        request,
        incident,
        StatusForm(request.POST),
        "status_form",
        lambda data: services.change_status(actor=actor, incident=incident, status=data["status"], note=data["note"]),
        lambda: f"Status: {incident.status_label}.",
    )


@login_required
@require_POST
def incident_severity(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    incident = _working(request, number)
    actor = Actor.of_request(request)
    return _act(
        request,
        incident,
        SeverityForm(request.POST),
        "severity_form",
        lambda data: services.change_severity(
            actor=actor, incident=incident, severity=data["severity"], note=data["note"]
        ),
        lambda: f"Severity: {incident.severity_name}.",
    )


@login_required
@require_POST
def incident_roles(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    incident = _working(request, number)
    actor = Actor.of_request(request)
    return _act(
        request,
        incident,
        RolesForm(request.POST),
        "roles_form",
        lambda data: services.assign_roles(actor=actor, incident=incident, **data),
        lambda: "Roles saved.",
    )


@login_required
@require_POST
def incident_note(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    incident = _working(request, number)
    actor = Actor.of_request(request)
    return _act(
        request,
        incident,
        NoteForm(request.POST),
        "note_form",
        lambda data: services.add_note(actor=actor, incident=incident, text=data["text"]),
        lambda: "Note added to the timeline.",
    )


@login_required
@require_POST
def incident_update(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    incident = _working(request, number)
    actor = Actor.of_request(request)
    audience = request.POST.get("audience", "")
    form: forms.Form
    if audience == Audience.TECHNICAL:
        form, key = TechnicalUpdateForm(request.POST), "technical_form"
    else:
        form, key = StakeholderUpdateForm(request.POST), "plain_form"
        if audience != Audience.STAKEHOLDERS:
            form.add_error(None, "Choose whether the update is technical or for everyone.")
    told = "Update posted; subscribers are told." if audience == Audience.STAKEHOLDERS else "Update posted."
    return _act(
        request,
        incident,
        form,
        key,
        lambda data: services.post_update(actor=actor, incident=incident, audience=audience, **data),
        lambda: told,
    )


@login_required
@require_POST
def incident_follow(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot follow incidents.")
    incident = _incident(number)
    services.subscribe(
        actor=Actor.of_request(request), scope=SubscriptionScope.INCIDENT, user=request.user, incident=incident
    )
    return _done(request, incident, f"You will hear about {incident.key} until it is fixed.")


@login_required
@require_POST
def incident_unfollow(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot follow incidents.")
    incident = _incident(number)
    services.unsubscribe_user(actor=Actor.of_request(request), incident=incident)
    return _done(request, incident, f"You no longer follow {incident.key} personally.")


# --- Subscriptions -------------------------------------------------------------------------------------------------


def _own_teams(request: AuthenticatedHttpRequest) -> list[Team]:
    return list(Team.objects.filter(memberships__user=request.user, archived_at=None).order_by("name").distinct())


@login_required
@require_http_methods(["GET", "POST"])
def subscriptions(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot follow incidents.")
    teams = _own_teams(request)
    manageable = [team for team in teams if permissions.can_edit_team(request.user, team)]
    form = SubscriptionForm(posted(request), teams=manageable)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        team = form.team()
        try:
            services.subscribe(
                actor=Actor.of_request(request),
                scope=data["scope"],
                user=None if team else request.user,
                team=team,
                service=data["service"] if data["scope"] == SubscriptionScope.SERVICE else None,
                max_severity=data["max_severity"] if data["scope"] == SubscriptionScope.SEVERITY else None,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Subscribed.")
            return redirect_after_form(request, reverse("incidents_subscriptions"))
    team_ids = [team.pk for team in teams]
    found = (
        Subscription.objects.filter(Q(user=request.user) | Q(team_id__in=team_ids))
        .select_related("team", "user", "service", "incident")
        .order_by("team__name", "scope", "pk")
    )
    manageable_ids = {team.pk for team in manageable}
    rows = [{"subscription": sub, "can_remove": sub.team_id is None or sub.team_id in manageable_ids} for sub in found]
    context = {"form": form, "rows": rows, "teams": teams}
    return render_htmx(request, "incidents/subscription_list.html", context, "form", 400 if form.errors else 200)


@login_required
@require_POST
def subscription_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(Subscription.objects.select_related("team", "user"), pk=pk)
    # The same subscriptions as the page lists: one's own and one's teams'; others' do not exist here.
    if not (
        subscription.user_id == request.user.pk or subscription.team_id in permissions.current_team_ids(request.user)
    ):
        raise Http404
    require(
        services.may_manage_subscription_of(request.user, person=subscription.user, team=subscription.team),
        "Only the team's operators and administrators change a team's subscriptions.",
    )
    services.unsubscribe(actor=Actor.of_request(request), subscription=subscription)
    messages.success(request, "Unsubscribed.")
    return redirect_after_form(request, reverse("incidents_subscriptions"))


# --- Status page ---------------------------------------------------------------------------------------------------


@login_required
@require_GET
def status_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What sales and support check before they call: open problems in plain words, or all systems normal."""
    require(permissions.can_view(request.user), "You cannot see the status page.")
    now = timezone.now()
    current = list(
        Incident.objects.exclude(status=IncidentStatus.RESOLVED)
        .prefetch_related("services", _stakeholder_updates())
        .order_by("severity", "-declared_at", "-number")
    )
    recent = list(
        Incident.objects.filter(status=IncidentStatus.RESOLVED, resolved_at__gte=now - timedelta(days=RECENT_DAYS))
        .prefetch_related("services", _stakeholder_updates())
        .order_by("-resolved_at", "-number")[:RECENT_MAX]
    )
    context = {
        "current": [_plain(incident) for incident in current],
        "recent": [_plain(incident) for incident in recent],
        "checked_at": now,
        "recent_days": RECENT_DAYS,
    }
    return render_htmx(request, "incidents/status_page.html", context, "board")


def _plain(incident: Incident) -> dict[str, Any]:
    latest = incident.plain_updates[0] if getattr(incident, "plain_updates", None) else None  # type: ignore[attr-defined]
    return {"incident": incident, "latest": latest}


# --- Figures -------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def metrics_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see incident figures.")
    form = MetricsForm(request.GET)
    status = 200
    days = 30
    if form.is_valid():
        days = form.cleaned_data["days"] or 30
    else:
        status = 400
    until = timezone.now()
    since = until - timedelta(days=days)
    incidents, signals = services.metrics_facts(since=since, until=until)
    context = {
        "form": form,
        "days": days,
        "overall_rows": [_figure_row("All incidents", metrics.figures(incidents, signals))],
        "per_service": [_figure_row(name, found) for name, found in metrics.by_service(incidents, signals).items()],
        "per_team": [_figure_row(name, found) for name, found in metrics.by_team(incidents, signals).items()],
    }
    return render_htmx(request, "incidents/metrics.html", context, "figures", status)


def _figure_row(name: str, found: metrics.Figures) -> dict[str, Any]:
    words = metrics.duration_words
    rate = found.false_alarm_rate
    return {
        "name": name,
        "figures": found,
        "times": [
            (label, words(value.median_seconds), words(value.mean_seconds), value.count)
            for label, value in (
                ("acknowledge", found.acknowledge),
                ("declare", found.declare),
                ("mitigate", found.mitigate),
                ("resolve", found.resolve),
            )
        ],
        "reports_per_incident": "—" if found.reports_per_incident is None else f"{found.reports_per_incident:.1f}",
        "false_alarms": "—" if rate is None else f"{rate:.0%} ({found.declined_signals} of {found.triaged_signals})",
    }
