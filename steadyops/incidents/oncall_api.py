"""The on-call API: who is on call now, rotations and overrides, escalation policies, pages. Mounted at
/api/v1/incidents/.

Thin: every change goes through incidents.oncall_services, which checks who may make it and audits it.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, StringConstraints

from steadyops.accounts.models import Team, User
from steadyops.api.errors import ApiError, field_error
from steadyops.api.pagination import Page as ListPage
from steadyops.api.pagination import PageParams, paginate
from steadyops.api.schemas import NO_NUL, InputSchema, Slug, Username
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.incidents import oncall_services as services
from steadyops.incidents.models.oncall import (
    EscalationPolicy,
    EscalationStep,
    Override,
    Page,
    PageNotification,
    PageState,
    Rotation,
    RotationMember,
)

router = Router(tags=["on-call"])

MAX_ID = 2**63 - 1
Name = Annotated[str, StringConstraints(min_length=1, max_length=services.NAME_MAX, pattern=NO_NUL)]
Reason = Annotated[str, StringConstraints(max_length=services.REASON_MAX, pattern=NO_NUL)]
ZoneName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_NUL)]


class RotationOut(Schema):
    id: int
    team: str
    name: str
    period: str
    period_hours: int | None
    handoff_time: time
    timezone: str
    starts_on: date
    members: list[str] = Field(description="User names in turn order.")
    on_call_now: str | None
    archived_at: datetime | None

    @staticmethod
    def resolve_team(rotation: Rotation) -> str:
        return rotation.team.slug

    @staticmethod
    def resolve_members(rotation: Rotation) -> list[str]:
        return [user.username for user in services._members(rotation)]

    @staticmethod
    def resolve_on_call_now(rotation: Rotation) -> str | None:
        who = services.on_call(rotation, timezone.now())
        return who.username if who is not None else None


class RotationIn(InputSchema):
    team: Slug
    name: Name
    period: Literal["daily", "weekly", "custom"]
    period_hours: int | None = Field(None, ge=1, le=24 * 28, description="Shift length, for custom periods.")
    handoff_time: time
    timezone: ZoneName = Field(description="IANA name, such as Europe/Berlin.")
    starts_on: date
    members: list[Username] = Field(max_length=services.MAX_MEMBERS, description="User names in turn order.")


class OverrideOut(Schema):
    id: int
    rotation: int
    user: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    cancelled_at: datetime | None

    @staticmethod
    def resolve_rotation(override: Override) -> int:
        return override.rotation_id

    @staticmethod
    def resolve_user(override: Override) -> str:
        return override.user.username


class OverrideIn(InputSchema):
    user: Username
    starts_at: datetime = Field(description="ISO 8601 with an offset, or read in the rotation's time zone.")
    ends_at: datetime
    reason: Annotated[str, StringConstraints(max_length=services.OVERRIDE_REASON_MAX, pattern=NO_NUL)] = ""


class StepOut(Schema):
    user: str | None
    rotation: int | None
    wait_minutes: int

    @staticmethod
    def resolve_user(step: EscalationStep) -> str | None:
        return step.user.username if step.user else None

    @staticmethod
    def resolve_rotation(step: EscalationStep) -> int | None:
        return step.rotation_id


class PolicyOut(Schema):
    id: int
    team: str
    name: str
    repeat: int
    is_default: bool
    steps: list[StepOut]
    archived_at: datetime | None

    @staticmethod
    def resolve_team(policy: EscalationPolicy) -> str:
        return policy.team.slug

    @staticmethod
    def resolve_steps(policy: EscalationPolicy) -> list[EscalationStep]:
        return list(policy.steps.all())


class StepIn(InputSchema):
    user: Username | None = None
    rotation: int | None = Field(None, ge=1, le=MAX_ID)
    wait_minutes: int = Field(description="1 to 1440.")


class PolicyIn(InputSchema):
    team: Slug
    name: Name
    repeat: int = Field(0, description="0 to 5.")
    is_default: bool = False
    steps: list[StepIn] = Field(max_length=services.MAX_STEPS)


class NotificationOut(Schema):
    user: str | None
    note: str
    step: int
    round: int
    at: datetime

    @staticmethod
    def resolve_user(note: PageNotification) -> str | None:
        return note.user.username if note.user else None

    @staticmethod
    def resolve_step(note: PageNotification) -> int:
        return note.step_index + 1

    @staticmethod
    def resolve_round(note: PageNotification) -> int:
        return note.round + 1


class PageOut(Schema):
    id: int
    incident: str | None
    signal: int | None
    policy: int | None
    reason: str
    state: str
    state_label: str
    step: int
    round: int
    next_step_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None
    created_at: datetime
    notifications: list[NotificationOut]

    @staticmethod
    def resolve_incident(page: Page) -> str | None:
        return page.incident.key if page.incident is not None else None

    @staticmethod
    def resolve_signal(page: Page) -> int | None:
        return page.signal_id

    @staticmethod
    def resolve_policy(page: Page) -> int | None:
        return page.policy_id

    @staticmethod
    def resolve_state_label(page: Page) -> str:
        return PageState(page.state).label

    @staticmethod
    def resolve_step(page: Page) -> int:
        return page.step_index + 1

    @staticmethod
    def resolve_round(page: Page) -> int:
        return page.round + 1

    @staticmethod
    def resolve_acknowledged_by(page: Page) -> str | None:
        return page.acknowledged_by.username if page.acknowledged_by else None

    @staticmethod
    def resolve_resolved_by(page: Page) -> str | None:
        return page.resolved_by.username if page.resolved_by else None

    @staticmethod
    def resolve_notifications(page: Page) -> list[PageNotification]:
        return list(page.notifications.all())


class PageIn(InputSchema):
    reason: Reason
    policy: int | None = Field(None, ge=1, le=MAX_ID)
    user: Username | None = None


class OnCallRow(Schema):
    team: str
    rotation: int
    rotation_name: str
    user: str | None
    display_name: str | None
    until: datetime | None


def _bad(field: str, message: str) -> ApiError:
    return ApiError(422, f"{field}: {message}", details=[field_error(field, message, "body")])


def _team(slug: str) -> Team:
    team = Team.objects.filter(slug=slug, archived_at=None).first()
    if team is None:
        raise _bad("team", f"There is no team {slug}.")
    return team


def _user(username: str, field: str = "user") -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise _bad(field, f"There is nobody with the user name {username}.")
    return user


def _rotations() -> QuerySet[Rotation]:
    members = RotationMember.objects.select_related("user").order_by("position")
    return Rotation.objects.select_related("team").prefetch_related(Prefetch("members", queryset=members))


def _rotation(rotation_id: int) -> Rotation:
    if not 1 <= rotation_id <= MAX_ID:
        raise ApiError(404)
    return get_object_or_404(_rotations(), pk=rotation_id)


def _policies() -> QuerySet[EscalationPolicy]:
    steps = EscalationStep.objects.select_related("user").order_by("position")
    return EscalationPolicy.objects.select_related("team").prefetch_related(Prefetch("steps", queryset=steps))


def _policy(policy_id: int) -> EscalationPolicy:
    if not 1 <= policy_id <= MAX_ID:
        raise ApiError(404)
    return get_object_or_404(_policies(), pk=policy_id)


def _pages() -> QuerySet[Page]:
    notes = PageNotification.objects.select_related("user").order_by("at", "pk")
    return Page.objects.select_related("incident", "acknowledged_by", "resolved_by").prefetch_related(
        Prefetch("notifications", queryset=notes)
    )


def _page(page_id: int) -> Page:
    if not 1 <= page_id <= MAX_ID:
        raise ApiError(404)
    return get_object_or_404(_pages(), pk=page_id)


def _rotation_input(payload: RotationIn) -> services.RotationInput:
    return services.RotationInput(
        name=payload.name,
        period=payload.period,
        period_hours=payload.period_hours,
        handoff_time=payload.handoff_time,
        timezone=payload.timezone,
        starts_on=payload.starts_on,
        members=[_user(name, "members") for name in payload.members],
    )


def _steps(payload: PolicyIn) -> list[services.StepInput]:
    steps = []
    for item in payload.steps:
        rotation = None
        if item.rotation is not None:
            rotation = Rotation.objects.filter(pk=item.rotation).first()
            if rotation is None:
                raise _bad("steps", f"There is no rotation {item.rotation}.")
        user = _user(item.user, "steps") if item.user is not None else None
        steps.append(services.StepInput(wait_minutes=item.wait_minutes, user=user, rotation=rotation))
    return steps


@router.get("/oncall/now", response=list[OnCallRow], url_name="incidents_oncall_api_now")
def on_call_now(request: HttpRequest) -> list[dict[str, Any]]:
    """Who is on call right now in every current rotation, team by team."""
    rows = []
    for team, entries in services.on_call_now():
        for entry in entries:
            rows.append(
                {
                    "team": team.slug,
                    "rotation": entry.rotation.pk,
                    "rotation_name": entry.rotation.name,
                    "user": entry.who.username if entry.who else None,
                    "display_name": str(entry.who) if entry.who else None,
                    "until": entry.until,
                }
            )
    return rows


@router.get("/oncall/rotations", response=ListPage[RotationOut], url_name="incidents_oncall_api_rotations")
def list_rotations(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """Current rotations, by team and name."""
    return paginate(_rotations().filter(archived_at=None).order_by("team__name", "name", "pk"), paging)


@router.post("/oncall/rotations", response={201: RotationOut}, url_name="incidents_oncall_api_rotations")
def create_rotation(request: HttpRequest, payload: RotationIn) -> Status:
    """Add a rotation (the team's operators and administrators)."""
    team = _team(payload.team)
    if not permissions.can_manage_oncall(request.user, team):
        raise ApiError(403, "Only the team's operators can change its on-call.")
    rotation = services.create_rotation(actor=Actor.of_request(request), team=team, data=_rotation_input(payload))
    return Status(201, _rotation(rotation.pk))


@router.get("/oncall/rotations/{rotation_id}", response=RotationOut, url_name="incidents_oncall_api_rotation")
def get_rotation(request: HttpRequest, rotation_id: int) -> Rotation:
    """One rotation, with who is on call now."""
    return _rotation(rotation_id)


@router.put("/oncall/rotations/{rotation_id}", response=RotationOut, url_name="incidents_oncall_api_rotation")
def update_rotation(request: HttpRequest, rotation_id: int, payload: RotationIn) -> Rotation:
    """Replace a rotation's settings and members (its team cannot change)."""
    rotation = _rotation(rotation_id)
    if payload.team != rotation.team.slug:
        raise _bad("team", "A rotation cannot move to another team; make a new one there.")
    services.update_rotation(actor=Actor.of_request(request), rotation=rotation, data=_rotation_input(payload))
    return _rotation(rotation_id)


@router.get(
    "/oncall/rotations/{rotation_id}/overrides",
    response=list[OverrideOut],
    url_name="incidents_oncall_api_overrides",
)
def list_overrides(request: HttpRequest, rotation_id: int) -> list[Override]:
    """The rotation's covers that have not ended, earliest first."""
    rotation = _rotation(rotation_id)
    found = Override.objects.filter(rotation=rotation, cancelled_at=None, ends_at__gt=timezone.now())
    return list(found.select_related("user").order_by("starts_at", "pk")[:500])


@router.post(
    "/oncall/rotations/{rotation_id}/overrides",
    response={201: OverrideOut},
    url_name="incidents_oncall_api_overrides",
)
def create_override(request: HttpRequest, rotation_id: int, payload: OverrideIn) -> Status:
    """Let someone cover the rotation from starts_at to ends_at."""
    rotation = _rotation(rotation_id)
    zone = services.zone_of(rotation)
    starts_at, ends_at = (
        value if value.tzinfo is not None else value.replace(tzinfo=zone)
        for value in (payload.starts_at, payload.ends_at)
    )
    override = services.create_override(
        actor=Actor.of_request(request),
        rotation=rotation,
        user=_user(payload.user),
        starts_at=starts_at,
        ends_at=ends_at,
        reason=payload.reason,
    )
    return Status(201, override)


@router.get("/oncall/policies", response=ListPage[PolicyOut], url_name="incidents_oncall_api_policies")
def list_policies(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """Current escalation policies, by team and name."""
    return paginate(_policies().filter(archived_at=None).order_by("team__name", "name", "pk"), paging)


@router.post("/oncall/policies", response={201: PolicyOut}, url_name="incidents_oncall_api_policies")
def create_policy(request: HttpRequest, payload: PolicyIn) -> Status:
    """Add an escalation policy (the team's operators and administrators)."""
    team = _team(payload.team)
    if not permissions.can_manage_oncall(request.user, team):
        raise ApiError(403, "Only the team's operators can change its on-call.")
    policy = services.create_policy(
        actor=Actor.of_request(request),
        team=team,
        name=payload.name,
        repeat=payload.repeat,
        steps=_steps(payload),
        is_default=payload.is_default,
    )
    return Status(201, _policy(policy.pk))


@router.get("/oncall/policies/{policy_id}", response=PolicyOut, url_name="incidents_oncall_api_policy")
def get_policy(request: HttpRequest, policy_id: int) -> EscalationPolicy:
    """One escalation policy with its steps."""
    return _policy(policy_id)


@router.get("/oncall/pages", response=ListPage[PageOut], url_name="incidents_oncall_api_pages")
def list_pages(
    request: HttpRequest,
    paging: Query[PageParams],
    state: Literal["active", "acknowledged", "resolved", "exhausted"] | None = None,
) -> dict[str, Any]:
    """Pages, newest first."""
    found = _pages()
    if state:
        found = found.filter(state=state)
    return paginate(found.order_by("-created_at", "-pk"), paging)


@router.post("/oncall/pages", response={201: PageOut}, url_name="incidents_oncall_api_pages")
def create_page(request: HttpRequest, payload: PageIn) -> Status:
    """Page a policy or one person now (operators). Give exactly one of policy and user."""
    policy = None
    if payload.policy is not None:
        policy = EscalationPolicy.objects.select_related("team").filter(pk=payload.policy).first()
        if policy is None:
            raise _bad("policy", f"There is no escalation policy {payload.policy}.")
    user = _user(payload.user) if payload.user is not None else None
    page = services.page_now(actor=Actor.of_request(request), reason=payload.reason, policy=policy, user=user)
    return Status(201, _page(page.pk))


@router.get("/oncall/pages/{page_id}", response=PageOut, url_name="incidents_oncall_api_page")
def get_page(request: HttpRequest, page_id: int) -> Page:
    """One page: its state and who was notified when."""
    return _page(page_id)


def _answer(request: HttpRequest, page_id: int, action: str) -> Page:
    page = _page(page_id)
    if not permissions.can_work_incident(request.user, page.incident):
        raise ApiError(403, "Only operators can answer a page.")
    user = request.user
    assert isinstance(user, User)
    try:
        if action == services.ACKNOWLEDGE:
            services.acknowledge_page(page=page, user=user, via="api")
        else:
            services.resolve_page(page=page, user=user, via="api")
    except services.PageAlreadyClosed as done:
        raise ApiError(409, str(done), code="already_done") from None
    return _page(page_id)


@router.post("/oncall/pages/{page_id}/acknowledge", response=PageOut, url_name="incidents_oncall_api_page_acknowledge")
def acknowledge_page(request: HttpRequest, page_id: int) -> Page:
    """Say you are on it: the escalation stops. 409 when it was already acknowledged or resolved."""
    return _answer(request, page_id, services.ACKNOWLEDGE)


@router.post("/oncall/pages/{page_id}/resolve", response=PageOut, url_name="incidents_oncall_api_page_resolve")
def resolve_page(request: HttpRequest, page_id: int) -> Page:
    """Mark the page resolved. 409 when it already was."""
    return _answer(request, page_id, services.RESOLVE)
