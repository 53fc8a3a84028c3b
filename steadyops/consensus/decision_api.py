"""The decision log API: list and search decisions, read one, write one down, change it, supersede, withdraw, and
find similar past decisions. Under /api/v1/consensus/. Thin: every change goes through
consensus.decision_services.
"""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime
from typing import Annotated, Any, Literal

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, StringConstraints

from steadyops.accounts.models import Team
from steadyops.api.errors import ApiError, field_error
from steadyops.api.pagination import Page, PageParams, paginate
from steadyops.api.schemas import NO_NUL, InputSchema, Slug
from steadyops.consensus import decision_services as services
from steadyops.consensus.models import Decision
from steadyops.consensus.similar import search_decisions, similar_decisions
from steadyops.core.actor import Actor

router = Router()

Title = Annotated[str, StringConstraints(min_length=1, max_length=services.TITLE_MAX, pattern=NO_NUL)]
Section = Annotated[str, StringConstraints(max_length=services.SECTION_MAX, pattern=NO_NUL)]
People = Annotated[str, StringConstraints(max_length=services.PEOPLE_MAX, pattern=NO_NUL)]
Number = Annotated[int, Field(ge=1, le=services.NUMBER_MAX)]
SearchText = Annotated[str, StringConstraints(max_length=2_000, pattern=NO_NUL)]
SettableStatus = Literal["proposed", "accepted", "rejected", "deprecated"]
AnyStatus = Literal["proposed", "accepted", "rejected", "deprecated", "superseded"]
MAX_ID = 2**63 - 1


class DecisionOut(Schema):
    number: int
    title: str
    status: str
    date: Date | None
    decision_makers: str
    consulted: str
    informed: str
    context_and_problem: str
    decision_drivers: str
    considered_options: str
    pros_and_cons: str
    decision_outcome: str
    consequences: str
    confirmation: str
    more_information: str
    team: str | None = Field(description="The slug of the team it is kept for.")
    supersedes: int | None = Field(description="The number of the decision this one replaces.")
    superseded_by: list[int] = Field(description="The numbers of the decisions that replace this one.")
    withdrawn_at: datetime | None
    created_at: datetime
    updated_at: datetime
    source_path: str
    source_format: str

    @staticmethod
    def resolve_team(obj: Decision) -> str | None:
        return obj.team.slug if obj.team_id and obj.team else None

    @staticmethod
    def resolve_supersedes(obj: Decision) -> int | None:
        return obj.supersedes.number if obj.supersedes_id and obj.supersedes else None

    @staticmethod
    def resolve_superseded_by(obj: Decision) -> list[int]:
        return sorted(later.number for later in obj.superseded_by.all())


class SimilarOut(Schema):
    number: int
    title: str
    status: str
    decision_outcome: str


class DecisionIn(InputSchema):
    title: Title
    status: SettableStatus = "proposed"
    date: Date | None = None
    team: Slug | None = Field(None, description="The team it is kept for; its members may change it.")
    decision_makers: People = ""
    consulted: People = ""
    informed: People = ""
    context_and_problem: Section = ""
    decision_drivers: Section = ""
    considered_options: Section = ""
    pros_and_cons: Section = ""
    decision_outcome: Section = ""
    consequences: Section = ""
    confirmation: Section = ""
    more_information: Section = ""
    topic: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(None, description="A topic it came out of.")
    board: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(None, description="An idea board it came out of.")
    session: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(None, description="A working session.")


class DecisionPatch(InputSchema):
    title: Title | None = None
    status: AnyStatus | None = None
    date: Date | None = None
    team: Slug | None = Field(None, description="A team's slug; an empty string keeps it for no team.")
    decision_makers: People | None = None
    consulted: People | None = None
    informed: People | None = None
    context_and_problem: Section | None = None
    decision_drivers: Section | None = None
    considered_options: Section | None = None
    pros_and_cons: Section | None = None
    decision_outcome: Section | None = None
    consequences: Section | None = None
    confirmation: Section | None = None
    more_information: Section | None = None


class SupersedeIn(InputSchema):
    old: Number = Field(description="The number of the earlier decision that this one replaces.")


class DecisionFilter(Schema):
    q: SearchText = Field("", description="Words that must all appear; best matches first.")
    status: AnyStatus | None = None
    withdrawn: bool = Field(False, description="Include withdrawn records.")


def _actor(request: HttpRequest) -> Actor:
    return Actor.of_request(request)


def _listed() -> QuerySet[Decision]:
    return Decision.objects.select_related("team", "supersedes").prefetch_related("superseded_by")


