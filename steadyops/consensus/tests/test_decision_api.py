"""The decision log API: list and search, read, create, change, supersede, withdraw, similar."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from steadyops.consensus import decision_services as services
from steadyops.consensus.models import Decision
from steadyops.consensus.similar import install_search_index
from steadyops.core.actor import Actor
from steadyops.testing.personas import Personas


@pytest.fixture(autouse=True)
def _search_index(db: None) -> None:
    install_search_index()


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _make(personas: Personas, title: str, **kwargs: object) -> Decision:
    return services.create_decision(actor=Actor(user=personas.operator_a), title=title, **kwargs)  # type: ignore[arg-type]


def test_it_lists_newest_first_and_hides_withdrawn(personas: Personas) -> None:
    _make(personas, "First")
    _make(personas, "Second")
    services.withdraw_decision(actor=Actor(user=personas.operator_a), decision=_make(personas, "Typo"))
    response = _client(personas.viewer).get(reverse("api:consensus_decisions"))
    assert response.status_code == 200
    body = response.json()
    assert [item["title"] for item in body["items"]] == ["Second", "First"]
    assert body["count"] == 2
    everything = _client(personas.viewer).get(reverse("api:consensus_decisions"), {"withdrawn": "true"})
    assert everything.json()["count"] == 3


def test_it_searches_with_every_word(personas: Personas) -> None:
    _make(personas, "Use PostgreSQL for billing", decision_outcome="PostgreSQL it is")
    _make(personas, "Use Redis for sessions")
    _make(personas, "Billing runs on Fridays")
    response = _client(personas.viewer).get(reverse("api:consensus_decisions"), {"q": "billing postgresql"})
    assert [item["title"] for item in response.json()["items"]] == ["Use PostgreSQL for billing"]


def test_it_creates_with_links_and_team(personas: Personas) -> None:
    response = _client(personas.operator_a).post(
        reverse("api:consensus_decisions"),
        {"title": "Freeze on Black Friday", "status": "accepted", "team": "platform", "decision_outcome": "Freeze."},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["number"], body["status"], body["team"], body["decision_outcome"]) == (
        1,
        "accepted",
        "platform",
        "Freeze.",
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "status": "superseded"}, "status"),
        ({"title": "ok", "status": "maybe"}, "status"),
        ({"title": "ok", "context_and_problem": "a\x00b"}, "context_and_problem"),
        ({"title": "ok", "context_and_problem": "x" * (services.SECTION_MAX + 1)}, "context_and_problem"),
        ({"title": "ok", "team": "nope"}, "team"),
        ({"title": "ok", "colour": "red"}, "colour"),
        ({"title": "ok", "board": 99999}, "board"),
    ],
)
def test_it_refuses_bad_input_and_writes_nothing(personas: Personas, payload: dict[str, object], field: str) -> None:
    response = _client(personas.operator_a).post(
        reverse("api:consensus_decisions"), payload, content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert field in response.content.decode()
    assert Decision.objects.count() == 0


def test_it_refuses_a_team_the_person_is_not_in(personas: Personas) -> None:
    response = _client(personas.operator_b).post(
        reverse("api:consensus_decisions"), {"title": "x", "team": "platform"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert Decision.objects.count() == 0


def test_it_updates_only_the_fields_sent(personas: Personas) -> None:
    decision = _make(personas, "Old title", consequences="Some.")
    response = _client(personas.operator_a).patch(
        reverse("api:consensus_decision", args=[decision.number]),
        {"title": "New title", "status": "accepted"},
        content_type="application/json",
    )
    assert response.status_code == 200
    decision.refresh_from_db()
    assert (decision.title, decision.status, decision.consequences) == ("New title", "accepted", "Some.")


def test_it_refuses_changes_by_others(personas: Personas) -> None:
    decision = _make(personas, "Mine")
    response = _client(personas.operator_b).patch(
        reverse("api:consensus_decision", args=[decision.number]), {"title": "Theirs"}, content_type="application/json"
    )
    assert response.status_code == 403
    decision.refresh_from_db()
    assert decision.title == "Mine"


def test_it_supersedes_and_shows_the_chain(personas: Personas) -> None:
    old, new = _make(personas, "Weekly deploys"), _make(personas, "Daily deploys")
    client = _client(personas.operator_a)
    response = client.post(
        reverse("api:consensus_decision_supersede_api", args=[new.number]),
        {"old": old.number},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["supersedes"] == old.number
    old_body = client.get(reverse("api:consensus_decision", args=[old.number])).json()
    assert (old_body["status"], old_body["superseded_by"]) == ("superseded", [new.number])
    again = client.post(
        reverse("api:consensus_decision_supersede_api", args=[new.number]),
        {"old": old.number},
        content_type="application/json",
    )
    assert again.status_code == 422
    missing = client.post(
        reverse("api:consensus_decision_supersede_api", args=[new.number]),
        {"old": 999},
        content_type="application/json",
    )
    assert missing.status_code == 422


def test_it_withdraws_once(personas: Personas) -> None:
    decision = _make(personas, "Typo")
    client = _client(personas.operator_a)
    url = reverse("api:consensus_decision_withdraw_api", args=[decision.number])
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 422
    decision.refresh_from_db()
    assert decision.withdrawn_at is not None


def test_it_finds_similar_decisions(personas: Personas) -> None:
    _make(personas, "Use PostgreSQL for billing")
    _make(personas, "Adopt weekly on-call rotation")
    client = _client(personas.viewer)
    response = client.get(reverse("api:consensus_decisions_similar"), {"text": "which database for billing"})
    assert response.status_code == 200
    assert [item["title"] for item in response.json()] == ["Use PostgreSQL for billing"]
    assert client.get(reverse("api:consensus_decisions_similar")).json() == []
    assert client.get(reverse("api:consensus_decisions_similar"), {"limit": 0}).status_code == 422


def test_it_answers_404_for_unknown_numbers(personas: Personas) -> None:
    client = _client(personas.viewer)
    assert client.get(reverse("api:consensus_decision", args=[5])).status_code == 404
    assert client.get("/api/v1/consensus/decisions/99999999999999999999999").status_code in (404, 422)


def test_it_refuses_anonymous_callers_and_viewers_writing(personas: Personas) -> None:
    assert Client().get(reverse("api:consensus_decisions")).status_code == 401
    response = _client(personas.viewer).post(
        reverse("api:consensus_decisions"), {"title": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert Decision.objects.count() == 0
