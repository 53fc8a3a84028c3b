"""The demo's idea board and working session: complete, with a merge and a shared place, and idempotent."""

from __future__ import annotations

import pytest

from steadyops.consensus import board_services
from steadyops.consensus.demo_boards import BOARD_TITLE, SESSION_TITLE, load_boards
from steadyops.consensus.models.boards import BoardStage, Conflict, Idea, IdeaBoard, IdeaVote, WorkingSession
from steadyops.core import demo
from steadyops.core.models import AuditEntry


@pytest.fixture
def organisation(db) -> demo.DemoOrganisation:  # type: ignore[no-untyped-def]
    built = demo._people_and_teams()
    load_boards(built)
    return built


def test_it_is_part_of_the_consensus_contribution() -> None:
    from steadyops.consensus.demo import load

    assert demo.contributions()["consensus"] is load


def test_it_builds_a_closed_board_with_a_merge_and_a_tie(organisation: demo.DemoOrganisation) -> None:
    board = IdeaBoard.objects.get(title=BOARD_TITLE)
    assert board.stage == BoardStage.CLOSED
    assert board.team.slug == "platform"  # type: ignore[union-attr]
    assert Idea.objects.filter(board=board).count() == 11
    assert Idea.objects.filter(board=board, merged_into__isnull=False).count() == 1
    assert IdeaVote.objects.filter(board=board).values("voter").distinct().count() == 6
    ranked = board_services.results(board)
    assert [(item.rank_label, item.votes) for item in ranked] == [
        ("1", 6),
        ("2", 5),
        ("3", 4),
        ("=4", 3),
        ("=4", 3),
        ("=6", 2),
        ("=6", 2),
    ]
    assert ranked[0].idea.text.startswith("Group the alerts of one incident")
    assert organisation.created["idea boards"] == 1


def test_it_builds_a_recorded_session_with_three_conflicts_worked_out(organisation: demo.DemoOrganisation) -> None:
    session = WorkingSession.objects.get(title=SESSION_TITLE)
    assert session.status == "recorded"
    assert Conflict.objects.filter(session=session, resolved=True).exclude(resolution="").count() == 3
    assert set(session.participants.values_list("username", flat=True)) == {"priya", "carlos", "mei", "omar"}


def test_it_changes_nothing_when_loaded_twice(organisation: demo.DemoOrganisation) -> None:
    entries = AuditEntry.objects.count()
    again = demo._people_and_teams()
    load_boards(again)
    assert AuditEntry.objects.count() == entries
    assert IdeaBoard.objects.count() == 1
    assert WorkingSession.objects.count() == 1
    assert again.created == {}