def _decision(number: int) -> Decision:
    if not 1 <= number <= services.NUMBER_MAX:
        raise ApiError(404)
    return get_object_or_404(_listed(), number=number)


def _team(slug: str) -> Team:
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise ApiError(422, f"team: there is no team {slug!r}", details=[field_error("team", "No such team.", "body")])
    return team


def _links(payload: DecisionIn) -> dict[str, list[Any]]:
    from steadyops.consensus.decision_forms import linkable_models

    links: dict[str, list[Any]] = {}
    for key, (model, field) in linkable_models().items():
        pk = getattr(payload, key)
        if pk is None:
            continue
        item = model._default_manager.filter(pk=pk).first()
        if item is None:
            raise ApiError(422, f"{key}: there is no {key} {pk}", details=[field_error(key, "Not found.", "body")])
        links[field] = [item]
    return links


@router.get("/decisions", response=Page[DecisionOut], url_name="consensus_decisions")
def list_decisions(request: HttpRequest, filters: Query[DecisionFilter], paging: Query[PageParams]) -> dict[str, Any]:
    """The decision log, newest first; with q, the best matches first."""
    found = _listed()
    if not filters.withdrawn:
        found = found.filter(withdrawn_at=None)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.q.strip():
        ranked = search_decisions(filters.q, within=found)
        order = Case(*(When(pk=pk, then=Value(i)) for i, pk in enumerate(ranked)), output_field=IntegerField())
        found = found.filter(pk__in=ranked).order_by(order, "pk") if ranked else found.none()
    else:
        found = found.order_by("-number")
    return paginate(found, paging)


@router.post("/decisions", response={201: DecisionOut}, url_name="consensus_decisions")
def create_decision(request: HttpRequest, payload: DecisionIn) -> Status:
    """Write a decision down: everyone who takes part (not viewers). It gets the next number."""
    data = payload.dict(exclude={"topic", "board", "session", "team", "title", "status", "date"})
    decision = services.create_decision(
        actor=_actor(request),
        title=payload.title,
        status=payload.status,
        date=payload.date,
        team=_team(payload.team) if payload.team else None,
        links=_links(payload),
        **data,
    )
    return Status(201, _decision(decision.number))


@router.get("/decisions/{number}", response=DecisionOut, url_name="consensus_decision")
def get_decision(request: HttpRequest, number: int) -> Decision:
    """One decision, withdrawn or not."""
    return _decision(number)


@router.patch("/decisions/{number}", response=DecisionOut, url_name="consensus_decision")
def update_decision(request: HttpRequest, number: int, payload: DecisionPatch) -> Decision:
    """Change a decision: its author, members of its team, administrators. Fields left out stay as they are."""
    decision = _decision(number)
    sent = payload.dict(exclude_unset=True)
    team = decision.team
    if "team" in sent:
        team = _team(sent["team"]) if sent["team"] else None
    texts = {name: sent[name] for name in services.TEXT_FIELDS if sent.get(name) is not None}
    services.update_decision(
        actor=_actor(request),
        decision=decision,
        title=sent.get("title") or decision.title,
        status=sent.get("status") or decision.status,
        date=sent.get("date", decision.date),
        team=team,
        **texts,
    )
    return _decision(number)


@router.post("/decisions/{number}/supersede", response=DecisionOut, url_name="consensus_decision_supersede_api")
def supersede_decision(request: HttpRequest, number: int, payload: SupersedeIn) -> Decision:
    """Say that this decision replaces an earlier one, whose status becomes superseded."""
    decision = _decision(number)
    old = Decision.objects.filter(number=payload.old).first()
    if old is None:
        raise ApiError(
            422, f"old: there is no decision {payload.old}", details=[field_error("old", "Not found.", "body")]
        )
    services.supersede_decision(actor=_actor(request), old=old, new=decision)
    return _decision(number)


@router.post("/decisions/{number}/withdraw", response=DecisionOut, url_name="consensus_decision_withdraw_api")
def withdraw_decision(request: HttpRequest, number: int) -> Decision:
    """Withdraw a record written by mistake: kept, marked withdrawn, no longer offered as similar."""
    services.withdraw_decision(actor=_actor(request), decision=_decision(number))
    return _decision(number)


@router.get("/similar", response=list[SimilarOut], url_name="consensus_decisions_similar")
def similar(
    request: HttpRequest,
    text: Annotated[str, StringConstraints(max_length=10_000, pattern=NO_NUL)] = "",
    limit: Annotated[int, Field(ge=1, le=20)] = 5,
) -> list[Decision]:
    """Past decisions most like text (withdrawn ones never), best first; no text, no results."""
    return similar_decisions(text, limit=limit)
