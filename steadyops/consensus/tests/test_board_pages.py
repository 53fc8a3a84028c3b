"""The idea-board pages: list, opening a board, and each stage of the board page, with htmx and without."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from steadyops.consensus import board_services as services
from steadyops.consensus.models.boards import BoardStage, Idea, IdeaBoard, IdeaVote
from steadyops.core.actor import Actor
from steadyops.testing.personas import Personas

HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _board(personas: Personas, ideas: int = 0, stage: str = BoardStage.GATHERING, **kwargs: object) -> IdeaBoard:
    board = services.create_board(
        actor=Actor(user=personas.operator_a),
        title=str(kwargs.pop("title", "Night pages")),
        question="How do we cut pages at night?",
        team=personas.team_a,
        **kwargs,  # type: ignore[arg-type]
    )
    for n in range(1, ideas + 1):
        services.add_idea(actor=Actor(user=personas.stakeholder), board=board, text=f"Idea {n}")
    if stage in (BoardStage.VOTING, BoardStage.CLOSED):
        services.move_board(actor=Actor(user=personas.operator_a), board=board, stage=BoardStage.VOTING)
    if stage == BoardStage.SHORTLISTING:
        services.move_board(actor=Actor(user=personas.operator_a), board=board, stage=BoardStage.SHORTLISTING)
    return board


def _close(personas: Personas, board: IdeaBoard) -> None:
    services.move_board(actor=Actor(user=personas.operator_a), board=board, stage=BoardStage.CLOSED)


def _ideas(board: IdeaBoard) -> list[Idea]:
    return list(Idea.objects.filter(board=board).order_by("pk"))


# --- List and create ----------------------------------------------------------


def test_it_lists_boards_with_bounded_queries(personas: Personas, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    for n in range(12):
        _board(personas, ideas=2, title=f"Board {n}")
    client = _client(personas.viewer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("consensus_board_list"))
    assert response.status_code == 200
    assert len(re.findall(r'href="/consensus/boards/\d+/"', response.content.decode())) == 12
    assert "New idea board" not in response.content.decode()


def test_it_paginates_the_list(personas: Personas) -> None:
    for n in range(27):
        IdeaBoard.objects.create(title=f"Board {n}", question="Q?", created_by=personas.operator_a)
    response = _client(personas.stakeholder).get(reverse("consensus_board_list") + "?page=2")
    assert response.status_code == 200
    assert "Page 2 of 2" in response.content.decode()
    assert response.context["page"].object_list[0].title == "Board 1"


def test_it_opens_a_board_from_the_form(personas: Personas) -> None:
    response = _client(personas.operator_a).post(
        reverse("consensus_board_create"),
        {"title": "Night pages", "question": "How do we cut pages?", "team": "platform", "votes_per_person": "5"},
    )
    board = IdeaBoard.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("consensus_board_detail", args=[board.pk])
    assert (board.team, board.created_by, board.votes_per_person) == (personas.team_a, personas.operator_a, 5)


def test_it_offers_only_the_persons_own_teams(personas: Personas) -> None:
    response = _client(personas.operator_a).get(reverse("consensus_board_create"))
    assert response.context["form"].fields["team"].choices == [("", "No team"), ("platform", "Platform")]
    response = _client(personas.operator_a).post(
        reverse("consensus_board_create"),
        {"title": "T", "question": "Q?", "team": "checkout", "votes_per_person": "5"},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not IdeaBoard.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "", "question": "Q?", "votes_per_person": "5"}, "title", "This field is required."),
        ({"title": "T" * 201, "question": "Q?", "votes_per_person": "5"}, "title", "at most 200 characters"),
        ({"title": "T", "question": "Q?", "votes_per_person": "11"}, "votes_per_person", "less than or equal to 10"),
        ({"title": "T", "question": "Q?", "votes_per_person": "0"}, "votes_per_person", "greater than or equal to 1"),
        ({"title": "T", "question": "Q?", "votes_per_person": "five"}, "votes_per_person", "Enter a whole number."),
        ({"title": "Bell\x07", "question": "Q?", "votes_per_person": "5"}, "title", "control characters"),
    ],
)
def test_it_refuses_a_bad_board_form(personas: Personas, data: dict[str, str], field: str, message: str) -> None:
    response = _client(personas.stakeholder).post(reverse("consensus_board_create"), data)
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert not IdeaBoard.objects.exists()


def test_it_answers_the_form_fragment_to_htmx(personas: Personas) -> None:
    response = _client(personas.stakeholder).post(reverse("consensus_board_create"), {"title": ""}, **HTMX)
    assert response.status_code == 400
    assert b"<html" not in response.content
    assert b'id="board-form"' in response.content


def test_it_refuses_viewers_the_create_form(personas: Personas) -> None:
    client = _client(personas.viewer)
    assert client.get(reverse("consensus_board_create")).status_code == 403
    response = client.post(reverse("consensus_board_create"), {"title": "T", "question": "Q", "votes_per_person": "5"})
    assert response.status_code == 403
    assert not IdeaBoard.objects.exists()


def test_it_sends_anonymous_visitors_to_sign_in(personas: Personas) -> None:
    board = _board(personas, ideas=1)
    response = Client().get(reverse("consensus_board_detail", args=[board.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Gathering ----------------------------------------------------------------


def test_it_adds_an_idea_with_a_plain_post(personas: Personas) -> None:
    board = _board(personas)
    response = _client(personas.stakeholder).post(
        reverse("consensus_board_idea_add", args=[board.pk]), {"text": "Route disk alerts to the day shift"}
    )
    assert response.status_code == 302
    idea = Idea.objects.get()
    assert (idea.text, idea.author) == ("Route disk alerts to the day shift", personas.stakeholder)


def test_it_adds_an_idea_through_htmx_and_answers_the_list(personas: Personas) -> None:
    board = _board(personas, ideas=1)
    response = _client(personas.stakeholder).post(
        reverse("consensus_board_idea_add", args=[board.pk]), {"text": "Silence flapping checks"}, **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert body.lstrip().startswith('<section id="ideas"')
    assert "Ideas (2)" in body
    assert "Silence flapping checks" in body


def test_it_escapes_hostile_idea_text(personas: Personas) -> None:
    board = _board(personas)
    client = _client(personas.stakeholder)
    client.post(reverse("consensus_board_idea_add", args=[board.pk]), {"text": "<script>alert(1)</script>"})
    body = client.get(reverse("consensus_board_detail", args=[board.pk])).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


@pytest.mark.parametrize(("text", "message"), [("", "This field is required."), ("x" * 501, "at most 500")])
def test_it_refuses_empty_and_oversized_ideas(personas: Personas, text: str, message: str) -> None:
    board = _board(personas)
    response = _client(personas.stakeholder).post(
        reverse("consensus_board_idea_add", args=[board.pk]), {"text": text}, **HTMX
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Idea.objects.exists()


def test_it_refuses_ideas_after_gathering(personas: Personas) -> None:
    board = _board(personas, ideas=1, stage=BoardStage.SHORTLISTING)
    response = _client(personas.stakeholder).post(
        reverse("consensus_board_idea_add", args=[board.pk]), {"text": "Late"}
    )
    assert response.status_code == 400
    assert "stopped gathering ideas" in response.content.decode()
    assert Idea.objects.count() == 1


def test_it_refuses_ideas_from_viewers(personas: Personas) -> None:
    board = _board(personas)
    response = _client(personas.viewer).post(reverse("consensus_board_idea_add", args=[board.pk]), {"text": "x"})
    assert response.status_code == 403
    assert not Idea.objects.exists()


def test_it_shows_anonymous_ideas_without_a_name(personas: Personas) -> None:
    board = _board(personas, allow_anonymous_ideas=True)
    client = _client(personas.stakeholder)
    client.post(reverse("consensus_board_idea_add", args=[board.pk]), {"text": "Quiet one", "anonymous": "on"})
    assert Idea.objects.get().author is None
    body = client.get(reverse("consensus_board_detail", args=[board.pk])).content.decode()
    assert "Added without a name" in body


def test_it_merges_a_duplicate_from_the_page(personas: Personas) -> None:
    board = _board(personas, ideas=2)
    one, two = _ideas(board)
    client = _client(personas.operator_a)
    response = client.post(reverse("consensus_board_merge", args=[board.pk]), {"source": two.pk, "target": one.pk})
    assert response.status_code == 302
    two.refresh_from_db()
    assert two.merged_into == one
    body = client.get(reverse("consensus_board_detail", args=[board.pk])).content.decode()
    assert "Merged: Idea 2" in body


def test_it_refuses_merging_an_idea_into_itself_on_the_page(personas: Personas) -> None:
    board = _board(personas, ideas=2)
    one, _ = _ideas(board)
    response = _client(personas.operator_a).post(
        reverse("consensus_board_merge", args=[board.pk]), {"source": one.pk, "target": one.pk}
    )
    assert response.status_code == 400
    assert "cannot be merged into itself" in response.content.decode()
    assert not Idea.objects.filter(merged_into__isnull=False).exists()


def test_it_refuses_merging_ideas_of_another_board_on_the_page(personas: Personas) -> None:
    board = _board(personas, ideas=1)
    other = _board(personas, ideas=1, title="Other")
    (mine,) = _ideas(board)
    (theirs,) = _ideas(other)
    response = _client(personas.operator_a).post(
        reverse("consensus_board_merge", args=[board.pk]), {"source": mine.pk, "target": theirs.pk}
    )
    assert response.status_code == 400
    assert not Idea.objects.filter(merged_into__isnull=False).exists()


def test_it_refuses_merging_to_people_who_do_not_run_the_board(personas: Personas) -> None:
    board = _board(personas, ideas=2)
    one, two = _ideas(board)
    response = _client(personas.stakeholder).post(
        reverse("consensus_board_merge", args=[board.pk]), {"source": two.pk, "target": one.pk}
    )
    assert response.status_code == 403
    assert not Idea.objects.filter(merged_into__isnull=False).exists()


# --- Shortlisting and stages --------------------------------------------------


def test_it_shows_the_runner_checkboxes_and_others_the_list_while_shortlisting(personas: Personas) -> None:
    board = _board(personas, ideas=2, stage=BoardStage.SHORTLISTING)
    runner = _client(personas.operator_a).get(reverse("consensus_board_detail", args=[board.pk])).content.decode()
    other = _client(personas.stakeholder).get(reverse("consensus_board_detail", args=[board.pk])).content.decode()
    assert 'id="shortlist-form"' in runner
    assert 'type="checkbox" name="ideas"' in runner
    assert 'id="shortlist-form"' not in other
    assert "Ideas (2)" in other


def test_it_saves_the_shortlist(personas: Personas) -> None:
    board = _board(personas, ideas=3, stage=BoardStage.SHORTLISTING)
    one, _, three = _ideas(board)
    response = _client(personas.operator_a).post(
        reverse("consensus_board_shortlist", args=[board.pk]), {"ideas": [one.pk, three.pk]}
    )
    assert response.status_code == 302
    assert set(Idea.objects.filter(shortlisted=True).values_list("pk", flat=True)) == {one.pk, three.pk}


def test_it_refuses_a_shortlist_of_unknown_ideas(personas: Personas) -> None:
    board = _board(personas, ideas=1, stage=BoardStage.SHORTLISTING)
    response = _client(personas.operator_a).post(
        reverse("consensus_board_shortlist", args=[board.pk]), {"ideas": ["999999"]}
    )
    assert response.status_code == 400
    assert not Idea.objects.filter(shortlisted=True).exists()


def test_it_moves_the_board_on_and_refuses_a_wrong_stage(personas: Personas) -> None:
    board = _board(personas, ideas=1)
    client = _client(personas.operator_a)
    response = client.post(reverse("consensus_board_stage", args=[board.pk]), {"stage": "closed"})
    assert response.status_code == 422
    assert "cannot move" in response.content.decode()
    response = client.post(reverse("consensus_board_stage", args=[board.pk]), {"stage": "voting"})
    assert response.status_code == 302
    board.refresh_from_db()
    assert board.stage == BoardStage.VOTING
    response = client.post(reverse("consensus_board_stage", args=[board.pk]), {"stage": "<b>nope</b>"})
    assert response.status_code == 422
    assert "&lt;b&gt;nope&lt;/b&gt;" in response.content.decode()


def test_it_refuses_stage_changes_to_others(personas: Personas) -> None:
    board = _board(personas, ideas=1)
    for user in (personas.operator_b, personas.stakeholder, personas.viewer):
        response = _client(user).post(reverse("consensus_board_stage", args=[board.pk]), {"stage": "voting"})
        assert response.status_code == 403
    board.refresh_from_db()
    assert board.stage == BoardStage.GATHERING


# --- Voting -------------------------------------------------------------------


def test_it_shows_each_candidate_with_a_vote_button_and_the_votes_left(personas: Personas) -> None:
    board = _board(personas, ideas=3, stage=BoardStage.VOTING)
    one, _, _ = _ideas(board)
    services.vote(actor=Actor(user=personas.stakeholder), board=board, idea=one)
    body = _client(personas.stakeholder).get(reverse("consensus_board_detail", args=[board.pk])).content.decode()
    assert "4 of 5 votes left" in body
    assert body.count("Vote for this") == 2
    assert body.count("Voted — take it back") == 1
    assert "No ideas were shortlisted, so every idea is on the ballot." in body


def test_it_votes_through_htmx_and_answers_the_ballot(personas: Personas) -> None:
    board = _board(personas, ideas=2, stage=BoardStage.VOTING)
    one, _ = _ideas(board)
    response = _client(personas.stakeholder).post(
        reverse("consensus_board_vote", args=[board.pk, one.pk]), {"vote": "yes"}, **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="ballot"')
    assert "4 of 5 votes left" in body
    assert "Standings so far" in body
    assert IdeaVote.objects.filter(voter=personas.stakeholder, idea=one).exists()


def test_it_takes_a_vote_back_with_a_plain_post(personas: Personas) -> None:
    board = _board(personas, ideas=2, stage=BoardStage.VOTING)
    one, _ = _ideas(board)
    services.vote(actor=Actor(user=personas.stakeholder), board=board, idea=one)
    response = _client(personas.stakeholder).post(
        reverse("consensus_board_vote", args=[board.pk, one.pk]), {"vote": "no"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("consensus_board_detail", args=[board.pk]) + "#ballot"
    assert not IdeaVote.objects.exists()


def test_it_refuses_a_sixth_vote_with_a_clear_message(personas: Personas) -> None:
    board = _board(personas, ideas=6, stage=BoardStage.VOTING)
    ideas = _ideas(board)
    for idea in ideas[:5]:
        services.vote(actor=Actor(user=personas.stakeholder), board=board, idea=idea)
    client = _client(personas.stakeholder)
    for extra in ({}, HTMX):
        response = client.post(reverse("consensus_board_vote", args=[board.pk, ideas[5].pk]), {"vote": "yes"}, **extra)
        assert response.status_code == 422
        assert "You have used all 5 of your votes." in response.content.decode()
        assert "0 of 5 votes left" in response.content.decode()
    assert IdeaVote.objects.count() == 5


def test_it_refuses_a_second_vote_for_the_same_idea_on_the_page(personas: Personas) -> None:
    board = _board(personas, ideas=1, stage=BoardStage.VOTING)
    (idea,) = _ideas(board)
    client = _client(personas.stakeholder)
    client.post(reverse("consensus_board_vote", args=[board.pk, idea.pk]), {"vote": "yes"})
    response = client.post(reverse("consensus_board_vote", args=[board.pk, idea.pk]), {"vote": "yes"})
    assert response.status_code == 422
    assert "You have already voted for this idea." in response.content.decode()
    assert IdeaVote.objects.count() == 1


def test_it_refuses_votes_outside_voting_on_the_page(personas: Personas) -> None:
    board = _board(personas, ideas=1)
    (idea,) = _ideas(board)
    response = _client(personas.stakeholder).post(
        reverse("consensus_board_vote", args=[board.pk, idea.pk]), {"vote": "yes"}
    )
    assert response.status_code == 422
    assert "Voting is not open on this board." in response.content.decode()
    assert not IdeaVote.objects.exists()


@pytest.mark.parametrize("value", ["", "maybe", "yes" * 1000])
def test_it_refuses_a_vote_form_without_a_choice(personas: Personas, value: str) -> None:
    board = _board(personas, ideas=1, stage=BoardStage.VOTING)
    (idea,) = _ideas(board)
    response = _client(personas.stakeholder).post(
        reverse("consensus_board_vote", args=[board.pk, idea.pk]), {"vote": value}
    )
    assert response.status_code == 400
    assert not IdeaVote.objects.exists()


def test_it_answers_404_for_an_idea_of_another_board(personas: Personas) -> None:
    board = _board(personas, ideas=1, stage=BoardStage.VOTING)
    other = _board(personas, ideas=1, stage=BoardStage.VOTING, title="Other")
    (theirs,) = _ideas(other)
    response = _client(personas.stakeholder).post(
        reverse("consensus_board_vote", args=[board.pk, theirs.pk]), {"vote": "yes"}
    )
    assert response.status_code == 404
    assert not IdeaVote.objects.exists()


def test_it_refuses_votes_from_viewers_on_the_page(personas: Personas) -> None:
    board = _board(personas, ideas=1, stage=BoardStage.VOTING)
    (idea,) = _ideas(board)
    client = _client(personas.viewer)
    body = client.get(reverse("consensus_board_detail", args=[board.pk])).content.decode()
    assert "Vote for this" not in body
    response = client.post(reverse("consensus_board_vote", args=[board.pk, idea.pk]), {"vote": "yes"})
    assert response.status_code == 403
    assert not IdeaVote.objects.exists()


def test_it_hides_the_standings_until_the_person_has_voted(personas: Personas) -> None:
    board = _board(personas, ideas=2, stage=BoardStage.VOTING)
    one, _ = _ideas(board)
    services.vote(actor=Actor(user=personas.operator_b), board=board, idea=one)
    body = _client(personas.stakeholder).get(reverse("consensus_board_detail", args=[board.pk])).content.decode()
    assert "Standings so far" not in body
    assert "The standings show here once you have voted" in body
    body = _client(personas.operator_b).get(reverse("consensus_board_detail", args=[board.pk])).content.decode()
    assert "Standings so far" in body


# --- Closed -------------------------------------------------------------------


def test_it_shows_ranked_results_with_a_shared_place_and_next_steps(personas: Personas) -> None:
    board = _board(personas, ideas=3, stage=BoardStage.VOTING)
    one, two, three = _ideas(board)
    for user, ideas in ((personas.stakeholder, [one, two]), (personas.operator_b, [one, three])):
        for idea in ideas:
            services.vote(actor=Actor(user=user), board=board, idea=idea)
    _close(personas, board)
    response = _client(personas.viewer).get(reverse("consensus_board_detail", args=[board.pk]))
    body = response.content.decode()
    results = [(item.rank_label, item.idea.text, item.votes) for item in response.context["view"].results]
    assert results == [("1", "Idea 1", 2), ("=2", "Idea 2", 1), ("=2", "Idea 3", 1)]
    assert body.count('<td class="nowrap">=2</td>') == 2
    topic = f"{reverse('consensus_topic_create')}?question={quote('Idea 1', safe='/')}&amp;board={board.pk}"
    decision = f"{reverse('consensus_decision_create')}?title={quote('Idea 2', safe='/')}&amp;board={board.pk}"
    assert f'href="{topic}"' in body
    assert f'href="{decision}"' in body
    assert "Vote for this" not in body


def test_it_encodes_hostile_idea_text_in_the_next_step_links(personas: Personas) -> None:
    board = _board(personas)
    services.add_idea(actor=Actor(user=personas.stakeholder), board=board, text='"><script>x()</script>&a=b')
    services.move_board(actor=Actor(user=personas.operator_a), board=board, stage=BoardStage.VOTING)
    services.vote(actor=Actor(user=personas.stakeholder), board=board, idea=_ideas(board)[0])
    _close(personas, board)
    body = _client(personas.stakeholder).get(reverse("consensus_board_detail", args=[board.pk])).content.decode()
    assert "<script>x()</script>" not in body
    assert "?question=%22%3E%3Cscript%3Ex%28%29%3C/script%3E%26a%3Db&amp;board=" in body


def test_it_archives_a_board_from_the_page(personas: Personas) -> None:
    board = _board(personas, ideas=1)
    response = _client(personas.operator_a).post(reverse("consensus_board_archive", args=[board.pk]))
    assert response.status_code == 302
    board.refresh_from_db()
    assert board.archived_at is not None
    response = _client(personas.stakeholder).post(reverse("consensus_board_archive", args=[board.pk]))
    assert response.status_code == 403


@pytest.mark.parametrize("stage", [BoardStage.GATHERING, BoardStage.VOTING, BoardStage.CLOSED])
def test_it_draws_a_board_page_in_a_fixed_number_of_queries(
    personas: Personas,
    stage: str,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    board = _board(personas, ideas=30, stage=stage)
    ideas = _ideas(board)
    if stage != BoardStage.GATHERING:
        for idea in ideas[:5]:
            services.vote(actor=Actor(user=personas.stakeholder), board=board, idea=idea)
    if stage == BoardStage.CLOSED:
        _close(personas, board)
    client = _client(personas.operator_a)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("consensus_board_detail", args=[board.pk]))
    assert response.status_code == 200
