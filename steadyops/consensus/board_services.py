"""Domain operations on idea boards: gather ideas, merge duplicates, pick a shortlist, vote for the top five,
close and rank.

Pages, API and demo data all go through these functions, which check who may act, validate, and write the
audit log in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from steadyops.accounts.models import Team, User
from steadyops.consensus.models.boards import (
    BOARD_DESCRIPTION_MAX,
    BOARD_QUESTION_MAX,
    BOARD_TITLE_MAX,
    IDEA_TEXT_MAX,
    VOTES_DEFAULT,
    VOTES_MAX,
    VOTES_MIN,
    BoardStage,
    Idea,
    IdeaBoard,
    IdeaVote,
)
from steadyops.core import audit, permissions
from steadyops.core.actor import Actor
from steadyops.core.text import has_control_characters

BOARD_FIELDS = [
    "title",
    "question",
    "description",
    "team",
    "stage",
    "allow_anonymous_ideas",
    "votes_per_person",
    "closed_at",
    "archived_at",
]
IDEA_FIELDS = ["board", "text", "author", "merged_into", "shortlisted"]

# Which stage may follow which. Shortlisting may go back to gathering when more ideas are wanted; voting is
# never reopened once closed, so the result stays the result.
NEXT_STAGES: dict[str, tuple[str, ...]] = {
    BoardStage.GATHERING: (BoardStage.SHORTLISTING, BoardStage.VOTING),
    BoardStage.SHORTLISTING: (BoardStage.GATHERING, BoardStage.VOTING),
    BoardStage.VOTING: (BoardStage.CLOSED,),
    BoardStage.CLOSED: (),
}

# On a closed board the ideas ranked this high or higher (ties included) are the winners.
WINNERS = 5


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def clean_text(value: str, *, field: str, label: str, maximum: int, required: bool, multiline: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"Write the {label}."})
    if len(value) > maximum:
        raise ValidationError(
            {field: f"The {label} is too long: at most {maximum} characters (this has {len(value)})."}
        )
    checked = value.replace("\n", "").replace("\r", "").replace("\t", "") if multiline else value
    if has_control_characters(checked):
        raise ValidationError({field: f"The {label} contains invisible control characters; remove them."})
    return value


def check_team(actor: Actor, team: Team | None) -> None:
    if team is None:
        return
    if team.archived_at is not None:
        raise ValidationError({"team": f"The team {team.name} is archived."})
    if not (permissions.is_admin(actor.user) or permissions.member_of(actor.user, team)):
        raise ValidationError({"team": f"You are not in the team {team.name}; choose one of your own teams."})


def _locked(board: IdeaBoard) -> IdeaBoard:
    """The board's row, locked until the transaction ends, so that votes and stage changes on one board happen one
    after another (PostgreSQL: row lock; SQLite: the IMMEDIATE transaction already holds the one write lock)."""
    return IdeaBoard.objects.select_for_update().get(pk=board.pk)


# --- Boards -------------------------------------------------------------------


def create_board(
    *,
    actor: Actor,
    title: str,
    question: str,
    description: str = "",
    team: Team | None = None,
    allow_anonymous_ideas: bool = False,
    votes_per_person: int = VOTES_DEFAULT,
) -> IdeaBoard:
    """Open a new idea board in the gathering stage. Everyone who takes part may open one; the team, if any,
    must be one of the person's own (administrators: any)."""
    _require(permissions.can_take_part(actor.user), "Viewers look at idea boards but do not open them.")
    assert actor.user is not None
    title = clean_text(title, field="title", label="title", maximum=BOARD_TITLE_MAX, required=True, multiline=False)
    question = clean_text(
        question, field="question", label="question", maximum=BOARD_QUESTION_MAX, required=True, multiline=False
    )
    description = clean_text(
        description,
        field="description",
        label="description",
        maximum=BOARD_DESCRIPTION_MAX,
        required=False,
        multiline=True,
    )
    if not VOTES_MIN <= votes_per_person <= VOTES_MAX:
        raise ValidationError(
            {"votes_per_person": f"Each person gets between {VOTES_MIN} and {VOTES_MAX} votes, not {votes_per_person}."}
        )
    check_team(actor, team)
    with transaction.atomic():
        board = IdeaBoard.objects.create(
            title=title,
            question=question,
            description=description,
            team=team,
            created_by=actor.user,
            allow_anonymous_ideas=allow_anonymous_ideas,
            votes_per_person=votes_per_person,
        )
        audit.record(actor=actor, action="idea_board.create", obj=board, after=audit.snapshot(board, BOARD_FIELDS))
    return board


