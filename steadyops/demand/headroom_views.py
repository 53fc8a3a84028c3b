"""Headroom pages: the ranked findings, one service's demand picture, and "Ready for the event?" for everyone."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from steadyops.accounts.models import Team
from steadyops.catalog.models import Capacity, Service
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.core.htmx import AuthenticatedHttpRequest, render_htmx, require
from steadyops.demand import chart, headroom_services
from steadyops.demand.models import DemandEvent, EventStatus


class TeamFilterForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.filter(archived_at=None, is_operations=True),
        required=False,
        to_field_name="slug",
        empty_label="All teams",
        label="Team",
    )


@login_required
@require_GET
def headroom_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see headroom findings.")
    form = TeamFilterForm(request.GET)
    valid = form.is_valid()
    team = form.cleaned_data.get("team") if valid else None
    findings = headroom_services.ranked_findings(headroom_services.open_findings(team=team)) if valid else []
    context: dict[str, Any] = {
        "form": form,
        "findings": findings,
        "team": team,
        "may_recompute": permissions.can_manage_metrics(request.user),
        "today": timezone.localdate(),
    }
    return render_htmx(request, "demand/headroom_list.html", context, "results", status=200 if valid else 400)


@login_required
@require_POST
def headroom_recompute(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_manage_metrics(request.user), "Only operators and administrators can recompute headroom.")
    result = headroom_services.recompute_headroom(actor=Actor.of_request(request))
    messages.success(request, headroom_services.summary(result))
    for error in result.errors[:5]:
        messages.warning(request, error)
    return HttpResponseRedirect(reverse("demand_headroom"))


def _service_context(service: Service) -> dict[str, Any]:
    from steadyops.demand.series_services import main_series

    capacity = (
        Capacity.objects.filter(service=service, environment__slug=headroom_services.PRODUCTION)
        .select_related("environment")
        .first()
    )
    series = main_series(service)
    now = timezone.now()
    events = list(
        headroom_services.upcoming_events(now)
        .filter(Q(whole_site=True) | Q(services=service))
        .distinct()
        .order_by("starts_at", "pk")[:20]
    )
    return {"service": service, "capacity": capacity, "series": series, "events": events}


@login_required
@require_GET
def service_demand(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see this service's demand.")
    service = get_object_or_404(Service.objects.select_related("owner"), slug=slug)
    context = _service_context(service)
    _, lines = chart.service_chart(
        service, series=context["series"], capacity=context["capacity"], events=context["events"]
    )
    context.update(
        {
            "chart_lines": lines,
            "usable": chart.usable_capacity(context["capacity"]),
            "findings": headroom_services.service_findings(service=service),
            "may_recompute": permissions.can_manage_metrics(request.user),
            "may_edit_capacity": permissions.can_edit_service(request.user, service),
        }
    )
    return render(request, "demand/service_demand.html", context)


@login_required
@require_GET
def service_chart(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see this service's demand.")
    service = get_object_or_404(Service, slug=slug)
    context = _service_context(service)
    svg, _ = chart.service_chart(
        service, series=context["series"], capacity=context["capacity"], events=context["events"]
    )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    # The picture changes whenever traffic, capacity or an event does: ask again each time, never share it.
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_GET
def event_readiness(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see traffic events.")
    event = get_object_or_404(DemandEvent.objects.select_related("team", "created_by"), pk=pk)
    context = {
        "event": event,
        "report": headroom_services.readiness_for(event),
        "cancelled": event.status == EventStatus.CANCELLED,
        "may_recompute": permissions.can_manage_metrics(request.user),
    }
    return render(request, "demand/readiness.html", context)
