"""The idea-board API: boards, ideas, the shortlist, votes and stages. Mounted under /api/v1/consensus/.

Thin: every change goes through consensus.board_services. A vote that breaks a rule (no votes left, a second
vote for one idea, voting outside the voting stage) is a 422 with the reason in the error's message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, StrictBool, StringConstraints

from steadyops.accounts.models import Team
from steadyops.api.errors import ApiError, field_error
from steadyops.api.pagination import Page, PageParams, paginate
from steadyops.api.schemas import NO_NUL, InputSchema, Slug
from steadyops.consensus import board_services as services
from steadyops.consensus.models.boards import (
    BOARD_DESCRIPTION_MAX,
    BOARD_QUESTION_MAX,
    BOARD_TITLE_MAX,
    IDEA_TEXT_MAX,
    VOTES_DEFAULT,
    VOTES_MAX,
    VOTES_MIN,
    Idea,
    IdeaBoard,
)
from steadyops.core.actor import Actor

router = Router()

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
StageName = Literal["gathering", "shortlisting", "voting", "closed"]


# --- Schemas ------------------------------------------------------------------


class BoardIn(InputSchema):
    title: Annotated[str, StringConstraints(min_length=1, max_length=BOARD_TITLE_MAX, pattern=NO_NUL)]
    question: Annotated[str, StringConstraints(min_length=1, max_length=BOARD_QUESTION_MAX, pattern=NO_NUL)]
    description: Annotated[str, StringConstraints(max_length=BOARD_DESCRIPTION_MAX, pattern=NO_NUL)] = ""
    team: Slug | None = Field(None, description="The slug of the team that runs the board with you.")
    allow_anonymous_ideas: StrictBool = False
    votes_per_person: int = Field(VOTES_DEFAULT, ge=VOTES_MIN, le=VOTES_MAX, strict=True)


class IdeaIn(InputSchema):
    text: Annotated[str, StringConstraints(min_length=1, max_length=IDEA_TEXT_MAX, pattern=NO_NUL)]
    anonymous: StrictBool = Field(False, description="Add it without a name, if the board allows that.")


class StageIn(InputSchema):
    stage: StageName


class MergeIn(InputSchema):
    source: Id = Field(description="The duplicate idea's id.")
    target: Id = Field(description="The id of the idea it is merged into.")


class ShortlistIn(InputSchema):
    ideas: list[Id] = Field(max_length=1000, description="The ids of the ideas on the shortlist; empty for none.")


class BoardSummary(Schema):
    id: int
    title: str
    question: str
    team: str | None
    stage: StageName
    idea_count: int
    created_at: datetime


class IdeaOut(Schema):
    id: int
    text: str
    author: str | None = Field(description="The author's username; null for an idea added without a name.")
    shortlisted: bool
    merged_into: int | None


class ResultOut(Schema):
    idea: int
    text: str
    votes: int
    rank: int
    rank_label: str = Field(description="The place, with a shared place shown as “=2”.")


class BoardOut(Schema):
    id: int
    title: str
    question: str
    description: str
    team: str | None
    created_by: str
    stage: StageName
    allow_anonymous_ideas: bool
    votes_per_person: int
    created_at: datetime
    closed_at: datetime | None
    archived: bool
    ideas: list[IdeaOut]
    ballot: list[int] = Field(description="The ids of the ideas people vote on.")
    my_votes: list[int]
    votes_left: int
    results: list[ResultOut] | None = Field(
        description="Ranked by votes; null until you have voted or the board is closed."
    )


class VoteOut(Schema):
    idea: int
    voted: bool
    votes_left: int


# --- Helpers ------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return Actor.of_request(request)


def _board(board_id: int) -> IdeaBoard:
    return get_object_or_404(IdeaBoard.objects.select_related("team", "created_by"), pk=board_id)


def _team(slug: str | None) -> Team | None:
    if slug is None:
        return None
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        message = f"There is no team “{slug}”."
        raise ApiError(422, f"team: {message}", details=[field_error("team", message, "body")])
    return team


def _idea(idea_id: int, field: str) -> Idea:
    idea = Idea.objects.filter(pk=idea_id).first()
    if idea is None:
        message = "There is no such idea."
        raise ApiError(422, f"{field}: {message}", details=[field_error(field, message, "body")])
    return idea


def _out(board: IdeaBoard, request: HttpRequest) -> dict[str, Any]:
    view = services.board_view(board, request.user)  # type: ignore[arg-type]
    everything = [*view.ideas, *(idea for duplicates in view.merged.values() for idea in duplicates)]
    everything.sort(key=lambda idea: (idea.created_at, idea.pk))
    return {
        "id": board.pk,
        "title": board.title,
        "question": board.question,
        "description": board.description,
        "team": board.team.slug if board.team else None,
        "created_by": board.created_by.username,
        "stage": board.stage,
        "allow_anonymous_ideas": board.allow_anonymous_ideas,
        "votes_per_person": board.votes_per_person,
        "created_at": board.created_at,
        "closed_at": board.closed_at,
        "archived": board.archived_at is not None,
        "ideas": [
            {
                "id": idea.pk,
                "text": idea.text,
                "author": idea.author.username if idea.author else None,
                "shortlisted": idea.shortlisted,
                "merged_into": idea.merged_into_id,
            }
            for idea in everything
        ],
        "ballot": [idea.pk for idea in view.ballot] if board.stage in ("voting", "closed") else [],
        "my_votes": sorted(view.my_votes),
        "votes_left": view.votes_left,
        "results": None
        if view.results is None
        else [
            {
                "idea": item.idea.pk,
                "text": item.idea.text,
                "votes": item.votes,
                "rank": item.rank,
                "rank_label": item.rank_label,
            }
            for item in view.results
        ],
    }


# --- Operations ---------------------------------------------------------------


@router.get("/boards", response=Page[BoardSummary], url_name="consensus_boards")
def list_boards(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """Current idea boards, newest first."""
    page = paginate(services.listed_boards(), paging)
    page["items"] = [
        {
            "id": board.pk,
            "title": board.title,
            "question": board.question,
            "team": board.team.slug if board.team else None,
            "stage": board.stage,
            "idea_count": board.idea_count,
            "created_at": board.created_at,
        }
        for board in page["items"]
    ]
    return page


@router.post("/boards", response={201: BoardOut}, url_name="consensus_boards")
def create_board(request: HttpRequest, payload: BoardIn) -> Status:
    """Open an idea board: everyone but viewers. The team, if given, must be one of yours."""
    board = services.create_board(
        actor=_actor(request),
        title=payload.title,
        question=payload.question,
        description=payload.description,
        team=_team(payload.team),
        allow_anonymous_ideas=payload.allow_anonymous_ideas,
        votes_per_person=payload.votes_per_person,
    )
    return Status(201, _out(_board(board.pk), request))


@router.get("/boards/{board_id}", response=BoardOut, url_name="consensus_board")
def get_board(request: HttpRequest, board_id: Id) -> dict[str, Any]:
    """One board with its ideas; the results stay null until you have voted or the board is closed."""
    return _out(_board(board_id), request)


@router.post("/boards/{board_id}/ideas", response={201: IdeaOut}, url_name="consensus_board_ideas")
def add_idea(request: HttpRequest, board_id: Id, payload: IdeaIn) -> Status:
    """Add an idea while the board is gathering: everyone but viewers."""
    idea = services.add_idea(
        actor=_actor(request), board=_board(board_id), text=payload.text, anonymous=payload.anonymous
    )
    author = idea.author.username if idea.author else None
    return Status(
        201,
        {"id": idea.pk, "text": idea.text, "author": author, "shortlisted": False, "merged_into": None},
    )


@router.post("/boards/{board_id}/ideas/{idea_id}/vote", response={201: VoteOut}, url_name="consensus_board_vote")
def vote(request: HttpRequest, board_id: Id, idea_id: Id) -> Status:
    """Spend one of your votes on an idea while the board is voting. No votes left, or a second vote for the same
    idea: 422."""
    board = _board(board_id)
    idea = get_object_or_404(Idea, pk=idea_id, board=board)
    services.vote(actor=_actor(request), board=board, idea=idea)
    left = board.votes_per_person - services.votes_used(board, request.user)  # type: ignore[arg-type]
    return Status(201, {"idea": idea.pk, "voted": True, "votes_left": left})


@router.delete("/boards/{board_id}/ideas/{idea_id}/vote", response=VoteOut, url_name="consensus_board_vote")
def withdraw_vote(request: HttpRequest, board_id: Id, idea_id: Id) -> dict[str, Any]:
    """Take your vote back from an idea while the board is voting."""
    board = _board(board_id)
    idea = get_object_or_404(Idea, pk=idea_id, board=board)
    services.withdraw_vote(actor=_actor(request), board=board, idea=idea)
    left = board.votes_per_person - services.votes_used(board, request.user)  # type: ignore[arg-type]
    return {"idea": idea.pk, "voted": False, "votes_left": left}


@router.post("/boards/{board_id}/stage", response=BoardOut, url_name="consensus_board_stage")
def move_board(request: HttpRequest, board_id: Id, payload: StageIn) -> dict[str, Any]:
    """Move the board on: gathering → shortlisting → voting → closed. The people who run it only."""
    board = _board(board_id)
    services.move_board(actor=_actor(request), board=board, stage=payload.stage)
    return _out(_board(board_id), request)


@router.post("/boards/{board_id}/merge", response=BoardOut, url_name="consensus_board_merge")
def merge_ideas(request: HttpRequest, board_id: Id, payload: MergeIn) -> dict[str, Any]:
    """Merge a duplicate idea into another on the same board; its votes move with it. The people who run it only."""
    board = _board(board_id)
    services.merge_ideas(
        actor=_actor(request),
        board=board,
        source=_idea(payload.source, "source"),
        target=_idea(payload.target, "target"),
    )
    return _out(_board(board_id), request)


@router.put("/boards/{board_id}/shortlist", response=BoardOut, url_name="consensus_board_shortlist")
def set_shortlist(request: HttpRequest, board_id: Id, payload: ShortlistIn) -> dict[str, Any]:
    """Make exactly these ideas the shortlist, before voting opens. The people who run it only."""
    board = _board(board_id)
    services.set_shortlist(actor=_actor(request), board=board, idea_ids=set(payload.ideas))
    return _out(_board(board_id), request)
