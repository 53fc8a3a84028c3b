"""The incident API: list, read and declare incidents; change status, severity and roles; notes, updates and the
timeline; one's subscriptions; the response figures. Mounted at /api/v1/incidents/.

Thin: every change goes through incidents.incident_services, which checks who may make it and audits it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, StringConstraints

from steadyops.accounts.models import Team, User
from steadyops.api.errors import ApiError, field_error
from steadyops.api.pagination import Page, PageParams, paginate
from steadyops.api.schemas import NO_NUL, InputSchema, Slug, Username
from steadyops.catalog.models import Service
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.incidents import incident_services as services
from steadyops.incidents import metrics
from steadyops.incidents.models.incidents import (
    PLAIN_MAX,
    PRODUCT_AREA_MAX,
    SUMMARY_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Incident,
    IncidentStatus,
    StatusUpdate,
    Subscription,
    TimelineEntry,
)

router = Router(tags=["incidents"])

MAX_NUMBER = 2**31 - 1
Title = Annotated[str, StringConstraints(min_length=1, max_length=TITLE_MAX, pattern=NO_NUL)]
Summary = Annotated[str, StringConstraints(max_length=SUMMARY_MAX, pattern=NO_NUL)]
Area = Annotated[str, StringConstraints(max_length=PRODUCT_AREA_MAX, pattern=NO_NUL)]
Text = Annotated[str, StringConstraints(max_length=TEXT_MAX, pattern=NO_NUL)]
Plain = Annotated[str, StringConstraints(max_length=PLAIN_MAX, pattern=NO_NUL)]
SeverityNumber = Annotated[int, Field(ge=1, le=4, description="1 (worst) to 4.")]
StatusName = Literal["investigating", "identified", "monitoring", "resolved"]


class IncidentOut(Schema):
    key: str = Field(description="INC-<number>.")
    number: int
    title: str
    summary: str
    severity: int
    severity_label: str = Field(description="The severity's definition in plain words.")
    status: str
    status_label: str
    services: list[str]
    product_area: str
    commander: str | None
    communications: str | None
    scribe: str | None
    created_by: str | None
    declared_at: datetime
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    next_update_due_at: datetime | None
    url: str

    @staticmethod
    def resolve_services(incident: Incident) -> list[str]:
        return sorted(service.slug for service in incident.services.all())

    @staticmethod
    def resolve_commander(incident: Incident) -> str | None:
        return incident.commander.username if incident.commander else None

    @staticmethod
    def resolve_communications(incident: Incident) -> str | None:
        return incident.communications.username if incident.communications else None

    @staticmethod
    def resolve_scribe(incident: Incident) -> str | None:
        return incident.scribe.username if incident.scribe else None

    @staticmethod
    def resolve_created_by(incident: Incident) -> str | None:
        return incident.created_by.username if incident.created_by else None

    @staticmethod
    def resolve_url(incident: Incident) -> str:
        return services.incident_url(incident)


class TimelineOut(Schema):
    id: int
    at: datetime
    kind: str
    text: str
    actor: str | None

    @staticmethod
    def resolve_actor(entry: TimelineEntry) -> str | None:
        return entry.actor.username if entry.actor else None


class UpdateOut(Schema):
    id: int
    audience: str
    text: str
    affected: str
    customers_see: str
    tell_customers: str
    next_update_by: datetime | None
    created_by: str | None
    created_at: datetime

    @staticmethod
    def resolve_created_by(update: StatusUpdate) -> str | None:
        return update.created_by.username if update.created_by else None


class SubscriptionOut(Schema):
    id: int
    team: str | None = Field(description="The team's slug for a team subscription; null for one's own.")
    scope: str
    service: str | None
    max_severity: int | None
    incident: str | None = Field(description="The incident's key, for scope incident.")
    description: str

    @staticmethod
    def resolve_team(sub: Subscription) -> str | None:
        return sub.team.slug if sub.team else None

    @staticmethod
    def resolve_service(sub: Subscription) -> str | None:
        return sub.service.slug if sub.service else None

    @staticmethod
    def resolve_incident(sub: Subscription) -> str | None:
        return sub.incident.key if sub.incident else None

    @staticmethod
    def resolve_description(sub: Subscription) -> str:
        return sub.describe()


class DeclareIn(InputSchema):
    title: Title
    severity: SeverityNumber
    services: list[Slug] = Field(default_factory=list, max_length=services.SERVICES_MAX)
    product_area: Area = ""
    summary: Summary = ""


class StatusIn(InputSchema):
    status: StatusName
    note: Text = Field("", description="Needed when going back or reopening.")


class SeverityIn(InputSchema):
    severity: SeverityNumber
    note: Text = ""


class RolesIn(InputSchema):
    commander: Username | None = None
    communications: Username | None = None
    scribe: Username | None = None


class NoteIn(InputSchema):
    text: Annotated[str, StringConstraints(min_length=1, max_length=TEXT_MAX, pattern=NO_NUL)]


class UpdateIn(InputSchema):
    audience: Literal["technical", "stakeholders"]
    text: Text = Field("", description="The technical update; optional extra words for stakeholders.")
    affected: Plain = Field("", description="For stakeholders: what is affected, in plain words.")
    customers_see: Plain = Field("", description="For stakeholders: what customers see.")
    tell_customers: Plain = Field("", description="For stakeholders: what to tell customers.")
    next_update_by: datetime | None = Field(None, description="For stakeholders: ISO 8601 with an offset.")


class SubscriptionIn(InputSchema):
    team: Slug | None = Field(None, description="Subscribe this team (its operators and administrators may).")
    scope: Literal["all", "service", "severity", "incident"]
    service: Slug | None = None
    max_severity: SeverityNumber | None = None
    incident: Annotated[int, Field(ge=1, le=MAX_NUMBER)] | None = Field(None, description="The incident's number.")


class IncidentFilters(Schema):
    status: Literal["open", "investigating", "identified", "monitoring", "resolved"] | None = None
    severity: SeverityNumber | None = None
    service: Slug | None = None


class DurationsOut(Schema):
    count: int
    median_seconds: float | None
    mean_seconds: float | None


class FiguresOut(Schema):
    name: str
    incidents: int
    acknowledge: DurationsOut
    declare: DurationsOut
    mitigate: DurationsOut
    resolve: DurationsOut
    reports: int
    reports_per_incident: float | None
    triaged_signals: int
    declined_signals: int
    false_alarm_rate: float | None


class MetricsOut(Schema):
    since: datetime
    until: datetime
    overall: FiguresOut
    services: list[FiguresOut]
    teams: list[FiguresOut]


class MetricsQuery(Schema):
    days: int = Field(30, ge=1, le=366, description="The period: this many days up to now.")


def _incidents() -> QuerySet[Incident]:
    return Incident.objects.select_related("commander", "communications", "scribe", "created_by").prefetch_related(
        "services"
    )


def _incident(number: int) -> Incident:
    if not 1 <= number <= MAX_NUMBER:
        raise ApiError(404)
    return get_object_or_404(_incidents(), number=number)


def _unknown(field: str, message: str) -> ApiError:
    return ApiError(422, f"{field}: {message}", details=[field_error(field, message, "body")])


def _services(slugs: list[str]) -> list[Service]:
    found = {service.slug: service for service in Service.objects.filter(slug__in=slugs)}
    unknown = [slug for slug in dict.fromkeys(slugs) if slug not in found]
    if unknown:
        raise _unknown("services", f"There is no service {', '.join(unknown)}.")
    return [found[slug] for slug in dict.fromkeys(slugs)]


def _person(field: str, username: str | None) -> User | None:
    if username is None:
        return None
    person = User.objects.filter(username=username).first()
    if person is None:
        raise _unknown(field, f"There is nobody called {username}.")
    return person


def _may_work(request: HttpRequest, incident: Incident | None) -> None:
    if not permissions.can_work_incident(request.user, incident):
        raise ApiError(403, "Only operators and administrators can work on incidents.")


@router.get("/incidents", response=Page[IncidentOut], url_name="incidents_incidents")
def list_incidents(request: HttpRequest, filters: Query[IncidentFilters], paging: Query[PageParams]) -> dict[str, Any]:
    """Incidents, newest first. status=open leaves out resolved ones."""
    found = _incidents()
    if filters.status == "open":
        found = found.exclude(status=IncidentStatus.RESOLVED)
    elif filters.status:
        found = found.filter(status=filters.status)
    if filters.severity is not None:
        found = found.filter(severity=filters.severity)
    if filters.service:
        found = found.filter(services__slug=filters.service)
    return paginate(found.order_by("-declared_at", "-number"), paging)


@router.post("/incidents", response={201: IncidentOut}, url_name="incidents_incidents")
def declare(request: HttpRequest, payload: DeclareIn) -> Status:
    """Declare an incident (operators). SEV1 and SEV2 page on-call."""
    _may_work(request, None)
    incident = services.declare_incident(
        actor=Actor.of_request(request),
        title=payload.title,
        severity=payload.severity,
        services=_services(payload.services),
        product_area=payload.product_area,
        summary=payload.summary,
    )
    return Status(201, _incident(incident.number))


@router.get("/incidents/{number}", response=IncidentOut, url_name="incidents_incident")
def get_incident(request: HttpRequest, number: int) -> Incident:
    """One incident, by its number (INC-12 is 12)."""
    return _incident(number)


@router.post("/incidents/{number}/status", response=IncidentOut, url_name="incidents_incident_status")
def change_status(request: HttpRequest, number: int, payload: StatusIn) -> Incident:
    """Move the incident on; going back or reopening needs a note."""
    incident = _incident(number)
    _may_work(request, incident)
    services.change_status(actor=Actor.of_request(request), incident=incident, status=payload.status, note=payload.note)
    return _incident(number)


@router.post("/incidents/{number}/severity", response=IncidentOut, url_name="incidents_incident_severity")
def change_severity(request: HttpRequest, number: int, payload: SeverityIn) -> Incident:
    """Change the severity; raising it to SEV1 or SEV2 pages on-call if nobody is paged yet."""
    incident = _incident(number)
    _may_work(request, incident)
    services.change_severity(
        actor=Actor.of_request(request), incident=incident, severity=payload.severity, note=payload.note
    )
    return _incident(number)


@router.post("/incidents/{number}/roles", response=IncidentOut, url_name="incidents_incident_roles")
def assign_roles(request: HttpRequest, number: int, payload: RolesIn) -> Incident:
    """Set the roles by user name; a role left out keeps its holder, null empties it."""
    incident = _incident(number)
    _may_work(request, incident)
    sent = payload.model_fields_set
    chosen: dict[str, User | None] = {}
    for role in services.ROLES:
        if role in sent:
            chosen[role] = _person(role, getattr(payload, role))
        else:
            chosen[role] = getattr(incident, role)
    services.assign_roles(actor=Actor.of_request(request), incident=incident, **chosen)
    return _incident(number)


@router.get("/incidents/{number}/timeline", response=Page[TimelineOut], url_name="incidents_incident_timeline")
def timeline(request: HttpRequest, number: int, paging: Query[PageParams]) -> dict[str, Any]:
    """The timeline, oldest first. Only the status changes for those who do not work on incidents."""
    incident = _incident(number)
    entries = incident.timeline.select_related("actor").order_by("at", "pk")
    if not permissions.can_work_incident(request.user, incident):
        entries = entries.filter(kind="status")
    return paginate(entries, paging)


@router.post("/incidents/{number}/notes", response={201: TimelineOut}, url_name="incidents_incident_notes")
def add_note(request: HttpRequest, number: int, payload: NoteIn) -> Status:
    """Write a note in the timeline."""
    incident = _incident(number)
    _may_work(request, incident)
    return Status(201, services.add_note(actor=Actor.of_request(request), incident=incident, text=payload.text))


@router.get("/incidents/{number}/updates", response=Page[UpdateOut], url_name="incidents_incident_updates")
def list_updates(request: HttpRequest, number: int, paging: Query[PageParams]) -> dict[str, Any]:
    """Updates, newest first. Technical ones only for those who work on incidents."""
    incident = _incident(number)
    found = incident.updates.select_related("created_by").order_by("-created_at", "-pk")
    if not permissions.can_work_incident(request.user, incident):
        found = found.filter(audience="stakeholders")
    return paginate(found, paging)


@router.post("/incidents/{number}/updates", response={201: UpdateOut}, url_name="incidents_incident_updates")
def post_update(request: HttpRequest, number: int, payload: UpdateIn) -> Status:
    """Post an update. For stakeholders, affected, customers_see, tell_customers and next_update_by are required;
    subscribers are told."""
    incident = _incident(number)
    _may_work(request, incident)
    update = services.post_update(actor=Actor.of_request(request), incident=incident, **payload.model_dump())
    return Status(201, update)


def _subscriptions_of(request: HttpRequest) -> QuerySet[Subscription]:
    team_ids = permissions.current_team_ids(request.user)
    from django.db.models import Q

    return Subscription.objects.filter(Q(user_id=request.user.pk) | Q(team_id__in=team_ids)).select_related(
        "team", "service", "incident"
    )


@router.get("/subscriptions", response=Page[SubscriptionOut], url_name="incidents_subscriptions")
def list_subscriptions(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """One's own subscriptions and those of one's teams."""
    return paginate(_subscriptions_of(request).order_by("pk"), paging)


@router.post("/subscriptions", response={201: SubscriptionOut}, url_name="incidents_subscriptions")
def subscribe(request: HttpRequest, payload: SubscriptionIn) -> Status:
    """Follow incidents: every one, a service's, a severity and worse, or one. Subscribing twice changes nothing."""
    team: Team | None = None
    if payload.team is not None:
        team = Team.objects.filter(slug=payload.team).first()
        if team is None:
            raise _unknown("team", f"There is no team {payload.team}.")
    service: Service | None = None
    if payload.service is not None:
        service = Service.objects.filter(slug=payload.service).first()
        if service is None:
            raise _unknown("service", f"There is no service {payload.service}.")
    incident: Incident | None = None
    if payload.incident is not None:
        incident = Incident.objects.filter(number=payload.incident).first()
        if incident is None:
            raise _unknown("incident", f"There is no incident INC-{payload.incident}.")
    created = services.subscribe(
        actor=Actor.of_request(request),
        scope=payload.scope,
        user=None if team else request.user,  # type: ignore[arg-type]
        team=team,
        service=service,
        max_severity=payload.max_severity,
        incident=incident,
    )
    return Status(201, _subscriptions_of(request).get(pk=created.pk))


