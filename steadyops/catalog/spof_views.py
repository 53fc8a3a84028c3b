"""The catalog's "plan for mistakes" pages: single points of failure, accepted risks, and what if X fails."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from steadyops.accounts.forms import apply_service_errors
from steadyops.catalog import findings
from steadyops.catalog.forms import AcceptRiskForm, SpofFilterForm, WhatIfForm
from steadyops.catalog.models import AcceptedRisk, Environment
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.core.htmx import AuthenticatedHttpRequest, require


def _list_url(environment: Environment | None) -> str:
    url = reverse("catalog_spof_list")
    return f"{url}?{urlencode({'environment': environment.slug})}" if environment else url


def _accept_form(reported: findings.ReportedFinding, environment: Environment) -> AcceptRiskForm:
    initial = {
        "environment": environment.slug,
        "component": reported.component.key,
        "kind": reported.kind,
        "dependent": reported.dependent_key,
    }
    return AcceptRiskForm(initial=initial, auto_id=f"{reported.anchor}-%s")


@login_required
@require_GET
def spof_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see the catalog.")
    form = SpofFilterForm(request.GET)
    report = findings.SpofReport(None)
    if form.is_valid():
        environment = form.cleaned_data["environment"] or findings.environment_named(None)
        report = findings.spof_report(environment=environment, team=form.cleaned_data["team"])
    own_teams = permissions.current_team_ids(request.user)

    def may_accept(reported: findings.ReportedFinding) -> bool:
        return permissions.can_accept_risk_of_teams(request.user, reported.component.team_ids, own_teams)

    environment = report.environment
    context: dict[str, Any] = {
        "form": form,
        "report": report,
        "open_rows": [
            (f, _accept_form(f, environment) if environment and may_accept(f) else None) for f in report.open
        ],
        "accepted_rows": [(f, may_accept(f)) for f in report.accepted],
        "environments": Environment.objects.count(),
    }
    name = "catalog/spof_list.html#results" if request.htmx else "catalog/spof_list.html"
    return render(request, name, context, status=200 if form.is_valid() else 400)


@login_required
@require_POST
def spof_accept(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.is_operator(request.user), "Only administrators and the owners can accept risks.")
    data = request.POST
    anchor = findings.anchor_for(data.get("component", ""), data.get("kind", ""), data.get("dependent", ""))
    form = AcceptRiskForm(data, auto_id=f"{anchor}-%s")
    environment = None
    if form.is_valid():
        values = form.cleaned_data
        try:
            environment = findings.environment_named(values["environment"])
            if environment is None:
                raise ValidationError("There is no environment yet.")
            findings.accept_risk(
                actor=Actor.of_request(request),
                environment=environment,
                component_key=values["component"],
                kind=values["kind"],
                dependent_key=values["dependent"],
                reason=values["reason"],
                expires_on=values["expires_on"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Accepted as a known risk until {values['expires_on']:%-d %b %Y}.")
            url = _list_url(environment)
            return HttpResponseClientRedirect(url) if request.htmx else HttpResponseRedirect(url)
    context = {"accept_form": form, "anchor": anchor, "back": _list_url(environment)}
    name = "catalog/spof_accept.html#accept_form" if request.htmx else "catalog/spof_accept.html"
    return render(request, name, context, status=400)


@login_required
@require_POST
def spof_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    risk = get_object_or_404(AcceptedRisk.objects.select_related("environment"), pk=pk)
    findings.withdraw_risk(actor=Actor.of_request(request), risk=risk)
    messages.success(request, "No longer accepted: the finding counts as a risk again.")
    url = _list_url(risk.environment)
    return HttpResponseClientRedirect(url) if request.htmx else HttpResponseRedirect(url)


@login_required
@require_GET
def what_if(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see the catalog.")
    environment = Environment.objects.filter(slug=request.GET.get("environment", "")).first()
    graph = findings.load_graph(environment or findings.environment_named(None))
    chosen = "component" in request.GET
    form = WhatIfForm(request.GET if chosen else None, components=graph.ordered())
    impact = None
    if chosen and form.is_valid():
        try:
            impact = findings.impact_in(graph, form.cleaned_data["component"])
        except ValidationError as error:
            apply_service_errors(form, error)
    context = {"form": form, "impact": impact, "environment": graph.environment}
    name = "catalog/what_if.html#impact" if request.htmx else "catalog/what_if.html"
    return render(request, name, context, status=400 if form.errors else 200)
