"""Who gets what from the 0-5 topic pages and API. Topics are raised by operator_a and kept for team_a (platform),
so admin and operator_a run them; nobody is invited by name, so everyone but the viewer may vote."""

from dataclasses import dataclass

from steadyops.consensus import topic_services as services
from steadyops.core.actor import Actor
from steadyops.testing.authz import (
    API_READ,
    SIGNED_IN_PAGE,
    TEAM_A_API,
    TEAM_A_API_CREATE,
    TEAM_A_EDIT,
    TEAM_A_POST,
    Case,
    by_role,
)
from steadyops.testing.personas import Personas


@dataclass
class World:
    personas: Personas
    fresh_id: int  # open, nobody has voted
    voted_id: int  # open, the stakeholder has voted in round 1


def make_world(personas: Personas) -> World:
    actor = Actor(user=personas.operator_a)
    fresh = services.open_topic(actor=actor, question="Move the release day to Tuesday?", team=personas.team_a)
    voted = services.open_topic(actor=actor, question="Adopt a change freeze in December?", team=personas.team_a)
    services.cast_vote(actor=Actor(user=personas.stakeholder), topic=voted, value=1, reason="Campaigns run then.")
    return World(personas=personas, fresh_id=fresh.pk, voted_id=voted.pk)


TOPIC_FORM = {"question": "Rotate on-call weekly?", "rule": "practice"}
TAKE_PART_PAGE = by_role(200, 200, 200, 200, 403, 302)
TAKE_PART_POST = by_role(302, 302, 302, 302, 403, 302)
TAKE_PART_API = by_role(201, 201, 201, 201, 403, 401)
POST_ONLY = by_role(405, 405, 405, 405, 405, 302)


def _fresh(w: World) -> dict[str, int]:
    return {"pk": w.fresh_id}


def _voted(w: World) -> dict[str, int]:
    return {"pk": w.voted_id}


CASES: dict[str, list[Case]] = {
    "consensus_topic_list": [Case("GET", SIGNED_IN_PAGE), Case("GET", SIGNED_IN_PAGE, query="?show=closed")],
    "consensus_topic_create": [
        Case("GET", TAKE_PART_PAGE),
        Case("GET", TAKE_PART_PAGE, query="?question=From+a+board&board=3"),
        Case("POST", TAKE_PART_POST, data=lambda w: TOPIC_FORM),
    ],
    "consensus_topic_detail": [
        Case("GET", SIGNED_IN_PAGE, kwargs=_fresh),
        Case("GET", SIGNED_IN_PAGE, kwargs=_voted),
    ],
    "consensus_topic_edit": [
        Case("GET", TEAM_A_EDIT, kwargs=_fresh),
        Case("POST", TEAM_A_POST, kwargs=_fresh, data=lambda w: TOPIC_FORM),
    ],
    "consensus_topic_vote": [
        Case("POST", TAKE_PART_POST, kwargs=_fresh, data=lambda w: {"value": "4"}),
        Case("GET", POST_ONLY, kwargs=_fresh),
    ],
    "consensus_topic_next_round": [
        Case("POST", TEAM_A_POST, kwargs=_voted, data=lambda w: {"note": "December campaigns moved to November."}),
    ],
    "consensus_topic_close": [
        Case("POST", TEAM_A_POST, kwargs=_voted, data=lambda w: {"outcome": "No freeze this year."}),
        Case("GET", POST_ONLY, kwargs=_voted),
    ],
    "consensus_topic_archive": [Case("POST", TEAM_A_POST, kwargs=_voted)],
    "api:consensus_topics": [
        Case("GET", API_READ, json=True),
        Case("POST", TAKE_PART_API, json=True, data=lambda w: {"question": "Rotate on-call weekly?"}),
    ],
    "api:consensus_topic": [Case("GET", API_READ, json=True, kwargs=lambda w: {"topic_id": w.voted_id})],
    "api:consensus_topic_votes": [
        Case("POST", TAKE_PART_API, json=True, kwargs=lambda w: {"topic_id": w.fresh_id}, data=lambda w: {"value": 4}),
    ],
    "api:consensus_topic_rounds": [
        Case(
            "POST",
            TEAM_A_API_CREATE,
            json=True,
            kwargs=lambda w: {"topic_id": w.voted_id},
            data=lambda w: {"note": "December campaigns moved to November."},
        ),
    ],
    "api:consensus_topic_close": [
        Case(
            "POST",
            TEAM_A_API,
            json=True,
            kwargs=lambda w: {"topic_id": w.voted_id},
            data=lambda w: {"outcome": "No freeze this year."},
        ),
    ],
}
