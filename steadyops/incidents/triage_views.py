"""The triage queue: operators look at what came in and accept, merge or decline it; press statistics per team."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from steadyops.accounts.forms import apply_service_errors
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.core.htmx import AuthenticatedHttpRequest, redirect_after_form, render_htmx, require
from steadyops.incidents import triage_services
from steadyops.incidents.models import Alert, Incident, IncidentStatus, Report, Signal, SignalStatus
from steadyops.incidents.panic_forms import AcceptForm, DeclineForm, MergeForm, PeriodForm

PAGE_SIZE = 20
REPORTS_IN_QUEUE = 5
ALERTS_IN_QUEUE = 5
ITEMS_ON_SIGNAL_PAGE = 100
OPEN_INCIDENTS_OFFERED = 50
NOT_TRIAGER = "Only operators decide what becomes an incident."


def _reports() -> QuerySet[Report]:
    return Report.objects.select_related("reporter", "team", "service").order_by("-created_at", "-pk")


def _alerts() -> QuerySet[Alert]:
    return Alert.objects.select_related("service").order_by("-received_at", "-pk")


def _open_signals() -> QuerySet[Signal]:
    # Critical and paged first: those are the ones somebody is already being woken for.
    return (
        Signal.objects.filter(status__in=(SignalStatus.OPEN, SignalStatus.PAGED))
        .select_related("service")
        .order_by("-critical", "-paged_at", "-last_seen_at", "-pk")
    )


@login_required
@require_GET
def triage_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_triage_signals(request.user), NOT_TRIAGER)
    signals = _open_signals().prefetch_related(
        Prefetch("reports", queryset=_reports()[:REPORTS_IN_QUEUE], to_attr="recent_reports"),
        Prefetch("alerts", queryset=_alerts()[:ALERTS_IN_QUEUE], to_attr="recent_alerts"),
    )
    page = Paginator(signals, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_htmx(request, "incidents/triage_list.html", {"page": page}, "queue")


def _open_incidents() -> list[Incident]:
    return list(
        Incident.objects.exclude(status=IncidentStatus.RESOLVED).order_by("-declared_at", "-number")[
            :OPEN_INCIDENTS_OFFERED
        ]
    )


def _signal_page(
    request: AuthenticatedHttpRequest,
    signal: Signal,
    *,
    accept_form: AcceptForm | None = None,
    merge_form: MergeForm | None = None,
    decline_form: DeclineForm | None = None,
    conflict: str = "",
    status: int = 200,
) -> HttpResponse:
    if accept_form is None:
        services = [signal.service.slug] if signal.service else []
        accept_form = AcceptForm(initial={"title": signal.title, "severity": 3, "services": services})
    incidents = _open_incidents()
    context: dict[str, Any] = {
        "signal": signal,
        "reports": list(_reports().filter(signal=signal)[:ITEMS_ON_SIGNAL_PAGE]),
        "alerts": list(_alerts().filter(signal=signal)[:ITEMS_ON_SIGNAL_PAGE]),
        "accept_form": accept_form,
        "merge_form": merge_form or MergeForm(incidents=incidents),
        "decline_form": decline_form or DeclineForm(),
        "open_incidents": incidents,
        "conflict": conflict,
        "decided": not signal.is_open,
        "cost": triage_services.press_cost(signal) if signal.status == SignalStatus.DECLINED else None,
    }
    return render(request, "incidents/triage_signal.html", context, status=status)


def _signal(pk: int) -> Signal:
    return get_object_or_404(Signal.objects.select_related("service", "incident", "declined_by"), pk=pk)


@login_required
@require_GET
def triage_signal(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_triage_signals(request.user), NOT_TRIAGER)
    return _signal_page(request, _signal(pk))


def _conflict(request: AuthenticatedHttpRequest, error: triage_services.AlreadyTriaged) -> HttpResponse:
    return _signal_page(request, _signal(error.signal.pk), conflict=str(error), status=409)


@login_required
@require_POST
def triage_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_triage_signals(request.user), NOT_TRIAGER)
    signal = _signal(pk)
    form = AcceptForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            incident = triage_services.accept(
                actor=Actor.of_request(request),
                signal=signal,
                title=data["title"],
                severity=data["severity"],
                services=list(data["services"]),
            )
        except triage_services.AlreadyTriaged as error:
            return _conflict(request, error)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{incident.key} is open. The people who reported it will get its updates.")
            return redirect_after_form(request, reverse("incidents_detail", kwargs={"number": incident.number}))
    return _signal_page(request, signal, accept_form=form, status=400)


@login_required
@require_POST
def triage_merge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_triage_signals(request.user), NOT_TRIAGER)
    signal = _signal(pk)
    form = MergeForm(request.POST, incidents=_open_incidents())
    if form.is_valid():
        incident = Incident.objects.filter(pk=form.cleaned_data["incident"]).first()
        if incident is None:
            form.add_error("incident", "There is no such incident.")
        else:
            try:
                triage_services.merge(actor=Actor.of_request(request), signal=signal, incident=incident)
            except triage_services.AlreadyTriaged as error:
                return _conflict(request, error)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, f"Added to {incident.key}. Its reporters now get that incident's updates.")
                return redirect_after_form(request, reverse("incidents_detail", kwargs={"number": incident.number}))
    return _signal_page(request, signal, merge_form=form, status=400)


@login_required
@require_POST
def triage_decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_triage_signals(request.user), NOT_TRIAGER)
    signal = _signal(pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            triage_services.decline(
                actor=Actor.of_request(request),
                signal=signal,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except triage_services.AlreadyTriaged as error:
            return _conflict(request, error)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Declined. The people who reported it get a kind note saying why.")
            return redirect_after_form(request, reverse("incidents_triage"))
    return _signal_page(request, signal, decline_form=form, status=400)


@login_required
@require_GET
def presses(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see press statistics.")
    form = PeriodForm(request.GET)
    status = 200
    days = 30
    if form.is_valid():
        days = form.cleaned_data["days"] or 30
    else:
        status = 400
    since = timezone.now() - timedelta(days=days)
    rows = triage_services.press_statistics(since=since)
    totals = {
        "presses": sum(row.presses for row in rows),
        "helpful": sum(row.helpful for row in rows),
        "not_helpful": sum(row.not_helpful for row in rows),
        "pending": sum(row.pending for row in rows),
    }
    context = {"form": form, "rows": rows, "totals": totals, "days": days, "since": since}
    return render_htmx(request, "incidents/presses.html", context, "table", status)
