"""The idea-board API: boards, ideas, votes, stages and merges, and its errors in the one shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from steadyops.api.testing import assert_error, client_for, send
from steadyops.consensus import board_services as services
from steadyops.consensus.models.boards import BoardStage, Idea, IdeaBoard, IdeaVote
from steadyops.core.actor import Actor
from steadyops.testing.personas import Personas


def _board(personas: Personas, ideas: int = 0, stage: str = BoardStage.GATHERING, title: str = "Night") -> IdeaBoard:
    board = services.create_board(
        actor=Actor(user=personas.operator_a), title=title, question="How do we cut pages?", team=personas.team_a
    )
    for n in range(1, ideas + 1):
        services.add_idea(actor=Actor(user=personas.stakeholder), board=board, text=f"Idea {n}")
    if stage in (BoardStage.VOTING, BoardStage.CLOSED):
        services.move_board(actor=Actor(user=personas.operator_a), board=board, stage=BoardStage.VOTING)
    if stage == BoardStage.CLOSED:
        services.move_board(actor=Actor(user=personas.operator_a), board=board, stage=BoardStage.CLOSED)
    return board


def _ideas(board: IdeaBoard) -> list[Idea]:
    return list(Idea.objects.filter(board=board).order_by("pk"))


def _vote_url(board: IdeaBoard, idea: Idea) -> str:
    return reverse("api:consensus_board_vote", kwargs={"board_id": board.pk, "idea_id": idea.pk})


def test_it_creates_a_board(personas: Personas) -> None:
    response = send(
        client_for(personas.operator_a),
        "POST",
        reverse("api:consensus_boards"),
        {"title": "Night pages", "question": "How?", "team": "platform", "votes_per_person": 3},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["title"], body["team"], body["stage"], body["votes_per_person"]) == (
        "Night pages",
        "platform",
        "gathering",
        3,
    )
    assert (body["created_by"], body["results"], body["votes_left"]) == ("operator_a", None, 3)
    assert IdeaBoard.objects.get().pk == body["id"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"question": "Q"}, "title"),
        ({"title": "", "question": "Q"}, "title"),
        ({"title": "T" * 201, "question": "Q"}, "title"),
        ({"title": "T\x00", "question": "Q"}, "title"),
        ({"title": "T", "question": "Q", "votes_per_person": 11}, "votes_per_person"),
        ({"title": "T", "question": "Q", "votes_per_person": "5"}, "votes_per_person"),
        ({"title": "T", "question": "Q", "team": "nowhere"}, "team"),
        ({"title": "T", "question": "Q", "colour": "red"}, "colour"),
    ],
)
def test_it_refuses_a_bad_board(personas: Personas, payload: dict[str, Any], field: str) -> None:
    response = send(client_for(personas.operator_a), "POST", reverse("api:consensus_boards"), payload)
    error = assert_error(response, 422, "invalid")
    assert error["details"][0]["field"] == field
    assert not IdeaBoard.objects.exists()


def test_it_refuses_a_board_for_someone_elses_team(personas: Personas) -> None:
    response = send(
        client_for(personas.operator_a),
        "POST",
        reverse("api:consensus_boards"),
        {"title": "T", "question": "Q", "team": "checkout"},
    )
    error = assert_error(response, 422, "invalid")
    assert "not in the team Checkout" in error["message"]


def test_it_refuses_viewers_and_anonymous_callers(personas: Personas) -> None:
    url = reverse("api:consensus_boards")
    assert_error(send(client_for(personas.viewer), "POST", url, {"title": "T", "question": "Q"}), 403, "forbidden")
    assert_error(send(client_for(None), "POST", url, {"title": "T", "question": "Q"}), 401, "not_authenticated")
    assert_error(client_for(None).get(url), 401, "not_authenticated")
    assert not IdeaBoard.objects.exists()


def test_it_lists_boards_newest_first(personas: Personas) -> None:
    _board(personas, ideas=2, title="Older")
    _board(personas, title="Newer")
    response = client_for(personas.viewer).get(reverse("api:consensus_boards"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [(item["title"], item["idea_count"]) for item in body["items"]] == [("Newer", 0), ("Older", 2)]


def test_it_adds_ideas_and_keeps_anonymous_ones_nameless(personas: Personas) -> None:
    board = _board(personas)
    board.allow_anonymous_ideas = True
    board.save()
    url = reverse("api:consensus_board_ideas", kwargs={"board_id": board.pk})
    named = send(client_for(personas.stakeholder), "POST", url, {"text": "Tune the disk alert"})
    nameless = send(client_for(personas.stakeholder), "POST", url, {"text": "Fewer alerts", "anonymous": True})
    assert named.status_code == nameless.status_code == 201
    assert named.json()["author"] == "stakeholder"
    assert nameless.json()["author"] is None
    ideas = (
        client_for(personas.viewer).get(reverse("api:consensus_board", kwargs={"board_id": board.pk})).json()["ideas"]
    )
    assert [(idea["text"], idea["author"]) for idea in ideas] == [
        ("Tune the disk alert", "stakeholder"),
        ("Fewer alerts", None),
    ]


@pytest.mark.parametrize(("payload", "status"), [({"text": ""}, 422), ({"text": "x" * 501}, 422), ({}, 422)])
def test_it_refuses_empty_and_oversized_ideas(personas: Personas, payload: dict[str, Any], status: int) -> None:
    board = _board(personas)
    url = reverse("api:consensus_board_ideas", kwargs={"board_id": board.pk})
    assert_error(send(client_for(personas.stakeholder), "POST", url, payload), status, "invalid")
    assert not Idea.objects.exists()


def test_it_refuses_ideas_after_gathering(personas: Personas) -> None:
    board = _board(personas, ideas=1, stage=BoardStage.VOTING)
    url = reverse("api:consensus_board_ideas", kwargs={"board_id": board.pk})
    error = assert_error(send(client_for(personas.stakeholder), "POST", url, {"text": "Late"}), 422, "invalid")
    assert "stopped gathering ideas" in error["message"]
    assert Idea.objects.count() == 1


def test_it_refuses_ideas_from_viewers(personas: Personas) -> None:
    board = _board(personas)
    url = reverse("api:consensus_board_ideas", kwargs={"board_id": board.pk})
    assert_error(send(client_for(personas.viewer), "POST", url, {"text": "x"}), 403, "forbidden")


def test_it_counts_votes_and_refuses_a_sixth_with_422(personas: Personas) -> None:
    board = _board(personas, ideas=6, stage=BoardStage.VOTING)
    ideas = _ideas(board)
    client = client_for(personas.stakeholder)
    for left, idea in zip(range(4, -1, -1), ideas[:5], strict=True):
        response = send(client, "POST", _vote_url(board, idea))
        assert response.status_code == 201
        assert response.json() == {"idea": idea.pk, "voted": True, "votes_left": left}
    error = assert_error(send(client, "POST", _vote_url(board, ideas[5])), 422, "invalid")
    assert error["message"] == (
        "You have used all 5 of your votes. Take one back from another idea to vote for this one."
    )
    assert IdeaVote.objects.count() == 5
    response = send(client, "DELETE", _vote_url(board, ideas[0]))
    assert response.json() == {"idea": ideas[0].pk, "voted": False, "votes_left": 1}
    assert send(client, "POST", _vote_url(board, ideas[5])).status_code == 201


def test_it_refuses_a_second_vote_and_votes_outside_voting(personas: Personas) -> None:
    board = _board(personas, ideas=1, stage=BoardStage.VOTING)
    (idea,) = _ideas(board)
    client = client_for(personas.stakeholder)
    send(client, "POST", _vote_url(board, idea))
    error = assert_error(send(client, "POST", _vote_url(board, idea)), 422, "invalid")
    assert error["message"] == "You have already voted for this idea."
    services.move_board(actor=Actor(user=personas.operator_a), board=board, stage=BoardStage.CLOSED)
    error = assert_error(send(client, "DELETE", _vote_url(board, idea)), 422, "invalid")
    assert error["message"] == "Voting is not open on this board."
    assert IdeaVote.objects.count() == 1


def test_it_refuses_votes_from_viewers_and_anonymous_callers(personas: Personas) -> None:
    board = _board(personas, ideas=1, stage=BoardStage.VOTING)
    (idea,) = _ideas(board)
    assert_error(send(client_for(personas.viewer), "POST", _vote_url(board, idea)), 403, "forbidden")
    assert_error(send(client_for(None), "POST", _vote_url(board, idea)), 401, "not_authenticated")
    assert not IdeaVote.objects.exists()


def test_it_answers_404_for_an_idea_of_another_board(personas: Personas) -> None:
    board = _board(personas, ideas=1, stage=BoardStage.VOTING)
    other = _board(personas, ideas=1, stage=BoardStage.VOTING, title="Other")
    (theirs,) = _ideas(other)
    url = reverse("api:consensus_board_vote", kwargs={"board_id": board.pk, "idea_id": theirs.pk})
    assert_error(send(client_for(personas.stakeholder), "POST", url), 404, "not_found")
    huge = reverse("api:consensus_board", kwargs={"board_id": 2**70})
    assert_error(client_for(personas.stakeholder).get(huge), 422, "invalid")


def test_it_hides_results_until_the_caller_has_voted(personas: Personas) -> None:
    board = _board(personas, ideas=2, stage=BoardStage.VOTING)
    one, two = _ideas(board)
    services.vote(actor=Actor(user=personas.operator_b), board=board, idea=one)
    url = reverse("api:consensus_board", kwargs={"board_id": board.pk})
    client = client_for(personas.stakeholder)
    assert client.get(url).json()["results"] is None
    send(client, "POST", _vote_url(board, two))
    results = client.get(url).json()["results"]
    assert [(item["text"], item["votes"], item["rank_label"]) for item in results] == [
        ("Idea 1", 1, "=1"),
        ("Idea 2", 1, "=1"),
    ]
    assert client_for(personas.viewer).get(url).json()["results"] is None


def test_it_moves_stages_and_refuses_others(personas: Personas) -> None:
    board = _board(personas, ideas=1)
    url = reverse("api:consensus_board_stage", kwargs={"board_id": board.pk})
    assert_error(send(client_for(personas.stakeholder), "POST", url, {"stage": "voting"}), 403, "forbidden")
    assert_error(send(client_for(personas.operator_a), "POST", url, {"stage": "done"}), 422, "invalid")
    error = assert_error(send(client_for(personas.operator_a), "POST", url, {"stage": "closed"}), 422, "invalid")
    assert "cannot move" in error["message"]
    response = send(client_for(personas.operator_a), "POST", url, {"stage": "voting"})
    assert response.status_code == 200
    assert response.json()["stage"] == "voting"
    assert response.json()["ballot"] == [idea.pk for idea in _ideas(board)]


def test_it_merges_and_refuses_bad_merges(personas: Personas) -> None:
    board = _board(personas, ideas=2)
    other = _board(personas, ideas=1, title="Other")
    one, two = _ideas(board)
    (theirs,) = _ideas(other)
    url = reverse("api:consensus_board_merge", kwargs={"board_id": board.pk})
    runner = client_for(personas.operator_a)
    error = assert_error(send(runner, "POST", url, {"source": one.pk, "target": one.pk}), 422, "invalid")
    assert "into itself" in error["message"]
    error = assert_error(send(runner, "POST", url, {"source": one.pk, "target": theirs.pk}), 422, "invalid")
    assert "on another board" in error["message"]
    error = assert_error(send(runner, "POST", url, {"source": one.pk, "target": 999999}), 422, "invalid")
    assert error["details"][0]["field"] == "target"
    assert_error(
        send(client_for(personas.stakeholder), "POST", url, {"source": two.pk, "target": one.pk}), 403, "forbidden"
    )
    response = send(runner, "POST", url, {"source": two.pk, "target": one.pk})
    assert response.status_code == 200
    assert [(idea["id"], idea["merged_into"]) for idea in response.json()["ideas"]] == [
        (one.pk, None),
        (two.pk, one.pk),
    ]


def test_it_sets_the_shortlist(personas: Personas) -> None:
    board = _board(personas, ideas=3)
    one, _, three = _ideas(board)
    url = reverse("api:consensus_board_shortlist", kwargs={"board_id": board.pk})
    response = send(client_for(personas.operator_a), "PUT", url, {"ideas": [one.pk, three.pk]})
    assert response.status_code == 200
    assert [idea["id"] for idea in response.json()["ideas"] if idea["shortlisted"]] == [one.pk, three.pk]
    assert_error(send(client_for(personas.operator_a), "PUT", url, {"ideas": [0]}), 422, "invalid")


def test_it_needs_the_csrf_token_from_a_browser_session(personas: Personas) -> None:
    board = _board(personas, ideas=1)
    url = reverse("api:consensus_board_ideas", kwargs={"board_id": board.pk})
    response = send(client_for(personas.stakeholder, session=True), "POST", url, {"text": "x"})
    assert_error(response, 403, "forbidden")
    assert Idea.objects.count() == 1
