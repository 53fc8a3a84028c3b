"""The traffic-event API: list, read, register, change, cancel, triage and comment. Mounted at /api/v1/demand/.

Thin: every change goes through demand.event_services, which checks who may make it and audits it. Times without
an offset are read in the event's time zone.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, StringConstraints

from steadyops.accounts.models import Team
from steadyops.api.errors import ApiError, field_error
from steadyops.api.pagination import Page, PageParams, paginate
from steadyops.api.schemas import NO_NUL, InputSchema, Slug
from steadyops.catalog.models import Service
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.demand import event_services as services
from steadyops.demand.models.events import (
    COMMENT_MAX,
    CONTACT_MAX,
    DESCRIPTION_MAX,
    TITLE_MAX,
    DemandEvent,
    EventComment,
    EventStatus,
)

router = Router(tags=["demand events"])

MAX_ID = 2**63 - 1
Title = Annotated[str, StringConstraints(min_length=1, max_length=TITLE_MAX, pattern=NO_NUL)]
Description = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX, pattern=NO_NUL)]
Contact = Annotated[str, StringConstraints(max_length=CONTACT_MAX, pattern=NO_NUL)]
CommentText = Annotated[str, StringConstraints(min_length=1, max_length=COMMENT_MAX, pattern=NO_NUL)]
ZoneName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_NUL)]
SizeKindName = Literal["multiplier", "peak", "unknown"]
RoughSizeName = Literal["small", "medium", "huge"]
ConfidenceName = Literal["low", "medium", "high"]
Multiplier = Annotated[Decimal, Field(max_digits=12, decimal_places=6, description="Times a normal day, 0 < x ≤ 1000.")]
Hours = Annotated[int, Field(ge=0, le=services.RAMP_HOURS_MAX)]


class EventOut(Schema):
    id: int
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    size_kind: str
    multiplier: float | None
    expected_peak: float | None
    rough_size: str | None
    uplift: float | None = Field(description="Times a normal day the forecast uses; null for an expected peak.")
    whole_site: bool
    services: list[str]
    confidence: str
    contact: str
    team: str | None
    created_by: str | None
    status: str
    status_label: str
    ramp_up_hours: int
    ramp_down_hours: int
    realised_uplift: float | None
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None

    @staticmethod
    def resolve_multiplier(event: DemandEvent) -> float | None:
        return None if event.multiplier is None else float(event.multiplier)

    @staticmethod
    def resolve_uplift(event: DemandEvent) -> float | None:
        return event.uplift()

    @staticmethod
    def resolve_services(event: DemandEvent) -> list[str]:
        return sorted(service.slug for service in event.services.all())

    @staticmethod
    def resolve_team(event: DemandEvent) -> str | None:
        return event.team.slug if event.team else None

    @staticmethod
    def resolve_created_by(event: DemandEvent) -> str | None:
        return event.created_by.username if event.created_by else None

    @staticmethod
    def resolve_status_label(event: DemandEvent) -> str:
        return EventStatus(event.status).label


class EventIn(InputSchema):
    title: Title
    description: Description = ""
    starts_at: datetime = Field(description="ISO 8601; without an offset it is read in `timezone`.")
    ends_at: datetime
    timezone: ZoneName = Field(description="IANA name, such as Europe/Paris.")
    size_kind: SizeKindName
    multiplier: Multiplier | None = None
    expected_peak: float | None = None
    rough_size: RoughSizeName | None = None
    whole_site: bool = False
    services: list[Slug] = Field(default_factory=list, max_length=services.SERVICES_MAX)
    confidence: ConfidenceName = "medium"
    contact: Contact = ""
    team: Slug | None = None
    ramp_up_hours: Hours = 0
    ramp_down_hours: Hours = 0
    confirm: bool = Field(False, description="Needed for a multiplier of 100 or more.")


class EventPatch(InputSchema):
    title: Title | None = None
    description: Description | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    timezone: ZoneName | None = None
    size_kind: SizeKindName | None = None
    multiplier: Multiplier | None = None
    expected_peak: float | None = None
    rough_size: RoughSizeName | None = None
    whole_site: bool | None = None
    services: list[Slug] | None = Field(None, max_length=services.SERVICES_MAX)
    confidence: ConfidenceName | None = None
    contact: Contact | None = None
    team: Slug | None = None
    ramp_up_hours: Hours | None = None
    ramp_down_hours: Hours | None = None
    confirm: bool = False


class TriageIn(InputSchema):
    status: Literal["acknowledged", "plan_needed", "ready"]


class CommentIn(InputSchema):
    text: CommentText


class CommentOut(Schema):
    id: int
    author: str | None
    text: str
    created_at: datetime

    @staticmethod
    def resolve_author(note: EventComment) -> str | None:
        return note.author.username if note.author else None


class EventFilters(Schema):
    status: Literal["new", "acknowledged", "plan_needed", "ready", "cancelled"] | None = None
    team: Slug | None = None
    service: Slug | None = None
    mine: bool = False
    upcoming: bool = Field(False, description="Only events not yet over, not cancelled.")


def _events() -> QuerySet[DemandEvent]:
    return DemandEvent.objects.select_related("team", "created_by").prefetch_related("services")


def _event(event_id: int) -> DemandEvent:
    if not 1 <= event_id <= MAX_ID:
        raise ApiError(404)
    return get_object_or_404(_events(), pk=event_id)


def _team(slug: str | None) -> Team | None:
    if slug is None:
        return None
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise ApiError(422, f"team: There is no team {slug}.", details=[field_error("team", "Unknown team.", "body")])
    return team


def _services(slugs: list[str]) -> list[Service]:
    found, unknown = services.services_by_slug(slugs)
    if unknown:
        message = f"There is no service {', '.join(unknown)}."
        raise ApiError(422, f"services: {message}", details=[field_error("services", message, "body")])
    return found


def _confirm_first(question: services.NeedsConfirmation) -> ApiError:
    message = f'{question.message} Send it again with "confirm": true.'
    return ApiError(
        422, message, code="confirmation_needed", details=[field_error("confirm", question.message, "body")]
    )


@router.get("/events", response=Page[EventOut], url_name="demand_events")
def list_events(request: HttpRequest, filters: Query[EventFilters], paging: Query[PageParams]) -> dict[str, Any]:
    """Events, earliest start first."""
    found = _events()
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.team:
        found = found.filter(team__slug=filters.team)
    if filters.service:
        found = found.filter(services__slug=filters.service).distinct()
    if filters.mine:
        found = found.filter(created_by_id=request.user.pk)
    if filters.upcoming:
        found = found.exclude(status=EventStatus.CANCELLED).filter(ends_at__gte=timezone.now())
    return paginate(found.order_by("starts_at", "pk"), paging)


@router.post("/events", response={201: EventOut}, url_name="demand_events")
def register_event(request: HttpRequest, payload: EventIn) -> Status:
    """Register a traffic event. A multiplier of 100 or more is a 422 asking for "confirm": true."""
    data = payload.model_dump()
    confirmed = data.pop("confirm")
    data["team"] = _team(payload.team)
    data["services"] = _services(payload.services)
    try:
        event = services.register_event(actor=Actor.of_request(request), confirmed=confirmed, **data)
    except services.NeedsConfirmation as question:
        raise _confirm_first(question) from None
    return Status(201, _event(event.pk))


@router.get("/events/{event_id}", response=EventOut, url_name="demand_event")
def get_event(request: HttpRequest, event_id: int) -> DemandEvent:
    """One event, cancelled or not."""
    return _event(event_id)


@router.patch("/events/{event_id}", response=EventOut, url_name="demand_event")
def update_event(request: HttpRequest, event_id: int, payload: EventPatch) -> DemandEvent:
    """Change an event; fields left out keep their value. Changing the kind of size clears the other sizes."""
    event = _event(event_id)
    sent = payload.model_fields_set
    values: dict[str, Any] = {
        "title": event.title,
        "description": event.description,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "timezone": event.timezone,
        "size_kind": event.size_kind,
        "multiplier": event.multiplier,
        "expected_peak": event.expected_peak,
        "rough_size": event.rough_size,
        "whole_site": event.whole_site,
        "services": list(event.services.all()),
        "confidence": event.confidence,
        "contact": event.contact,
        "team": event.team,
        "ramp_up_hours": event.ramp_up_hours,
        "ramp_down_hours": event.ramp_down_hours,
    }
    if "size_kind" in sent and payload.size_kind != event.size_kind:
        values.update(multiplier=None, expected_peak=None, rough_size=None)
    if "whole_site" in sent and payload.whole_site and "services" not in sent:
        values["services"] = []
    for field in sent - {"confirm"}:
        value = getattr(payload, field)
        if field == "team":
            value = _team(value)
        elif field == "services":
            value = _services(value or [])
        elif value is None and field not in {"multiplier", "expected_peak", "rough_size"}:
            raise ApiError(
                422, f"{field}: This cannot be empty.", details=[field_error(field, "This cannot be empty.", "body")]
            )
        values[field] = value
    try:
        services.edit_event(actor=Actor.of_request(request), event=event, confirmed=payload.confirm, **values)
    except services.NeedsConfirmation as question:
        raise _confirm_first(question) from None
    return _event(event_id)


@router.post("/events/{event_id}/cancel", response=EventOut, url_name="demand_event_cancel")
def cancel_event(request: HttpRequest, event_id: int) -> DemandEvent:
    """Cancel an event. It stays on record; cancelling twice is fine."""
    services.cancel_event(actor=Actor.of_request(request), event=_event(event_id))
    return _event(event_id)


@router.post("/events/{event_id}/triage", response=EventOut, url_name="demand_event_triage")
def triage_event(request: HttpRequest, event_id: int, payload: TriageIn) -> DemandEvent:
    """Move an event to acknowledged, plan_needed or ready (operators)."""
    services.triage(actor=Actor.of_request(request), event=_event(event_id), status=payload.status)
    return _event(event_id)


@router.get("/events/{event_id}/comments", response=Page[CommentOut], url_name="demand_event_comments")
def list_comments(request: HttpRequest, event_id: int, paging: Query[PageParams]) -> dict[str, Any]:
    """The messages on an event, oldest first."""
    event = _event(event_id)
    return paginate(event.comments.select_related("author").order_by("created_at", "pk"), paging)


@router.post("/events/{event_id}/comments", response={201: CommentOut}, url_name="demand_event_comments")
def add_comment(request: HttpRequest, event_id: int, payload: CommentIn) -> Status:
    """Add a message; the other side (operations or the requester) is told."""
    event = _event(event_id)
    if not permissions.can_edit_demand_event(request.user, event):
        raise ApiError(403, "You cannot comment on this event.")
    note = services.comment(actor=Actor.of_request(request), event=event, text=payload.text)
    return Status(201, note)
