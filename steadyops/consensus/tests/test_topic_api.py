"""The topics API: raise, vote, rounds, close; results hidden by the pages' rule; errors in the one shape."""

from typing import Any

import pytest

from steadyops.api.testing import assert_error, client_for, send
from steadyops.consensus import topic_services as services
from steadyops.consensus.models.topics import Topic, TopicStatus, Vote
from steadyops.core.actor import Actor
from steadyops.testing.personas import Personas

BASE = "/api/v1/consensus/topics"


def raise_topic(personas: Personas, **kwargs: object) -> Topic:
    defaults: dict[str, object] = {"question": "Move the release day to Tuesday?", "team": personas.team_a}
    return services.open_topic(actor=Actor(user=personas.operator_a), **{**defaults, **kwargs})  # type: ignore[arg-type]


def test_it_raises_a_topic(personas: Personas) -> None:
    response = send(
        client_for(personas.stakeholder),
        "POST",
        BASE,
        {
            "question": "Announce launches a week earlier?",
            "invited_teams": ["platform"],
            "invited_people": ["operator_b"],
            "deadline": "2099-05-01T17:00:00+02:00",
            "rule": "everyone_3",
            "quorum": 2,
            "anonymous": True,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["question"], body["created_by"], body["rule"], body["quorum"], body["anonymous"]) == (
        "Announce launches a week earlier?",
        "stakeholder",
        "everyone_3",
        2,
        True,
    )
    assert (body["invited_teams"], body["invited_people"], body["status"]) == (["platform"], ["operator_b"], "open")
    assert (body["current_round"], body["you_may_vote"], body["you_voted"]) == (1, True, False)
    assert body["rounds"][0]["result"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "question"),
        ({"question": ""}, "question"),
        ({"question": "x" * 201}, "question"),
        ({"question": "Q?", "context": "x" * 10_001}, "context"),
        ({"question": "Q?", "rule": "most"}, "rule"),
        ({"question": "Q?", "quorum": 0}, "quorum"),
        ({"question": "Q?", "anonymous": "yes"}, "anonymous"),
        ({"question": "Q?", "invited_people": ["nobody"]}, "invited_people"),
        ({"question": "Q?", "invited_teams": ["nowhere"]}, "invited_teams"),
        ({"question": "Q?", "team": "checkout"}, "team"),
        ({"question": "Q?", "deadline": "2001-01-01T00:00:00Z"}, "deadline"),
        ({"question": "Q?", "colour": "red"}, "colour"),
    ],
)
def test_it_refuses_a_bad_topic(personas: Personas, payload: dict[str, Any], field: str) -> None:
    error = assert_error(send(client_for(personas.operator_a), "POST", BASE, payload), 422, "invalid")
    assert field in [detail["field"] for detail in error["details"]]
    assert not Topic.objects.exists()


def test_it_refuses_viewers_raising_topics(personas: Personas) -> None:
    assert_error(send(client_for(personas.viewer), "POST", BASE, {"question": "Q?"}), 403, "forbidden")


def test_it_refuses_a_body_that_is_not_json(personas: Personas) -> None:
    assert_error(send(client_for(personas.operator_a), "POST", BASE, "{not json"), 400, "bad_request")


def test_it_votes_and_then_shows_the_results(personas: Personas) -> None:
    topic = raise_topic(personas)
    services.cast_vote(actor=Actor(user=personas.admin), topic=topic, value=0, reason="Support is off on Tuesdays.")
    client = client_for(personas.operator_b)
    before = client.get(f"{BASE}/{topic.pk}").json()
    assert before["rounds"][0]["result"] is None
    assert before["rounds"][0]["votes"] == 1
    response = send(client, "POST", f"{BASE}/{topic.pk}/votes", {"value": 5, "reason": "Fine by us."})
    assert response.status_code == 201
    result = response.json()["rounds"][0]["result"]
    assert [count["votes"] for count in result["counts"]] == [1, 0, 0, 0, 0, 1]
    assert result["counts"][0]["label"] == "I block this: I need changes"
    assert (result["verdict"], result["blocks"], result["total"]) == ("undecided", 1, 2)
    assert result["block_reasons"] == [{"value": 0, "reason": "Support is off on Tuesdays.", "voter": "admin"}]
    assert response.json()["you_voted"] is True


@pytest.mark.parametrize(
    "payload", [{"value": 6}, {"value": -1}, {"value": "4"}, {"value": 4.5}, {"value": True}, {}, {"reason": "x"}]
)
def test_it_refuses_values_outside_0_to_5(personas: Personas, payload: dict[str, Any]) -> None:
    topic = raise_topic(personas)
    response = send(client_for(personas.operator_b), "POST", f"{BASE}/{topic.pk}/votes", payload)
    assert_error(response, 422, "invalid")
    assert not Vote.objects.exists()


