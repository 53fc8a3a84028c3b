"""Idea boards through the service layer: stages, ideas, merging, the shortlist, top-five voting and ranks."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection
from django.utils import timezone

from steadyops.accounts.models import Role
from steadyops.consensus import board_services as services
from steadyops.consensus.models.boards import BoardStage, Idea, IdeaBoard, IdeaVote
from steadyops.core.actor import Actor
from steadyops.core.busy import is_database_busy
from steadyops.core.models import AuditEntry
from steadyops.testing.personas import Personas, make_user

LIMIT_REACHED = "You have used all 5 of your votes. Take one back from another idea to vote for this one."


def _board(personas: Personas, **kwargs: object) -> IdeaBoard:
    arguments = {"title": "Night pages", "question": "How do we cut pages at night?", "team": personas.team_a}
    arguments.update(kwargs)
    return services.create_board(actor=Actor(user=personas.operator_a), **arguments)  # type: ignore[arg-type]


def _ideas(board: IdeaBoard, user: object, *texts: str) -> list[Idea]:
    return [services.add_idea(actor=Actor(user=user), board=board, text=text) for text in texts]  # type: ignore[arg-type]


def _voting(personas: Personas, count: int = 7) -> tuple[IdeaBoard, list[Idea]]:
    board = _board(personas)
    ideas = _ideas(board, personas.stakeholder, *(f"Idea {n}" for n in range(1, count + 1)))
    services.move_board(actor=Actor(user=personas.operator_a), board=board, stage=BoardStage.VOTING)
    return board, ideas


def test_it_creates_a_board_in_the_gathering_stage_and_audits_it(personas: Personas) -> None:
    board = _board(personas, votes_per_person=3, allow_anonymous_ideas=True)
    assert board.stage == BoardStage.GATHERING
    assert board.created_by == personas.operator_a
    assert board.votes_per_person == 3
    entry = AuditEntry.objects.get(action="idea_board.create")
    assert entry.actor == personas.operator_a
    assert entry.after is not None
    assert entry.after["question"] == "How do we cut pages at night?"


@pytest.mark.parametrize("votes", [0, 11, -1])
def test_it_refuses_votes_per_person_outside_one_to_ten(personas: Personas, votes: int) -> None:
    with pytest.raises(ValidationError) as raised:
        _board(personas, votes_per_person=votes)
    assert "between 1 and 10" in str(raised.value)
    assert not IdeaBoard.objects.exists()


@pytest.mark.parametrize(
    ("title", "message"),
    [("", "Write the title"), ("x" * 201, "too long"), ("Night\x1b[31m", "control characters")],
)
def test_it_refuses_a_bad_title(personas: Personas, title: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        _board(personas, title=title)
    assert message in str(raised.value)
    assert not IdeaBoard.objects.exists()


def test_it_refuses_a_team_the_person_is_not_in(personas: Personas) -> None:
    with pytest.raises(ValidationError) as raised:
        _board(personas, team=personas.team_b)
    assert "not in the team Checkout" in str(raised.value)


def test_it_lets_an_administrator_choose_any_team(personas: Personas) -> None:
    board = services.create_board(actor=Actor(user=personas.admin), title="T", question="Q?", team=personas.team_b)
    assert board.team == personas.team_b


def test_it_refuses_viewers_opening_a_board(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.create_board(actor=Actor(user=personas.viewer), title="T", question="Q?")
    assert not IdeaBoard.objects.exists()


def test_it_keeps_the_author_of_a_named_idea(personas: Personas) -> None:
    board = _board(personas)
    (idea,) = _ideas(board, personas.stakeholder, "  Tune the disk alert  ")
    assert idea.text == "Tune the disk alert"
    assert idea.author == personas.stakeholder
    assert AuditEntry.objects.get(action="idea.create").actor == personas.stakeholder


def test_it_stores_no_author_anywhere_for_an_anonymous_idea(personas: Personas) -> None:
    board = _board(personas, allow_anonymous_ideas=True)
    idea = services.add_idea(
        actor=Actor(user=personas.stakeholder), board=board, text="Our alerts are noise", anonymous=True
    )
    assert idea.author is None
    entry = AuditEntry.objects.get(action="idea.create")
    assert entry.actor is None
    assert "stakeholder" not in entry.actor_label
    assert entry.after is not None
    assert entry.after["author"] is None


def test_it_refuses_an_anonymous_idea_where_the_board_does_not_allow_it(personas: Personas) -> None:
    board = _board(personas)
    with pytest.raises(ValidationError) as raised:
        services.add_idea(actor=Actor(user=personas.stakeholder), board=board, text="x", anonymous=True)
    assert "does not take anonymous ideas" in str(raised.value)
    assert not Idea.objects.exists()


@pytest.mark.parametrize(("text", "message"), [("   ", "Write the idea"), ("x" * 501, "at most 500")])
def test_it_refuses_empty_and_oversized_ideas(personas: Personas, text: str, message: str) -> None:
    board = _board(personas)
    with pytest.raises(ValidationError) as raised:
        _ideas(board, personas.stakeholder, text)
    assert message in str(raised.value)
    assert not Idea.objects.exists()


def test_it_refuses_ideas_from_viewers(personas: Personas) -> None:
    board = _board(personas)
    with pytest.raises(PermissionDenied):
        _ideas(board, personas.viewer, "Mine")
    assert not Idea.objects.exists()


def test_it_refuses_ideas_once_gathering_has_stopped(personas: Personas) -> None:
    board = _board(personas)
    _ideas(board, personas.stakeholder, "First")
    services.move_board(actor=Actor(user=personas.operator_a), board=board, stage=BoardStage.SHORTLISTING)
    with pytest.raises(ValidationError) as raised:
        _ideas(board, personas.stakeholder, "Late")
    assert "stopped gathering ideas" in str(raised.value)
    assert Idea.objects.count() == 1


def test_it_moves_stages_only_in_order(personas: Personas) -> None:
    board = _board(personas)
    runner = Actor(user=personas.operator_a)
    with pytest.raises(ValidationError) as raised:
        services.move_board(actor=runner, board=board, stage=BoardStage.CLOSED)
    assert "cannot move" in str(raised.value)
    with pytest.raises(ValidationError) as raised:
        services.move_board(actor=runner, board=board, stage=BoardStage.VOTING)
    assert "no ideas to vote on" in str(raised.value)
    _ideas(board, personas.stakeholder, "One")
    services.move_board(actor=runner, board=board, stage=BoardStage.SHORTLISTING)
    services.move_board(actor=runner, board=board, stage=BoardStage.VOTING)
    services.move_board(actor=runner, board=board, stage=BoardStage.CLOSED)
    board.refresh_from_db()
    assert board.stage == BoardStage.CLOSED
    assert board.closed_at is not None
    with pytest.raises(ValidationError):
        services.move_board(actor=runner, board=board, stage=BoardStage.VOTING)


def test_it_refuses_an_unknown_stage(personas: Personas) -> None:
    board = _board(personas)
    with pytest.raises(ValidationError) as raised:
        services.move_board(actor=Actor(user=personas.operator_a), board=board, stage="done")
    assert "no stage called" in str(raised.value)


@pytest.mark.parametrize("who", ["operator_b", "stakeholder", "viewer"])
def test_it_lets_only_the_runners_move_a_board(personas: Personas, who: str) -> None:
    board = _board(personas)
    with pytest.raises(PermissionDenied):
        services.move_board(actor=Actor(user=getattr(personas, who)), board=board, stage=BoardStage.SHORTLISTING)
    board.refresh_from_db()
    assert board.stage == BoardStage.GATHERING


def test_it_lets_the_team_and_administrators_run_a_board(personas: Personas) -> None:
    colleague = make_user("colleague", Role.STAKEHOLDER, personas.team_a)
    board = _board(personas)
    services.move_board(actor=Actor(user=colleague), board=board, stage=BoardStage.SHORTLISTING)
    services.move_board(actor=Actor(user=personas.admin), board=board, stage=BoardStage.GATHERING)
    assert board.stage == BoardStage.GATHERING


def test_it_puts_every_idea_on_the_ballot_when_nothing_is_shortlisted(personas: Personas) -> None:
    board = _board(personas)
    one, two, three = _ideas(board, personas.stakeholder, "One", "Two", "Three")
    services.merge_ideas(actor=Actor(user=personas.operator_a), board=board, source=three, target=one)
    assert list(services.candidates(board)) == [one, two]
    services.set_shortlist(actor=Actor(user=personas.operator_a), board=board, idea_ids={two.pk})
    assert list(services.candidates(board)) == [two]
    services.set_shortlist(actor=Actor(user=personas.operator_a), board=board, idea_ids=set())
    assert list(services.candidates(board)) == [one, two]


def test_it_refuses_a_shortlist_with_ideas_from_elsewhere(personas: Personas) -> None:
    board = _board(personas)
    other = _board(personas, title="Other")
    (mine,) = _ideas(board, personas.stakeholder, "Mine")
    (theirs,) = _ideas(other, personas.stakeholder, "Theirs")
    with pytest.raises(ValidationError) as raised:
        services.set_shortlist(actor=Actor(user=personas.operator_a), board=board, idea_ids={mine.pk, theirs.pk})
    assert "not on this board" in str(raised.value)
    assert not Idea.objects.filter(shortlisted=True).exists()


def test_it_refuses_changing_the_shortlist_during_voting(personas: Personas) -> None:
    board, ideas = _voting(personas, 2)
    with pytest.raises(ValidationError) as raised:
        services.set_shortlist(actor=Actor(user=personas.operator_a), board=board, idea_ids={ideas[0].pk})
    assert "before voting opens" in str(raised.value)


def test_it_counts_five_votes_and_refuses_a_sixth(personas: Personas) -> None:
    board, ideas = _voting(personas)
    voter = Actor(user=personas.stakeholder)
    for idea in ideas[:5]:
        services.vote(actor=voter, board=board, idea=idea)
    with pytest.raises(ValidationError) as raised:
        services.vote(actor=voter, board=board, idea=ideas[5])
    assert raised.value.messages == [LIMIT_REACHED]
    assert IdeaVote.objects.filter(voter=personas.stakeholder).count() == 5
    services.withdraw_vote(actor=voter, board=board, idea=ideas[0])
    services.vote(actor=voter, board=board, idea=ideas[5])
    assert set(IdeaVote.objects.filter(voter=personas.stakeholder).values_list("idea_id", flat=True)) == {
        idea.pk for idea in ideas[1:6]
    }


def test_it_refuses_a_second_vote_for_the_same_idea(personas: Personas) -> None:
    board, ideas = _voting(personas, 2)
    services.vote(actor=Actor(user=personas.stakeholder), board=board, idea=ideas[0])
    with pytest.raises(ValidationError) as raised:
        services.vote(actor=Actor(user=personas.stakeholder), board=board, idea=ideas[0])
    assert raised.value.messages == ["You have already voted for this idea."]
    assert IdeaVote.objects.count() == 1


def test_it_refuses_votes_outside_the_voting_stage(personas: Personas) -> None:
    board = _board(personas)
    (idea,) = _ideas(board, personas.stakeholder, "One")
    with pytest.raises(ValidationError) as raised:
        services.vote(actor=Actor(user=personas.stakeholder), board=board, idea=idea)
    assert raised.value.messages == ["Voting is not open on this board."]
    services.move_board(actor=Actor(user=personas.operator_a), board=board, stage=BoardStage.VOTING)
    services.move_board(actor=Actor(user=personas.operator_a), board=board, stage=BoardStage.CLOSED)
    with pytest.raises(ValidationError):
        services.vote(actor=Actor(user=personas.stakeholder), board=board, idea=idea)
    assert not IdeaVote.objects.exists()


def test_it_refuses_votes_for_ideas_off_the_shortlist_and_on_other_boards(personas: Personas) -> None:
    board = _board(personas)
    listed, unlisted = _ideas(board, personas.stakeholder, "Listed", "Unlisted")
    _other, other_ideas = _voting(personas, 1)
    services.set_shortlist(actor=Actor(user=personas.operator_a), board=board, idea_ids={listed.pk})
    services.move_board(actor=Actor(user=personas.operator_a), board=board, stage=BoardStage.VOTING)
    with pytest.raises(ValidationError) as raised:
        services.vote(actor=Actor(user=personas.stakeholder), board=board, idea=unlisted)
    assert "not on the ballot" in str(raised.value)
    with pytest.raises(ValidationError) as raised:
        services.vote(actor=Actor(user=personas.stakeholder), board=board, idea=other_ideas[0])
    assert "on another board" in str(raised.value)
    assert not IdeaVote.objects.exists()


def test_it_refuses_votes_from_viewers(personas: Personas) -> None:
    board, ideas = _voting(personas, 1)
    with pytest.raises(PermissionDenied):
        services.vote(actor=Actor(user=personas.viewer), board=board, idea=ideas[0])
    assert not IdeaVote.objects.exists()


def test_it_refuses_withdrawing_a_vote_never_given(personas: Personas) -> None:
    board, ideas = _voting(personas, 1)
    with pytest.raises(ValidationError) as raised:
        services.withdraw_vote(actor=Actor(user=personas.stakeholder), board=board, idea=ideas[0])
    assert raised.value.messages == ["You have not voted for this idea."]


def test_it_merges_a_duplicate_moving_its_votes_and_giving_back_a_double_vote(personas: Personas) -> None:
    board, (keep, duplicate, other) = _voting(personas, 3)
    both = Actor(user=personas.stakeholder)
    services.vote(actor=both, board=board, idea=keep)
    services.vote(actor=both, board=board, idea=duplicate)
    services.vote(actor=Actor(user=personas.operator_b), board=board, idea=duplicate)
    services.merge_ideas(actor=Actor(user=personas.operator_a), board=board, source=duplicate, target=keep)
    duplicate.refresh_from_db()
    assert duplicate.merged_into == keep
    assert sorted(IdeaVote.objects.filter(idea=keep).values_list("voter__username", flat=True)) == [
        "operator_b",
        "stakeholder",
    ]
    assert not IdeaVote.objects.filter(idea=duplicate).exists()
    assert services.votes_used(board, personas.stakeholder) == 1
    entry = AuditEntry.objects.get(action="idea.merge")
    assert entry.after is not None
    assert (entry.after["votes_moved"], entry.after["votes_given_back"]) == (1, 1)
    assert [idea.pk for idea in services.candidates(board)] == [keep.pk, other.pk]


def test_it_moves_ideas_already_merged_into_the_duplicate(personas: Personas) -> None:
    board = _board(personas)
    one, two, three = _ideas(board, personas.stakeholder, "One", "Two", "Three")
    runner = Actor(user=personas.operator_a)
    services.merge_ideas(actor=runner, board=board, source=three, target=two)
    services.merge_ideas(actor=runner, board=board, source=two, target=one)
    assert set(Idea.objects.filter(merged_into=one).values_list("text", flat=True)) == {"Two", "Three"}


def test_it_refuses_merging_an_idea_into_itself_across_boards_or_a_merged_one(personas: Personas) -> None:
    board = _board(personas)
    other = _board(personas, title="Other")
    one, two, three = _ideas(board, personas.stakeholder, "One", "Two", "Three")
    (elsewhere,) = _ideas(other, personas.stakeholder, "Elsewhere")
    runner = Actor(user=personas.operator_a)
    with pytest.raises(ValidationError) as raised:
        services.merge_ideas(actor=runner, board=board, source=one, target=one)
    assert "into itself" in str(raised.value)
    with pytest.raises(ValidationError) as raised:
        services.merge_ideas(actor=runner, board=board, source=one, target=elsewhere)
    assert "on another board" in str(raised.value)
    services.merge_ideas(actor=runner, board=board, source=two, target=one)
    with pytest.raises(ValidationError) as raised:
        services.merge_ideas(actor=runner, board=board, source=three, target=two)
    assert "merge into that one instead" in str(raised.value)
    with pytest.raises(PermissionDenied):
        services.merge_ideas(actor=Actor(user=personas.stakeholder), board=board, source=three, target=one)
    assert Idea.objects.filter(merged_into__isnull=False).count() == 1


def test_it_shortlists_the_target_when_a_shortlisted_duplicate_is_merged(personas: Personas) -> None:
    board = _board(personas)
    one, two = _ideas(board, personas.stakeholder, "One", "Two")
    runner = Actor(user=personas.operator_a)
    services.set_shortlist(actor=runner, board=board, idea_ids={two.pk})
    services.merge_ideas(actor=runner, board=board, source=two, target=one)
    assert list(services.candidates(board)) == [one]


def test_it_ranks_with_shared_places() -> None:
    start = timezone.now()
    ideas = [Idea(pk=n, text=str(n), created_at=start + timedelta(minutes=n)) for n in range(1, 6)]
    counts = [(ideas[0], 4), (ideas[2], 2), (ideas[1], 2), (ideas[3], 1), (ideas[4], 0)]
    ranked = services.rank(counts)
    assert [(item.idea.pk, item.rank_label, item.votes) for item in ranked] == [
        (1, "1", 4),
        (2, "=2", 2),
        (3, "=2", 2),
        (4, "4", 1),
        (5, "5", 0),
    ]
    assert [item.winner for item in ranked] == [True, True, True, True, False]


def test_it_hides_the_results_until_the_person_has_voted_or_the_board_closes(personas: Personas) -> None:
    board, (one, two) = _voting(personas, 2)
    services.vote(actor=Actor(user=personas.operator_b), board=board, idea=one)
    assert services.board_view(board, personas.stakeholder).results is None
    assert not services.can_see_results(board, personas.stakeholder)
    services.vote(actor=Actor(user=personas.stakeholder), board=board, idea=two)
    assert services.can_see_results(board, personas.stakeholder)
    shown = services.board_view(board, personas.stakeholder).results
    assert shown is not None
    assert [(item.idea.text, item.rank_label) for item in shown] == [("Idea 1", "=1"), ("Idea 2", "=1")]
    assert services.board_view(board, personas.viewer).results is None
    services.move_board(actor=Actor(user=personas.operator_a), board=board, stage=BoardStage.CLOSED)
    assert services.board_view(board, personas.viewer).results is not None


def test_it_tells_each_person_how_many_votes_they_have_left(personas: Personas) -> None:
    board, ideas = _voting(personas, 3)
    services.vote(actor=Actor(user=personas.stakeholder), board=board, idea=ideas[0])
    services.vote(actor=Actor(user=personas.stakeholder), board=board, idea=ideas[2])
    view = services.board_view(board, personas.stakeholder)
    assert view.votes_left == 3
    assert view.my_votes == {ideas[0].pk, ideas[2].pk}
    assert services.board_view(board, personas.operator_b).votes_left == 5


def test_it_archives_a_board_without_deleting_it(personas: Personas) -> None:
    board = _board(personas)
    _ideas(board, personas.stakeholder, "One")
    services.archive_board(actor=Actor(user=personas.operator_a), board=board)
    assert board.archived_at is not None
    assert list(services.listed_boards()) == []
    assert Idea.objects.count() == 1
    with pytest.raises(ValidationError):
        _ideas(board, personas.stakeholder, "Two")


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_limit_when_votes_arrive_at_the_same_moment() -> None:
    """Eight votes from one person at once: never more than five are counted. PostgreSQL queues them on the
    board's row lock, so exactly five count; the test run's in-memory SQLite may answer some with "table is
    locked" instead (busy: a 503 to the caller), but it never counts a sixth."""
    from steadyops.testing.personas import make_personas

    personas = make_personas()
    board, ideas = _voting(personas, 8)
    barrier = threading.Barrier(len(ideas))
    outcomes: list[str] = []

    def cast(idea: Idea) -> None:
        try:
            barrier.wait()
            services.vote(actor=Actor(user=personas.stakeholder), board=board, idea=idea)
            outcomes.append("counted")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        except OperationalError as error:
            outcomes.append("busy" if is_database_busy(error) else str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=cast, args=(idea,)) for idea in ideas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counted = outcomes.count("counted")
    assert len(outcomes) == 8
    assert set(outcomes) <= {"counted", "busy", LIMIT_REACHED}
    assert IdeaVote.objects.filter(voter=personas.stakeholder).count() == counted
    assert counted <= 5
    if connection.vendor == "postgresql":
        assert counted == 5
        assert outcomes.count(LIMIT_REACHED) == 3