def move_board(*, actor: Actor, board: IdeaBoard, stage: str) -> IdeaBoard:
    """Move a board to its next stage: gathering → shortlisting → voting → closed (shortlisting may be skipped,
    or go back to gathering). Only the people who run the board may."""
    _require(
        permissions.can_run_consensus(actor.user, board),
        "Only the person who opened this board, its team and administrators move it on.",
    )
    if stage not in BoardStage.values:
        raise ValidationError({"stage": f"There is no stage called “{stage}”."})
    with transaction.atomic():
        current = _locked(board)
        if current.archived_at is not None:
            raise ValidationError("This board is archived.")
        if stage not in NEXT_STAGES[current.stage]:
            raise ValidationError(
                {
                    "stage": f"A board that is “{BoardStage(current.stage).label}” cannot move to "
                    f"“{BoardStage(stage).label}”."
                }
            )
        if stage == BoardStage.VOTING and not candidates(current).exists():
            raise ValidationError({"stage": "There are no ideas to vote on yet."})
        before = audit.snapshot(current, BOARD_FIELDS)
        current.stage = stage
        if stage == BoardStage.CLOSED:
            current.closed_at = timezone.now()
        current.save(update_fields=["stage", "closed_at"])
        audit.record(
            actor=actor,
            action=f"idea_board.{stage}",
            obj=current,
            before=before,
            after=audit.snapshot(current, BOARD_FIELDS),
        )
    board.refresh_from_db()
    return board


def archive_board(*, actor: Actor, board: IdeaBoard) -> IdeaBoard:
    """Take a board off the list of boards. Nothing on it is deleted."""
    _require(
        permissions.can_run_consensus(actor.user, board),
        "Only the person who opened this board, its team and administrators archive it.",
    )
    with transaction.atomic():
        current = _locked(board)
        if current.archived_at is not None:
            return board
        before = audit.snapshot(current, BOARD_FIELDS)
        current.archived_at = timezone.now()
        current.save(update_fields=["archived_at"])
        audit.record(
            actor=actor,
            action="idea_board.archive",
            obj=current,
            before=before,
            after=audit.snapshot(current, BOARD_FIELDS),
        )
    board.refresh_from_db()
    return board


# --- Ideas --------------------------------------------------------------------


def add_idea(*, actor: Actor, board: IdeaBoard, text: str, anonymous: bool = False) -> Idea:
    """Add an idea while the board is gathering. On a board that allows it, the idea may be anonymous: then no
    author is kept, neither on the idea nor in the audit log."""
    _require(permissions.can_take_part(actor.user), "Viewers read the ideas but do not add any.")
    text = clean_text(text, field="text", label="idea", maximum=IDEA_TEXT_MAX, required=True, multiline=True)
    if anonymous and not board.allow_anonymous_ideas:
        raise ValidationError({"anonymous": "This board does not take anonymous ideas; every idea shows its author."})
    with transaction.atomic():
        current = _locked(board)
        if current.archived_at is not None or current.stage != BoardStage.GATHERING:
            raise ValidationError({"text": "This board has stopped gathering ideas; new ones can no longer be added."})
        idea = Idea.objects.create(board=current, text=text, author=None if anonymous else actor.user)
        # The audit entry of an anonymous idea names no one: keeping the author there would undo the anonymity.
        who = Actor.system_actor("anonymous idea") if anonymous else actor
        audit.record(actor=who, action="idea.create", obj=idea, after=audit.snapshot(idea, IDEA_FIELDS))
    return idea


def _idea_of(board: IdeaBoard, idea_id: int, field_name: str) -> Idea:
    idea = Idea.objects.filter(pk=idea_id).first()
    if idea is None:
        raise ValidationError({field_name: "There is no such idea."})
    if idea.board_id != board.pk:
        raise ValidationError({field_name: "That idea is on another board; ideas are merged within one board."})
    return idea


def merge_ideas(*, actor: Actor, board: IdeaBoard, source: Idea, target: Idea) -> Idea:
    """Merge the duplicate source into target. Source's text stays visible under target, ideas merged into source
    move with it, and its votes move to target; a person who voted for both keeps one vote there and gets the
    other back."""
    _require(
        permissions.can_run_consensus(actor.user, board),
        "Only the person who opened this board, its team and administrators merge ideas.",
    )
    if source.pk == target.pk:
        raise ValidationError({"source": "An idea cannot be merged into itself; choose two different ideas."})
    with transaction.atomic():
        current = _locked(board)
        source = _idea_of(current, source.pk, "source")
        target = _idea_of(current, target.pk, "target")
        if current.stage == BoardStage.CLOSED or current.archived_at is not None:
            raise ValidationError("This board is closed; its ideas stay as they are.")
        if source.merged_into_id is not None:
            raise ValidationError({"source": "That idea is already merged into another one."})
        if target.merged_into_id is not None:
            raise ValidationError({"target": "That idea is merged into another one; merge into that one instead."})
        before = audit.snapshot(source, IDEA_FIELDS)
        voters_of_target = set(target.votes.values_list("voter_id", flat=True))
        moving = IdeaVote.objects.filter(idea=source)
        refunded = moving.filter(voter_id__in=voters_of_target).delete()[0]
        moved = moving.update(idea=target)
        Idea.objects.filter(merged_into=source).update(merged_into=target)
        source.merged_into = target
        source.save(update_fields=["merged_into"])
        if source.shortlisted and not target.shortlisted:
            # The votes moved with it must still count for a candidate.
            target.shortlisted = True
            target.save(update_fields=["shortlisted"])
        after = {**audit.snapshot(source, IDEA_FIELDS), "votes_moved": moved, "votes_given_back": refunded}
        audit.record(actor=actor, action="idea.merge", obj=source, before=before, after=after)
    return target


