"""Who gets what from the idea-board and working-session pages and API. Boards and sessions are opened by
operator_a and kept for team_a (platform), so admin and operator_a run them; everyone but the viewer adds ideas
and votes."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from steadyops.consensus import board_services as boards
from steadyops.consensus import session_services as sessions
from steadyops.consensus.models.boards import BoardStage, IdeaBoard
from steadyops.core.actor import Actor
from steadyops.testing.authz import (
    API_READ,
    SIGNED_IN_PAGE,
    TEAM_A_API,
    TEAM_A_EDIT,
    TEAM_A_POST,
    Case,
    by_role,
)
from steadyops.testing.personas import Personas


@dataclass
class World:
    personas: Personas
    gathering_id: int
    gathering_ideas: list[int]
    shortlisting_id: int
    shortlisting_ideas: list[int]
    voting_id: int
    voting_ideas: list[int]  # everyone but the viewer has voted for the second
    closed_id: int
    session_id: int
    conflict_id: int
    written_id: int  # a session with its record written and nothing open: ready to be marked written down


def _board(personas: Personas, title: str, stage: str) -> tuple[IdeaBoard, list[int]]:
    runner = Actor(user=personas.operator_a)
    board = boards.create_board(actor=runner, title=title, question="How do we cut pages?", team=personas.team_a)
    ideas = [
        boards.add_idea(actor=Actor(user=personas.stakeholder), board=board, text=text).pk
        for text in ("Group alerts", "Tune disk alerts")
    ]
    if stage in (BoardStage.SHORTLISTING, BoardStage.VOTING, BoardStage.CLOSED):
        boards.move_board(actor=runner, board=board, stage=BoardStage.SHORTLISTING)
    if stage in (BoardStage.VOTING, BoardStage.CLOSED):
        boards.move_board(actor=runner, board=board, stage=BoardStage.VOTING)
    if stage == BoardStage.CLOSED:
        boards.move_board(actor=runner, board=board, stage=BoardStage.CLOSED)
    return board, ideas


def make_world(personas: Personas) -> World:
    gathering, gathering_ideas = _board(personas, "Gathering", BoardStage.GATHERING)
    shortlisting, shortlisting_ideas = _board(personas, "Shortlisting", BoardStage.SHORTLISTING)
    voting, voting_ideas = _board(personas, "Voting", BoardStage.VOTING)
    second = voting.ideas.get(pk=voting_ideas[1])
    for voter in (personas.admin, personas.operator_a, personas.operator_b, personas.stakeholder):
        boards.vote(actor=Actor(user=voter), board=voting, idea=second)
    closed, _ = _board(personas, "Closed", BoardStage.CLOSED)
    runner = Actor(user=personas.operator_a)
    session = sessions.create_session(actor=runner, title="Paging rules", team=personas.team_a)
    conflict = sessions.add_conflict(actor=runner, session=session, description="Who is paged?")
    written = sessions.create_session(actor=runner, title="Backups", team=personas.team_a)
    sessions.write_record(actor=runner, session=written, record="We agreed.")
    return World(
        personas=personas,
        gathering_id=gathering.pk,
        gathering_ideas=gathering_ideas,
        shortlisting_id=shortlisting.pk,
        shortlisting_ideas=shortlisting_ideas,
        voting_id=voting.pk,
        voting_ideas=voting_ideas,
        closed_id=closed.pk,
        session_id=session.pk,
        conflict_id=conflict.pk,
        written_id=written.pk,
    )


TAKE_PART_PAGE = by_role(200, 200, 200, 200, 403, 302)
TAKE_PART_POST = by_role(302, 302, 302, 302, 403, 302)
TAKE_PART_API = by_role(201, 201, 201, 201, 403, 401)
TAKE_PART_API_OK = by_role(200, 200, 200, 200, 403, 401)
POST_ONLY = by_role(405, 405, 405, 405, 405, 302)


def _pk(attribute: str) -> Callable[[Any], dict[str, Any]]:
    return lambda w: {"pk": getattr(w, attribute)}


def _board_id(attribute: str) -> Callable[[Any], dict[str, Any]]:
    return lambda w: {"board_id": getattr(w, attribute)}


CASES: dict[str, list[Case]] = {
    "consensus_board_list": [Case("GET", SIGNED_IN_PAGE), Case("GET", SIGNED_IN_PAGE, query="?page=2")],
    "consensus_board_create": [
        Case("GET", TAKE_PART_PAGE),
        Case("POST", TAKE_PART_POST, data=lambda w: {"title": "T", "question": "Q?", "votes_per_person": "5"}),
    ],
    "consensus_board_detail": [
        Case("GET", SIGNED_IN_PAGE, kwargs=_pk("gathering_id")),
        Case("GET", SIGNED_IN_PAGE, kwargs=_pk("shortlisting_id")),
        Case("GET", SIGNED_IN_PAGE, kwargs=_pk("voting_id")),
        Case("GET", SIGNED_IN_PAGE, kwargs=_pk("closed_id")),
    ],
    "consensus_board_idea_add": [
        Case("POST", TAKE_PART_POST, kwargs=_pk("gathering_id"), data=lambda w: {"text": "Mine"}),
        Case("GET", POST_ONLY, kwargs=_pk("gathering_id")),
    ],
    "consensus_board_vote": [
        Case(
            "POST",
            TAKE_PART_POST,
            kwargs=lambda w: {"pk": w.voting_id, "idea_pk": w.voting_ideas[0]},
            data=lambda w: {"vote": "yes"},
        ),
        Case(
            "POST",
            TAKE_PART_POST,
            kwargs=lambda w: {"pk": w.voting_id, "idea_pk": w.voting_ideas[1]},
            data=lambda w: {"vote": "no"},
        ),
        Case("GET", POST_ONLY, kwargs=lambda w: {"pk": w.voting_id, "idea_pk": w.voting_ideas[0]}),
    ],
    "consensus_board_shortlist": [
        Case(
            "POST",
            TEAM_A_POST,
            kwargs=_pk("shortlisting_id"),
            # Sent form-encoded: one value of the checkbox list.
            data=lambda w: {"ideas": str(w.shortlisting_ideas[0])},
        ),
    ],
    "consensus_board_merge": [
        Case(
            "POST",
            TEAM_A_POST,
            kwargs=_pk("gathering_id"),
            data=lambda w: {"source": w.gathering_ideas[1], "target": w.gathering_ideas[0]},
        ),
    ],
    "consensus_board_stage": [
        Case("POST", TEAM_A_POST, kwargs=_pk("gathering_id"), data=lambda w: {"stage": "shortlisting"}),
        Case("POST", TEAM_A_POST, kwargs=_pk("voting_id"), data=lambda w: {"stage": "closed"}),
    ],
    "consensus_board_archive": [
        Case("POST", TEAM_A_POST, kwargs=_pk("gathering_id")),
        Case("GET", POST_ONLY, kwargs=_pk("gathering_id")),
    ],
    "consensus_session_list": [Case("GET", SIGNED_IN_PAGE)],
    "consensus_session_create": [
        Case("GET", TAKE_PART_PAGE),
        Case("POST", TAKE_PART_POST, data=lambda w: {"title": "Launch checklist"}),
    ],
    "consensus_session_detail": [
        Case("GET", SIGNED_IN_PAGE, kwargs=_pk("session_id")),
        Case("GET", SIGNED_IN_PAGE, kwargs=_pk("written_id")),
    ],
    "consensus_session_conflict_add": [
        Case("POST", TEAM_A_POST, kwargs=_pk("session_id"), data=lambda w: {"description": "Another point"}),
    ],
    "consensus_session_conflict_edit": [
        Case("GET", TEAM_A_EDIT, kwargs=lambda w: {"pk": w.session_id, "conflict_pk": w.conflict_id}),
        Case(
            "POST",
            TEAM_A_POST,
            kwargs=lambda w: {"pk": w.session_id, "conflict_pk": w.conflict_id},
            data=lambda w: {"description": "Who is paged?", "resolution": "Platform.", "resolved": "on"},
        ),
    ],
    "consensus_session_record": [
        Case("GET", TEAM_A_EDIT, kwargs=_pk("session_id")),
        Case("POST", TEAM_A_POST, kwargs=_pk("session_id"), data=lambda w: {"record": "We agreed."}),
    ],
    "consensus_session_mark_recorded": [
        Case("POST", TEAM_A_POST, kwargs=_pk("written_id")),
        Case("GET", POST_ONLY, kwargs=_pk("written_id")),
    ],
    # API
    "api:consensus_boards": [
        Case("GET", API_READ, json=True),
        Case("POST", TAKE_PART_API, json=True, data=lambda w: {"title": "T", "question": "Q?"}),
    ],
    "api:consensus_board": [
        Case("GET", API_READ, json=True, kwargs=_board_id("voting_id")),
        Case("GET", API_READ, json=True, kwargs=_board_id("closed_id")),
    ],
    "api:consensus_board_ideas": [
        Case("POST", TAKE_PART_API, json=True, kwargs=_board_id("gathering_id"), data=lambda w: {"text": "Mine"}),
    ],
    "api:consensus_board_vote": [
        Case(
            "POST", TAKE_PART_API, json=True, kwargs=lambda w: {"board_id": w.voting_id, "idea_id": w.voting_ideas[0]}
        ),
        Case(
            "DELETE",
            TAKE_PART_API_OK,
            json=True,
            kwargs=lambda w: {"board_id": w.voting_id, "idea_id": w.voting_ideas[1]},
        ),
    ],
    "api:consensus_board_stage": [
        Case(
            "POST",
            TEAM_A_API,
            json=True,
            kwargs=_board_id("gathering_id"),
            data=lambda w: {"stage": "shortlisting"},
        ),
    ],
    "api:consensus_board_merge": [
        Case(
            "POST",
            TEAM_A_API,
            json=True,
            kwargs=_board_id("gathering_id"),
            data=lambda w: {"source": w.gathering_ideas[1], "target": w.gathering_ideas[0]},
        ),
    ],
    "api:consensus_board_shortlist": [
        Case(
            "PUT",
            TEAM_A_API,
            json=True,
            kwargs=_board_id("shortlisting_id"),
            data=lambda w: {"ideas": [w.shortlisting_ideas[0]]},
        ),
    ],
}