@router.delete("/subscriptions/{subscription_id}", response={204: None}, url_name="incidents_subscription")
def unsubscribe(request: HttpRequest, subscription_id: int) -> Status:
    """Stop a subscription of one's own, or of a team one runs."""
    if not 1 <= subscription_id <= 2**63 - 1:
        raise ApiError(404)
    subscription = get_object_or_404(_subscriptions_of(request), pk=subscription_id)
    services.unsubscribe(actor=Actor.of_request(request), subscription=subscription)
    return Status(204, None)


def _figures_out(name: str, found: metrics.Figures) -> dict[str, Any]:
    return {"name": name, **{key: getattr(found, key) for key in FiguresOut.model_fields if key != "name"}}


@router.get("/metrics", response=MetricsOut, url_name="incidents_metrics")
def incident_metrics(request: HttpRequest, period: Query[MetricsQuery]) -> dict[str, Any]:
    """Times to acknowledge, declare, mitigate and resolve (from the first report or alert), reports per incident
    and the false-alarm rate, overall, per service and per team."""
    until = timezone.now()
    since = until - timedelta(days=period.days)
    incidents, signals = services.metrics_facts(since=since, until=until)
    return {
        "since": since,
        "until": until,
        "overall": _figures_out("all", metrics.figures(incidents, signals)),
        "services": [_figures_out(name, found) for name, found in metrics.by_service(incidents, signals).items()],
        "teams": [_figures_out(name, found) for name, found in metrics.by_team(incidents, signals).items()],
    }