def test_it_needs_a_reason_for_a_block(personas: Personas) -> None:
    topic = raise_topic(personas)
    response = send(client_for(personas.operator_b), "POST", f"{BASE}/{topic.pk}/votes", {"value": 0})
    error = assert_error(response, 422, "invalid")
    assert error["message"] == "reason: A block (0) needs a reason: say what you need changed."
    assert not Vote.objects.exists()


def test_it_answers_409_to_a_second_vote_and_to_votes_after_close(personas: Personas) -> None:
    topic = raise_topic(personas)
    client = client_for(personas.operator_b)
    assert send(client, "POST", f"{BASE}/{topic.pk}/votes", {"value": 4}).status_code == 201
    error = assert_error(send(client, "POST", f"{BASE}/{topic.pk}/votes", {"value": 5}), 409, "conflict")
    assert error["message"] == services.ALREADY_VOTED
    services.close_topic(actor=Actor(user=personas.operator_a), topic=topic, outcome="Tuesday.")
    response = send(client_for(personas.stakeholder), "POST", f"{BASE}/{topic.pk}/votes", {"value": 5})
    assert_error(response, 409, "conflict")
    assert Vote.objects.count() == 1


def test_it_refuses_uninvited_voters_and_viewers(personas: Personas) -> None:
    topic = raise_topic(personas, invited_teams=[personas.team_b])
    for person in (personas.stakeholder, personas.viewer):
        response = send(client_for(person), "POST", f"{BASE}/{topic.pk}/votes", {"value": 4})
        assert_error(response, 403, "forbidden")
    assert not Vote.objects.exists()


def test_it_needs_the_write_scope_to_vote(personas: Personas) -> None:
    topic = raise_topic(personas)
    response = send(client_for(personas.operator_b, scopes=["read"]), "POST", f"{BASE}/{topic.pk}/votes", {"value": 4})
    assert_error(response, 403, "forbidden")


def test_it_opens_rounds_and_closes(personas: Personas) -> None:
    topic = raise_topic(personas)
    client = client_for(personas.operator_a)
    assert_error(send(client, "POST", f"{BASE}/{topic.pk}/rounds", {"note": "x"}), 409, "conflict")
    services.cast_vote(actor=Actor(user=personas.operator_b), topic=topic, value=2)
    assert_error(send(client, "POST", f"{BASE}/{topic.pk}/rounds", {"note": ""}), 422, "invalid")
    response = send(client, "POST", f"{BASE}/{topic.pk}/rounds", {"note": "Support agreed."})
    assert response.status_code == 201
    assert [r["number"] for r in response.json()["rounds"]] == [2, 1]
    assert_error(send(client, "POST", f"{BASE}/{topic.pk}/close", {"outcome": " "}), 422, "invalid")
    assert_error(send(client, "POST", f"{BASE}/{topic.pk}/close", {}), 422, "invalid")
    response = send(client, "POST", f"{BASE}/{topic.pk}/close", {"outcome": "Tuesday."})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["outcome"]) == ("closed", "Tuesday.")
    # Closed: everyone sees every round's result, the viewer too.
    viewer = client_for(personas.viewer).get(f"{BASE}/{topic.pk}").json()
    assert viewer["rounds"][1]["result"]["verdict"] == "more_discussion"
    assert_error(send(client, "POST", f"{BASE}/{topic.pk}/close", {"outcome": "Again."}), 409, "conflict")


def test_it_lists_topics_with_filters(personas: Personas) -> None:
    raise_topic(personas, question="Open one?")
    closed = raise_topic(personas, question="Closed one?")
    services.close_topic(actor=Actor(user=personas.operator_a), topic=closed, outcome="Done.")
    client = client_for(personas.viewer, scopes=["read"])
    body = client.get(BASE).json()
    assert [item["question"] for item in body["items"]] == ["Open one?", "Closed one?"]
    body = client.get(f"{BASE}?show=open").json()
    assert [item["question"] for item in body["items"]] == ["Open one?"]
    assert_error(client.get(f"{BASE}?show=everything"), 422, "invalid")
    assert client.get(f"{BASE}?show=closed").json()["items"][0]["status"] == TopicStatus.CLOSED


def test_it_lists_in_a_bounded_number_of_queries(personas: Personas, django_assert_max_num_queries: Any) -> None:
    for number in range(25):
        raise_topic(personas, question=f"Q{number}?", invited_teams=[personas.team_b])
    client = client_for(personas.viewer)
    with django_assert_max_num_queries(10):
        assert client.get(f"{BASE}?page_size=25").json()["count"] == 25


@pytest.mark.parametrize("topic_id", ["999999", "0", "99999999999999999999"])
def test_it_answers_404_for_missing_topics(personas: Personas, topic_id: str) -> None:
    assert_error(client_for(personas.viewer).get(f"{BASE}/{topic_id}"), 404, "not_found")


def test_it_needs_a_signed_in_caller(personas: Personas) -> None:
    assert_error(client_for(None).get(BASE), 401, "not_authenticated")