def set_shortlist(*, actor: Actor, board: IdeaBoard, idea_ids: set[int]) -> list[Idea]:
    """Make exactly these ideas the shortlist, while gathering or shortlisting. With no idea shortlisted, every
    idea that is not merged into another is on the ballot."""
    _require(
        permissions.can_run_consensus(actor.user, board),
        "Only the person who opened this board, its team and administrators pick the shortlist.",
    )
    with transaction.atomic():
        current = _locked(board)
        if current.archived_at is not None or current.stage not in (BoardStage.GATHERING, BoardStage.SHORTLISTING):
            raise ValidationError("The shortlist can only change before voting opens.")
        ideas = list(Idea.objects.filter(board=current, merged_into=None))
        known = {idea.pk for idea in ideas}
        unknown = idea_ids - known
        if unknown:
            raise ValidationError({"ideas": "Some of the chosen ideas are not on this board, or were merged."})
        changed = []
        for idea in ideas:
            wanted = idea.pk in idea_ids
            if idea.shortlisted != wanted:
                before = audit.snapshot(idea, IDEA_FIELDS)
                idea.shortlisted = wanted
                idea.save(update_fields=["shortlisted"])
                audit.record(
                    actor=actor,
                    action="idea.shortlist" if wanted else "idea.unshortlist",
                    obj=idea,
                    before=before,
                    after=audit.snapshot(idea, IDEA_FIELDS),
                )
                changed.append(idea)
    return changed


def candidates(board: IdeaBoard) -> QuerySet[Idea]:
    """The ideas people vote on: the shortlist, or every idea that is not merged into another when nothing is
    shortlisted."""
    ideas = Idea.objects.filter(board=board, merged_into=None)
    if ideas.filter(shortlisted=True).exists():
        return ideas.filter(shortlisted=True)
    return ideas


# --- Votes --------------------------------------------------------------------


def votes_used(board: IdeaBoard, user: User | None) -> int:
    if user is None or user.pk is None:
        return 0
    return IdeaVote.objects.filter(board=board, voter_id=user.pk).count()


def vote(*, actor: Actor, board: IdeaBoard, idea: Idea) -> IdeaVote:
    """Spend one of the person's votes on an idea, while the board is voting: one vote per idea, at most the
    board's votes_per_person in all."""
    _require(permissions.can_take_part(actor.user), "Viewers see the board but do not vote.")
    user = actor.user
    assert user is not None
    with transaction.atomic():
        current = _locked(board)
        if current.archived_at is not None or current.stage != BoardStage.VOTING:
            raise ValidationError("Voting is not open on this board.", code="not_voting")
        idea = _idea_of(current, idea.pk, "idea")
        if not candidates(current).filter(pk=idea.pk).exists():
            raise ValidationError({"idea": "This idea is not on the ballot."}, code="not_candidate")
        # Counted under the board's lock: two votes sent at the same moment are counted one after the other.
        mine = IdeaVote.objects.filter(board=current, voter=user)
        if mine.filter(idea=idea).exists():
            raise ValidationError("You have already voted for this idea.", code="already_voted")
        used = mine.count()
        if used >= current.votes_per_person:
            raise ValidationError(
                f"You have used all {current.votes_per_person} of your votes. "
                "Take one back from another idea to vote for this one.",
                code="no_votes_left",
            )
        try:
            with transaction.atomic():
                cast = IdeaVote.objects.create(board=current, idea=idea, voter=user)
        except IntegrityError as error:
            raise ValidationError("You have already voted for this idea.", code="already_voted") from error
        audit.record(actor=actor, action="idea.vote", obj=idea, after={"voter": user.pk, "votes_used": used + 1})
    return cast


