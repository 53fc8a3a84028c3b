"""Who gets what from the decision log's pages and API. Decisions are written by operator_a and kept for team_a
(platform), so admin and operator_a run them; everyone but the viewer may write a new one."""

from dataclasses import dataclass

from steadyops.consensus import decision_services as services
from steadyops.consensus.similar import install_search_index
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
    old: int  # accepted, kept for team_a
    new: int  # proposed, kept for team_a; may replace old


def make_world(personas: Personas) -> World:
    install_search_index()
    actor = Actor(user=personas.operator_a)
    old = services.create_decision(
        actor=actor, title="Deploy weekly", status="accepted", team=personas.team_a, decision_outcome="Tuesdays."
    )
    new = services.create_decision(actor=actor, title="Deploy daily", team=personas.team_a)
    return World(personas=personas, old=old.number, new=new.number)


TAKE_PART_PAGE = by_role(200, 200, 200, 200, 403, 302)
TAKE_PART_POST = by_role(302, 302, 302, 302, 403, 302)
TAKE_PART_API = by_role(201, 201, 201, 201, 403, 401)
DECISION_FORM = {"title": "Keep a spare replica", "status": "proposed", "context": "One is not enough."}


def _new(w: World) -> dict[str, int]:
    return {"number": w.new}


CASES: dict[str, list[Case]] = {
    "consensus_decision_list": [
        Case("GET", SIGNED_IN_PAGE),
        Case("GET", SIGNED_IN_PAGE, query="?q=deploy&status=accepted"),
    ],
    "consensus_decision_create": [
        Case("GET", TAKE_PART_PAGE),
        Case("GET", TAKE_PART_PAGE, query="?title=Deploy+on+Fridays&context=Why+not"),
        Case("POST", TAKE_PART_POST, data=lambda w: DECISION_FORM),
    ],
    "consensus_similar": [Case("GET", SIGNED_IN_PAGE, query="?title=deploy+weekly")],
    "consensus_decision_detail": [Case("GET", SIGNED_IN_PAGE, kwargs=_new)],
    "consensus_decision_edit": [
        Case("GET", TEAM_A_EDIT, kwargs=_new),
        Case("POST", TEAM_A_POST, kwargs=_new, data=lambda w: {"title": "Deploy every day", "status": "accepted"}),
    ],
    "consensus_decision_supersede": [
        Case("GET", TEAM_A_EDIT, kwargs=_new),
        Case("POST", TEAM_A_POST, kwargs=_new, data=lambda w: {"old": w.old}),
    ],
    "consensus_decision_withdraw": [
        Case("GET", TEAM_A_EDIT, kwargs=_new),
        Case("POST", TEAM_A_POST, kwargs=_new),
    ],
    "api:consensus_decisions": [
        Case("GET", API_READ, json=True),
        Case("GET", API_READ, json=True, query="?q=deploy"),
        Case("POST", TAKE_PART_API, json=True, data=lambda w: {"title": "Keep a spare replica"}),
    ],
    "api:consensus_decision": [
        Case("GET", API_READ, json=True, kwargs=_new),
        Case("PATCH", TEAM_A_API, json=True, kwargs=_new, data=lambda w: {"status": "accepted"}),
    ],
    "api:consensus_decision_supersede_api": [
        Case("POST", TEAM_A_API, json=True, kwargs=_new, data=lambda w: {"old": w.old}),
    ],
    "api:consensus_decision_withdraw_api": [Case("POST", TEAM_A_API, json=True, kwargs=_new)],
    "api:consensus_decisions_similar": [Case("GET", API_READ, json=True, query="?text=deploy")],
}
