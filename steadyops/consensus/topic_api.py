"""The 0-5 topics API: list and read topics, raise one, vote, open the next round, close. Under /api/v1/consensus/.

Results follow the pages' rule: hidden from a person until they have voted in the current round or the topic is
closed. Thin: every change goes through consensus.topic_services.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, StrictBool, StrictInt, StringConstraints

from steadyops.accounts.models import Team, User
from steadyops.api.errors import ApiError, field_error
from steadyops.api.pagination import Page, PageParams, paginate
from steadyops.api.schemas import NO_NUL, InputSchema, Slug, Username
from steadyops.consensus import topic_services as services
from steadyops.consensus.models.topics import (
    CONTEXT_MAX,
    NOTE_MAX,
    OUTCOME_MAX,
    QUESTION_MAX,
    REASON_MAX,
    Topic,
    TopicStatus,
    VoteValue,
)
from steadyops.core import permissions
from steadyops.core.actor import Actor

router = Router()

MAX_ID = 2**63 - 1
Question = Annotated[str, StringConstraints(min_length=1, max_length=QUESTION_MAX, pattern=NO_NUL)]
Context = Annotated[str, StringConstraints(max_length=CONTEXT_MAX, pattern=NO_NUL)]
Reason = Annotated[str, StringConstraints(max_length=REASON_MAX, pattern=NO_NUL)]
Note = Annotated[str, StringConstraints(max_length=NOTE_MAX, pattern=NO_NUL)]
Outcome = Annotated[str, StringConstraints(max_length=OUTCOME_MAX, pattern=NO_NUL)]
Rule = Literal["practice", "everyone_3"]
T = TypeVar("T")


class TopicIn(InputSchema):
    question: Question
    context: Context = ""
    team: Slug | None = Field(None, description="The team the topic is kept for; its members may run it.")
    invited_people: list[Username] = Field(default_factory=list, max_length=services.MAX_INVITED_PEOPLE)
    invited_teams: list[Slug] = Field(default_factory=list, max_length=services.MAX_INVITED_TEAMS)
    deadline: datetime | None = Field(None, description="With its time zone, e.g. 2030-05-01T17:00:00+02:00.")
    rule: Rule = "practice"
    quorum: Annotated[int, Field(ge=1, le=services.MAX_QUORUM, strict=True)] | None = None
    anonymous: StrictBool = False


class VoteIn(InputSchema):
    value: Annotated[StrictInt, Field(ge=0, le=5, description="0 I block this … 5 great idea, I will help lead it.")]
    reason: Reason = Field("", description="Needed for 0.")


class RoundIn(InputSchema):
    note: Note = Field(description="What changed since the last round.")


class CloseIn(InputSchema):
    outcome: Outcome = Field(description="What the group agreed, or why it stopped.")


class CountOut(Schema):
    value: int
    label: str
    votes: int


class ReasonOut(Schema):
    value: int
    reason: str
    voter: str | None = Field(description="The voter's user name; null on anonymous topics.")


class ResultOut(Schema):
    counts: list[CountOut]
    total: int
    share_high: float = Field(description="Share of votes at 4 or 5, 0 to 1.")
    share_low: float = Field(description="Share of votes at 0 to 3, 0 to 1.")
    blocks: int
    verdict: Literal["move_on", "more_discussion", "no_quorum", "undecided"]
    sentence: str
    block_reasons: list[ReasonOut]


class RoundOut(Schema):
    number: int
    note: str
    opened_at: datetime
    closed_at: datetime | None
    votes: int
    result: ResultOut | None = Field(description="Null until you have voted in the current round or it is closed.")


class TopicOut(Schema):
    id: int
    question: str
    context: str
    team: str | None
    created_by: str
    invited_people: list[str]
    invited_teams: list[str]
    deadline: datetime | None
    rule: Rule
    quorum: int | None
    anonymous: bool
    status: Literal["open", "closed", "archived"]
    outcome: str
    closed_at: datetime | None
    created_at: datetime
    current_round: int


class TopicDetailOut(TopicOut):
    you_may_vote: bool
    you_voted: bool
    rounds: list[RoundOut] = Field(description="Newest first.")


class TopicFilters(Schema):
    show: Literal["open", "closed", "archived", "mine", "all"] = Field(
        "all", description="all leaves out archived topics."
    )


def _actor(request: HttpRequest) -> Actor:
    return Actor.of_request(request)


def _unknown(field: str, message: str) -> ApiError:
    return ApiError(422, f"{field}: {message}", details=[field_error(field, message, "body")])


def _lookup(kind: type[T], values: list[str], field: str, key: str) -> list[T]:
    found = {getattr(item, key): item for item in kind.objects.filter(**{f"{key}__in": values})}  # type: ignore[attr-defined]
    for value in values:
        if value not in found:
            raise _unknown(field, f"There is no {'team' if kind is Team else 'person'} {value}.")
    return [found[value] for value in dict.fromkeys(values)]


def _call(function: Callable[..., T], **kwargs: Any) -> T:
    """Run a service; a state conflict (closed topic, second vote) is a 409, other refusals keep their status."""
    try:
        return function(**kwargs)
    except services.TopicConflict as conflict:
        raise ApiError(409, " ".join(conflict.messages)) from None


def _topics() -> QuerySet[Topic]:
    return (
        Topic.objects.select_related("created_by", "team")
        .prefetch_related("invited_people", "invited_teams")
        .annotate(round_count=Count("rounds", distinct=True))
    )


def _topic(topic_id: int) -> Topic:
    if topic_id < 1 or topic_id > MAX_ID:
        raise ApiError(404)
    return get_object_or_404(_topics(), pk=topic_id)


def _summary(topic: Topic) -> dict[str, Any]:
    return {
        "id": topic.pk,
        "question": topic.question,
        "context": topic.context,
        "team": topic.team.slug if topic.team else None,
        "created_by": topic.created_by.username,
        "invited_people": sorted(person.username for person in topic.invited_people.all()),
        "invited_teams": sorted(team.slug for team in topic.invited_teams.all()),
        "deadline": topic.deadline,
        "rule": topic.rule,
        "quorum": topic.quorum,
        "anonymous": topic.anonymous,
        "status": topic.status,
        "outcome": topic.outcome,
        "closed_at": topic.closed_at,
        "created_at": topic.created_at,
        "current_round": getattr(topic, "round_count", None) or topic.rounds.count(),
    }


def _detail(request: HttpRequest, topic_id: int) -> dict[str, Any]:
    topic = _topic(topic_id)
    user = request.user
    rounds = list(topic.rounds.annotate(voted=Count("ballots")).order_by("-number"))
    visible = services.may_see_results(user, topic, rounds[0])
    invited = services.invited_count(topic) if visible else None
    shown = []
    for round_ in rounds:
        result = None
        if visible:
            outcome = services.round_result(topic, round_, invited=invited)
            tally = outcome.tally
            result = {
                "counts": [
                    {"value": value, "label": VoteValue(value).label, "votes": tally.counts[value]}
                    for value in range(6)
                ],
                "total": tally.total,
                "share_high": tally.share_high,
                "share_low": tally.share_low,
                "blocks": tally.blocks,
                "verdict": tally.verdict,
                "sentence": tally.sentence,
                "block_reasons": [
                    {"value": 0, "reason": block.reason, "voter": block.voter.username if block.voter else None}
                    for block in outcome.blocks
                ],
            }
        shown.append(
            {
                "number": round_.number,
                "note": round_.note,
                "opened_at": round_.opened_at,
                "closed_at": round_.closed_at,
                "votes": round_.voted,
                "result": result,
            }
        )
    voted = services.has_voted(user, rounds[0])
    return {
        **_summary(topic),
        "you_may_vote": topic.status == TopicStatus.OPEN and not voted and services.may_vote(user, topic),
        "you_voted": voted,
        "rounds": shown,
    }


@router.get("/topics", response=Page[TopicOut], url_name="consensus_topics")
def list_topics(request: HttpRequest, filters: Query[TopicFilters], paging: Query[PageParams]) -> dict[str, Any]:
    """Topics, open ones first, then the newest."""
    found = _topics()
    if filters.show in ("open", "closed", "archived"):
        found = found.filter(status=filters.show)
    elif filters.show == "mine":
        found = found.filter(created_by_id=request.user.pk).exclude(status=TopicStatus.ARCHIVED)
    else:
        found = found.exclude(status=TopicStatus.ARCHIVED)
    page = paginate(services.open_first(found), paging)
    page["items"] = [_summary(topic) for topic in page["items"]]
    return page


@router.post("/topics", response={201: TopicDetailOut}, url_name="consensus_topics")
def create_topic(request: HttpRequest, payload: TopicIn) -> Status:
    """Raise a topic and open its first round. Nobody invited means everyone who may take part may vote."""
    if not permissions.can_take_part(request.user):
        raise ApiError(403, "Viewers can look at topics but not raise them.")
    team = _lookup(Team, [payload.team], "team", "slug")[0] if payload.team else None
    topic = _call(
        services.open_topic,
        actor=_actor(request),
        question=payload.question,
        context=payload.context,
        team=team,
        invited_people=_lookup(User, payload.invited_people, "invited_people", "username"),
        invited_teams=_lookup(Team, payload.invited_teams, "invited_teams", "slug"),
        deadline=payload.deadline,
        rule=payload.rule,
        quorum=payload.quorum,
        anonymous=payload.anonymous,
    )
    return Status(201, _detail(request, topic.pk))


@router.get("/topics/{topic_id}", response=TopicDetailOut, url_name="consensus_topic")
def get_topic(request: HttpRequest, topic_id: int) -> dict[str, Any]:
    """One topic with its rounds; each round's result only once you have voted in the current round or the topic
    is closed."""
    return _detail(request, topic_id)


@router.post("/topics/{topic_id}/votes", response={201: TopicDetailOut}, url_name="consensus_topic_votes")
def vote(request: HttpRequest, topic_id: int, payload: VoteIn) -> Status:
    """Vote 0 to 5 in the current round (a reason is needed for 0). One vote per person and round: a second is a
    409."""
    topic = _topic(topic_id)
    _call(services.cast_vote, actor=_actor(request), topic=topic, value=payload.value, reason=payload.reason)
    return Status(201, _detail(request, topic.pk))


@router.post("/topics/{topic_id}/rounds", response={201: TopicDetailOut}, url_name="consensus_topic_rounds")
def open_round(request: HttpRequest, topic_id: int, payload: RoundIn) -> Status:
    """Close the current round and open the next, saying what changed. The earlier rounds are kept."""
    topic = _topic(topic_id)
    _call(services.next_round, actor=_actor(request), topic=topic, note=payload.note)
    return Status(201, _detail(request, topic.pk))


@router.post("/topics/{topic_id}/close", response=TopicDetailOut, url_name="consensus_topic_close")
def close(request: HttpRequest, topic_id: int, payload: CloseIn) -> dict[str, Any]:
    """Close the topic with its outcome written down."""
    topic = _topic(topic_id)
    _call(services.close_topic, actor=_actor(request), topic=topic, outcome=payload.outcome)
    return _detail(request, topic.pk)
