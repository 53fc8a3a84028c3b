"""The SPOF finder's API: findings with their accepted status, accepting a risk, and what if X fails.

Mounted under /api/v1/catalog/ by the catalog's router. Thin: the work is in catalog.findings.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, StringConstraints

from steadyops.api.errors import ApiError, field_error
from steadyops.api.schemas import NO_NUL, InputSchema, Slug
from steadyops.catalog import findings
from steadyops.catalog.models import TEXT_MAX, AcceptedRisk, Environment, FindingKind
from steadyops.core.actor import Actor

router = Router(tags=["catalog"])

ComponentKey = Annotated[
    str,
    StringConstraints(min_length=1, max_length=70, pattern=r"^(service|resource):[-a-zA-Z0-9_]+$"),
    Field(description='"service:slug" or "resource:slug".'),
]


class ComponentOut(Schema):
    key: str
    type: str
    slug: str
    name: str
    owner: str = Field(description="The owning team's name.")


class AcceptanceOut(Schema):
    id: int
    environment: str
    component: str
    kind: FindingKind
    dependent: str
    reason: str
    accepted_by: str | None
    accepted_at: datetime
    expires_on: date

    @staticmethod
    def resolve_environment(risk: AcceptedRisk) -> str:
        return risk.environment.slug

    @staticmethod
    def resolve_component(risk: AcceptedRisk) -> str:
        return risk.component_key

    @staticmethod
    def resolve_dependent(risk: AcceptedRisk) -> str:
        return risk.dependent_key

    @staticmethod
    def resolve_accepted_by(risk: AcceptedRisk) -> str | None:
        return risk.accepted_by.username if risk.accepted_by else None


class FindingOut(Schema):
    component: ComponentOut
    kind: FindingKind
    kind_in_plain_words: str
    dependent: ComponentOut | None = Field(description="For no_fallback: the component that needs this one.")
    explanation: str
    blast_radius: list[ComponentOut] = Field(description="The user-facing services (user journeys) it cuts off.")
    mitigation: str
    accepted: bool
    acceptance: AcceptanceOut | None


class SpofsOut(Schema):
    environment: str | None
    open: int = Field(description="How many findings are not accepted.")
    findings: list[FindingOut]


class SpofFilters(Schema):
    environment: Slug | None = Field(None, description="Default: production.")
    team: Slug | None = Field(None, description="Only findings that concern this team's components.")


class AcceptIn(InputSchema):
    environment: Slug = "production"
    component: ComponentKey
    kind: FindingKind
    dependent: Annotated[str, StringConstraints(max_length=70, pattern=NO_NUL)] = Field(
        "", description="For no_fallback: the key of the component that needs this one."
    )
    reason: Annotated[str, StringConstraints(max_length=TEXT_MAX, pattern=NO_NUL)]
    expires_on: date = Field(description="In the future, at most a year from today.")


class WhatIfFilters(Schema):
    component: ComponentKey
    environment: Slug | None = Field(None, description="Default: production.")


class WhatIfOut(Schema):
    environment: str | None
    failed: ComponentOut
    broken: list[ComponentOut] = Field(description="Stop working: they need it, directly or through others.")
    degraded: list[ComponentOut] = Field(description="Keep working in a reduced way.")
    journeys_broken: list[ComponentOut] = Field(description="User-facing services customers can no longer use.")


def _component(component: findings.CatalogComponent) -> dict[str, str]:
    return {
        "key": component.key,
        "type": component.type,
        "slug": component.slug,
        "name": component.name,
        "owner": component.owner,
    }


def _environment(slug: str | None) -> Environment | None:
    try:
        return findings.environment_named(slug)
    except ValidationError as error:
        message = error.message_dict["environment"][0]
        raise ApiError(422, message, details=[field_error("environment", message, "query")]) from None


def _finding(reported: findings.ReportedFinding) -> dict[str, object]:
    return {
        "component": _component(reported.component),
        "kind": reported.kind,
        "kind_in_plain_words": reported.kind_label,
        "dependent": _component(reported.dependent) if reported.dependent else None,
        "explanation": reported.finding.explanation,
        "blast_radius": [_component(c) for c in reported.journeys],
        "mitigation": reported.finding.mitigation,
        "accepted": reported.acceptance is not None,
        "acceptance": reported.acceptance,
    }


@router.get("/spofs", response=SpofsOut, url_name="catalog_spofs")
def list_spofs(request: HttpRequest, filters: Query[SpofFilters]) -> dict[str, object]:
    """Every single point of failure in an environment, largest blast radius first, each with whether it is
    accepted as a known risk (and until when)."""
    environment = _environment(filters.environment)
    team = None
    if filters.team:
        from steadyops.accounts.models import Team

        team = Team.objects.filter(slug=filters.team).first()
        if team is None:
            message = f"There is no team {filters.team}."
            raise ApiError(422, message, details=[field_error("team", message, "query")])
    report = findings.spof_report(environment=environment, team=team)
    return {
        "environment": environment.slug if environment else None,
        "open": len(report.open),
        "findings": [_finding(f) for f in report.ranked],
    }


@router.post("/spofs/accept", response={201: AcceptanceOut}, url_name="catalog_spof_accept")
def accept_spof(request: HttpRequest, payload: AcceptIn) -> Status:
    """Accept a finding as a known risk until a day at most a year away: administrators, and operators in a
    team owning the component. Accepting it again replaces the acceptance."""
    environment = _environment(payload.environment)
    if environment is None:
        raise ApiError(422, "There is no environment yet.")
    risk = findings.accept_risk(
        actor=Actor.of_request(request),
        environment=environment,
        component_key=payload.component,
        kind=payload.kind,
        dependent_key=payload.dependent,
        reason=payload.reason,
        expires_on=payload.expires_on,
    )
    return Status(201, AcceptedRisk.objects.select_related("environment", "accepted_by").get(pk=risk.pk))


@router.get("/what-if", response=WhatIfOut, url_name="catalog_what_if")
def what_if(request: HttpRequest, filters: Query[WhatIfFilters]) -> dict[str, object]:
    """What stops working and what works less well when one service or resource fails."""
    environment = _environment(filters.environment)
    try:
        impact = findings.what_if(environment=environment, component_key=filters.component)
    except ValidationError as error:
        message = error.message_dict["component"][0]
        raise ApiError(422, message, details=[field_error("component", message, "query")]) from None
    return {
        "environment": environment.slug if environment else None,
        "failed": _component(impact.failed),
        "broken": [_component(c) for c in impact.broken],
        "degraded": [_component(c) for c in impact.degraded],
        "journeys_broken": [_component(c) for c in impact.broken_journeys],
    }