def withdraw_vote(*, actor: Actor, board: IdeaBoard, idea: Idea) -> None:
    """Take back a vote from an idea while the board is voting, to spend it on another."""
    _require(permissions.can_take_part(actor.user), "Viewers see the board but do not vote.")
    user = actor.user
    assert user is not None
    with transaction.atomic():
        current = _locked(board)
        if current.archived_at is not None or current.stage != BoardStage.VOTING:
            raise ValidationError("Voting is not open on this board.", code="not_voting")
        idea = _idea_of(current, idea.pk, "idea")
        deleted = IdeaVote.objects.filter(board=current, idea=idea, voter=user).delete()[0]
        if not deleted:
            raise ValidationError("You have not voted for this idea.", code="not_voted")
        audit.record(actor=actor, action="idea.unvote", obj=idea, before={"voter": user.pk})


# --- Results ------------------------------------------------------------------


@dataclass
class RankedIdea:
    idea: Idea
    votes: int
    rank: int
    shared: bool
    merged: list[Idea] = field(default_factory=list)

    @property
    def rank_label(self) -> str:
        """1, 2, … with a shared place shown as “=2”."""
        return f"={self.rank}" if self.shared else str(self.rank)

    @property
    def winner(self) -> bool:
        return self.votes > 0 and self.rank <= WINNERS


def rank(counts: list[tuple[Idea, int]]) -> list[RankedIdea]:
    """Ideas by votes, most first; ideas with as many votes share a place (1, =2, =2, 4), then oldest first."""
    ordered = sorted(counts, key=lambda item: (-item[1], item[0].created_at, item[0].pk))
    totals = [votes for _, votes in ordered]
    ranked = []
    for idea, votes in ordered:
        place = 1 + sum(1 for other in totals if other > votes)
        ranked.append(RankedIdea(idea=idea, votes=votes, rank=place, shared=totals.count(votes) > 1))
    return ranked


def results(board: IdeaBoard) -> list[RankedIdea]:
    """The ballot ranked by votes, in one query."""
    ideas = candidates(board).annotate(vote_count=Count("votes")).select_related("author")
    return rank([(idea, idea.vote_count) for idea in ideas])


def can_see_results(board: IdeaBoard, user: User | None) -> bool:
    """Results stay hidden until the person has voted, so early counts do not sway them, or the board closes."""
    return _results_visible(board, has_voted=votes_used(board, user) > 0)


def _results_visible(board: IdeaBoard, *, has_voted: bool) -> bool:
    return board.stage == BoardStage.CLOSED or (board.stage == BoardStage.VOTING and has_voted)


@dataclass
class BoardView:
    """Everything a board's page and API answer show to one person."""

    board: IdeaBoard
    ideas: list[Idea]
    merged: dict[int, list[Idea]]
    ballot: list[Idea]
    shortlist_chosen: bool
    my_votes: set[int]
    votes_left: int
    results: list[RankedIdea] | None
    can_run: bool
    can_take_part: bool


def board_view(board: IdeaBoard, user: User | None) -> BoardView:
    """The board as one person sees it, in a fixed number of queries whatever the number of ideas."""
    all_ideas: list[Idea] = list(
        Idea.objects.filter(board=board).select_related("author").annotate(vote_count=Count("votes"))
    )
    merged: dict[int, list[Idea]] = {}
    for idea in all_ideas:
        if idea.merged_into_id is not None:
            merged.setdefault(idea.merged_into_id, []).append(idea)
    top = [idea for idea in all_ideas if idea.merged_into_id is None]
    for idea in top:
        # Read by the templates: each idea's duplicates, shown under it.
        idea.duplicates = merged.get(idea.pk, [])  # type: ignore[attr-defined]
    shortlist_chosen = any(idea.shortlisted for idea in top)
    ballot = [idea for idea in top if idea.shortlisted] if shortlist_chosen else top
    mine: set[int] = set()
    if user is not None and user.pk is not None:
        mine = set(IdeaVote.objects.filter(board=board, voter_id=user.pk).values_list("idea_id", flat=True))
    shown: list[RankedIdea] | None = None
    if _results_visible(board, has_voted=bool(mine)):
        shown = rank([(idea, idea.vote_count) for idea in ballot])  # type: ignore[attr-defined]
        for item in shown:
            item.merged = merged.get(item.idea.pk, [])
    return BoardView(
        board=board,
        ideas=top,
        merged=merged,
        ballot=ballot,
        shortlist_chosen=shortlist_chosen,
        my_votes=mine,
        votes_left=max(0, board.votes_per_person - len(mine)),
        results=shown,
        can_run=permissions.can_run_consensus(user, board),
        can_take_part=permissions.can_take_part(user),
    )


def listed_boards() -> QuerySet[IdeaBoard]:
    """Current boards, newest first, with their team and counts for a list page."""
    return (
        IdeaBoard.objects.filter(archived_at=None)
        .select_related("team", "created_by")
        .annotate(idea_count=Count("ideas", filter=Q(ideas__merged_into=None), distinct=True))
        .order_by("-created_at", "-id")
    )
