"""Domain operations on 0-5 topics: raise one, vote, open another round, close it with an outcome, archive it.

Pages, the API and the demo all call these; each checks who may act and writes the audit log in its transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from markdown_it import MarkdownIt

from steadyops.accounts.models import Membership, Role, Team, User
from steadyops.consensus.models.topics import (
    CONTEXT_MAX,
    NOTE_MAX,
    OUTCOME_MAX,
    QUESTION_MAX,
    REASON_MAX,
    Ballot,
    ClosingRule,
    Round,
    Topic,
    TopicStatus,
    Vote,
    VoteValue,
)
from steadyops.consensus.tally import Tally, tally_counts
from steadyops.core import audit, permissions
from steadyops.core.actor import Actor
from steadyops.core.text import has_control_characters

TOPIC_FIELDS = ["question", "context", "team", "deadline", "rule", "quorum", "anonymous", "status", "outcome"]
MAX_INVITED_PEOPLE = 500
MAX_INVITED_TEAMS = 100
MAX_QUORUM = 10_000
REASONS_SHOWN = 100


class TopicConflict(ValidationError):
    """The topic is not in a state that allows this (closed, already voted, no votes yet): the API answers 409."""


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- Reading ------------------------------------------------------------------------------------------------------


def current_round(topic: Topic) -> Round:
    """The latest round: the one open for votes while the topic is open."""
    found = topic.rounds.order_by("-number").first()
    if found is None:
        raise Round.DoesNotExist(f"{topic} has no round")
    return found


def is_open_to_everyone(topic: Topic) -> bool:
    """Nobody invited by name or team: everyone who may take part may vote."""
    return not topic.invited_people.exists() and not topic.invited_teams.exists()


def invited_voters(topic: Topic) -> QuerySet[User]:
    """The people who were asked to vote, by name or through a team, and may (active, not viewers), with the
    person who raised the topic. Empty when the topic is open to everyone."""
    if is_open_to_everyone(topic):
        return User.objects.none()
    team_ids = topic.invited_teams.filter(archived_at=None).values("pk")
    member_ids = Membership.objects.filter(team_id__in=team_ids).values("user_id")
    return (
        User.objects.filter(is_active=True)
        .exclude(role=Role.VIEWER)
        .filter(Q(pk__in=topic.invited_people.values("pk")) | Q(pk__in=member_ids) | Q(pk=topic.created_by_id))
        .distinct()
    )


def may_vote(user: Any, topic: Topic) -> bool:
    """Whether a person may vote on topic at all (not whether they have voted already): anyone who may take part
    when nobody was invited; otherwise those invited by name or team, and the person who raised it."""
    if not permissions.can_take_part(user):
        return False
    if topic.created_by_id == user.pk or is_open_to_everyone(topic):
        return True
    if topic.invited_people.filter(pk=user.pk).exists():
        return True
    return Membership.objects.filter(
        user_id=user.pk, team__in=topic.invited_teams.all(), team__archived_at=None
    ).exists()


def has_voted(user: Any, round_: Round) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return Ballot.objects.filter(round=round_, voter_id=user.pk).exists()


def may_see_results(user: Any, topic: Topic, round_: Round | None = None) -> bool:
    """Results stay hidden from a person, the one who raised the topic included, until they have voted in the
    current round or the topic is closed, so that nobody votes with the crowd."""
    if topic.status != TopicStatus.OPEN:
        return permissions.can_view(user)
    return has_voted(user, round_ or current_round(topic))


@dataclass(frozen=True)
class ReasonShown:
    value: int
    label: str
    reason: str
    voter: User | None  # None on anonymous topics


@dataclass(frozen=True)
class RoundResult:
    """What a round's votes say, with the blocks and the other reasons people gave."""

    round: Round
    tally: Tally
    blocks: list[ReasonShown]
    reasons: list[ReasonShown]

    @property
    def bars(self) -> list[tuple[int, str, int, int]]:
        """(value, label, number of votes, percentage) from 5 down to 0, for the bar chart."""
        return [(v, VoteValue(v).label, self.tally.counts[v], self.tally.percent(v)) for v in range(5, -1, -1)]


def round_tally(topic: Topic, round_: Round, *, invited: int | None = None) -> Tally:
    """Count a round's votes in the database (one grouped query) and apply the topic's rule."""
    counts = dict(
        Vote.objects.filter(round=round_)
        .order_by()
        .values_list("value")
        .annotate(n=Count("id"))
        .values_list("value", "n")
    )
    return tally_counts(counts, rule=topic.rule, quorum=topic.quorum, invited=invited)


def round_result(topic: Topic, round_: Round, *, invited: int | None = None) -> RoundResult:
    """The tally of a round with its blocks and reasons, attributed unless the topic is anonymous."""
    shown = (
        Vote.objects.filter(round=round_)
        .exclude(reason="")
        .select_related("voter")
        .order_by("value", "id")[:REASONS_SHOWN]
    )
    blocks: list[ReasonShown] = []
    reasons: list[ReasonShown] = []
    for vote in shown:
        voter = None if topic.anonymous else vote.voter
        item = ReasonShown(vote.value, VoteValue(vote.value).label, vote.reason, voter)
        (blocks if vote.value == 0 else reasons).append(item)
    return RoundResult(round_, round_tally(topic, round_, invited=invited), blocks, reasons)


def open_first(topics: QuerySet[Topic]) -> QuerySet[Topic]:
    """Topics open for votes first, then the others; the newest first within each."""
    return topics.annotate(
        open_first=Case(When(status=TopicStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("open_first", "-created_at", "-id")


def invited_count(topic: Topic) -> int | None:
    """How many people were asked to vote; None when the topic is open to everyone."""
    return None if is_open_to_everyone(topic) else invited_voters(topic).count()


_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str) -> str:
    """Markdown to HTML that is safe to show: raw HTML is not rendered, and nh3 removes anything left that could
    run script or load from elsewhere."""
    return nh3.clean(_markdown.render(text), link_rel="noopener noreferrer nofollow")


# --- Checking input -----------------------------------------------------------------------------------------------


def _clean_text(value: str, *, field: str, limit: int, required: str = "", single_line: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: required})
    if len(value) > limit:
        raise ValidationError({field: f"This is longer than {limit:,} characters ({len(value):,}); shorten it."})
    if "\x00" in value or (single_line and has_control_characters(value)):
        raise ValidationError({field: "This contains control characters; use plain text."})
    return value


def _clean_setup(
    *,
    actor: Actor,
    question: str,
    context: str,
    team: Team | None,
    invited_people: Sequence[User],
    invited_teams: Sequence[Team],
    deadline: datetime | None,
    rule: str,
    quorum: int | None,
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}

    def check(field: str, function: Any) -> Any:
        try:
            return function()
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.message_dict.get(field, error.messages))
            return None

    cleaned = {
        "question": check(
            "question",
            lambda: _clean_text(
                question,
                field="question",
                limit=QUESTION_MAX,
                required="Write the question people will vote on.",
                single_line=True,
            ),
        ),
        "context": check("context", lambda: _clean_text(context, field="context", limit=CONTEXT_MAX)),
    }
    if team is not None:
        if team.archived_at is not None:
            errors.setdefault("team", []).append(f"{team.name} is archived.")
        elif not (permissions.is_admin(actor.user) or team.pk in permissions.current_team_ids(actor.user)):
            errors.setdefault("team", []).append("You can only keep a topic for a team you belong to.")
    people = list(dict.fromkeys(invited_people))
    teams = list(dict.fromkeys(invited_teams))
    if len(people) > MAX_INVITED_PEOPLE:
        errors.setdefault("invited_people", []).append(f"Invite at most {MAX_INVITED_PEOPLE} people by name.")
    for person in people:
        if not person.is_active:
            errors.setdefault("invited_people", []).append(f"{person} can no longer sign in.")
        elif person.role == Role.VIEWER:
            errors.setdefault("invited_people", []).append(f"{person} only looks around (viewer) and cannot vote.")
    if len(teams) > MAX_INVITED_TEAMS:
        errors.setdefault("invited_teams", []).append(f"Invite at most {MAX_INVITED_TEAMS} teams.")
    for invited in teams:
        if invited.archived_at is not None:
            errors.setdefault("invited_teams", []).append(f"{invited.name} is archived.")
    if deadline is not None:
        if timezone.is_naive(deadline):
            errors.setdefault("deadline", []).append("Give the deadline with its time zone.")
        elif deadline <= timezone.now():
            errors.setdefault("deadline", []).append("The deadline has passed; choose a time in the future.")
    if rule not in ClosingRule.values:
        errors.setdefault("rule", []).append("Choose how votes decide: the usual practice, or everyone at 3 or more.")
    if quorum is not None and (isinstance(quorum, bool) or not 1 <= quorum <= MAX_QUORUM):
        errors.setdefault("quorum", []).append(f"A quorum is a number of votes from 1 to {MAX_QUORUM:,}, or none.")
    if errors:
        raise ValidationError(errors)
    return {**cleaned, "people": people, "teams": teams}


def _board_id(board_id: int | None) -> int | None:
    """The idea board a topic was raised from, if it (still) exists; a stale link raises the topic without it."""
    if not board_id or board_id < 1:
        return None
    boards = Topic._meta.get_field("from_board").related_model._default_manager  # type: ignore[union-attr]
    return board_id if boards.filter(pk=board_id).exists() else None


def _snapshot(topic: Topic) -> dict[str, Any]:
    data = audit.snapshot(topic, TOPIC_FIELDS)
    data["invited_people"] = sorted(topic.invited_people.values_list("username", flat=True))
    data["invited_teams"] = sorted(topic.invited_teams.values_list("slug", flat=True))
    return data


# --- Changing -----------------------------------------------------------------------------------------------------


def open_topic(
    *,
    actor: Actor,
    question: str,
    context: str = "",
    team: Team | None = None,
    invited_people: Iterable[User] = (),
    invited_teams: Iterable[Team] = (),
    deadline: datetime | None = None,
    rule: str = ClosingRule.PRACTICE,
    quorum: int | None = None,
    anonymous: bool = False,
    from_board_id: int | None = None,
) -> Topic:
    """Raise a topic and open its first round. Nobody invited means everyone who may take part may vote."""
    _require(permissions.can_take_part(actor.user), "Viewers can look at topics but not raise them.")
    cleaned = _clean_setup(
        actor=actor,
        question=question,
        context=context,
        team=team,
        invited_people=list(invited_people),
        invited_teams=list(invited_teams),
        deadline=deadline,
        rule=rule,
        quorum=quorum,
    )
    topic = Topic(
        question=cleaned["question"],
        context=cleaned["context"],
        team=team,
        created_by=actor.user,
        deadline=deadline,
        rule=rule,
        quorum=quorum,
        anonymous=bool(anonymous),
        from_board_id=_board_id(from_board_id),
    )
    with transaction.atomic():
        topic.save()
        topic.invited_people.set(cleaned["people"])
        topic.invited_teams.set(cleaned["teams"])
        Round.objects.create(topic=topic, number=1, opened_by=actor.user)
        audit.record(actor=actor, action="topic.open", obj=topic, after=_snapshot(topic))
    return topic


ALREADY_VOTED = "You have voted in this round. You can vote again if a new round is opened."
ANONYMOUS_FOR_GOOD = (
    "This topic is anonymous, and that cannot be undone: people voted, or were told they would vote, without "
    "anyone seeing who chose what."
)


def edit_topic(
    *,
    actor: Actor,
    topic: Topic,
    question: str,
    context: str,
    team: Team | None,
    invited_people: Iterable[User],
    invited_teams: Iterable[Team],
    deadline: datetime | None,
    rule: str,
    quorum: int | None,
    anonymous: bool,
) -> Topic:
    """Change a topic until the first vote is cast. Anonymity, once chosen, stays on."""
    _require(permissions.can_run_consensus(actor.user, topic), "Only the person who raised this topic can change it.")
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        if topic.anonymous and not anonymous:
            raise ValidationError({"anonymous": ANONYMOUS_FOR_GOOD})
        if topic.status != TopicStatus.OPEN:
            raise TopicConflict("This topic is closed and can no longer be changed.")
        if Ballot.objects.filter(round__topic=topic).exists():
            raise TopicConflict(
                "People have voted, so the topic can no longer be changed. To change the question, open a new "
                "round and say what changed."
            )
        cleaned = _clean_setup(
            actor=actor,
            question=question,
            context=context,
            team=team,
            invited_people=list(invited_people),
            invited_teams=list(invited_teams),
            deadline=deadline,
            rule=rule,
            quorum=quorum,
        )
        before = _snapshot(topic)
        topic.question, topic.context, topic.team = cleaned["question"], cleaned["context"], team
        topic.deadline, topic.rule, topic.quorum, topic.anonymous = deadline, rule, quorum, bool(anonymous)
        topic.save()
        topic.invited_people.set(cleaned["people"])
        topic.invited_teams.set(cleaned["teams"])
        audit.record(actor=actor, action="topic.edit", obj=topic, before=before, after=_snapshot(topic))
    return topic


def cast_vote(*, actor: Actor, topic: Topic, value: int, reason: str = "") -> Vote:
    """Vote in the topic's current round: one vote per person and round, 0 to 5, with a reason for a block (0).

    On an anonymous topic the vote carries no voter and no time; the ballot records only that the person voted.
    """
    user = actor.user
    if user is None or not permissions.can_take_part(user):
        raise PermissionDenied("Viewers can look at topics but not vote.")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 5:
        raise ValidationError({"value": "Choose a value from 0 to 5."})
    reason = _clean_text(reason, field="reason", limit=REASON_MAX)
    if value == 0 and not reason:
        raise ValidationError({"reason": "A block (0) needs a reason: say what you need changed."})
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        if topic.status != TopicStatus.OPEN:
            raise TopicConflict("This topic is closed; it no longer takes votes.")
        _require(may_vote(user, topic), "You are not invited to vote on this topic.")
        round_ = current_round(topic)
        try:
            # The unique ballot is what refuses a second vote, also from two requests at the same moment.
            with transaction.atomic():
                ballot = Ballot.objects.create(round=round_, voter=user)
        except IntegrityError:
            raise TopicConflict(ALREADY_VOTED) from None
        if topic.anonymous:
            vote = Vote.objects.create(round=round_, value=value, reason=reason, voter=None, created_at=None)
            audit.record(actor=actor, action="topic.vote", obj=ballot, after={"round": round_.number})
        else:
            vote = Vote.objects.create(round=round_, value=value, reason=reason, voter=user, created_at=timezone.now())
            audit.record(
                actor=actor,
                action="topic.vote",
                obj=vote,
                after={"round": round_.number, "value": value, "reason": reason},
            )
    return vote


def next_round(*, actor: Actor, topic: Topic, note: str) -> Round:
    """Close the current round and open the next one; the earlier rounds and their votes are kept."""
    _require(
        permissions.can_run_consensus(actor.user, topic), "Only the person who raised this topic can open a round."
    )
    note = _clean_text(
        note,
        field="note",
        limit=NOTE_MAX,
        required="Say what changed since the last round, so people know what they are voting on now.",
    )
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        if topic.status != TopicStatus.OPEN:
            raise TopicConflict("This topic is closed; it has no more rounds.")
        previous = current_round(topic)
        if not previous.ballots.exists():
            raise TopicConflict(f"Nobody has voted in round {previous.number} yet; wait for votes first.")
        now = timezone.now()
        previous.closed_at = now
        previous.save(update_fields=["closed_at"])
        round_ = Round.objects.create(topic=topic, number=previous.number + 1, note=note, opened_by=actor.user)
        audit.record(actor=actor, action="topic.next_round", obj=topic, after={"round": round_.number, "note": note})
    return round_


def close_topic(*, actor: Actor, topic: Topic, outcome: str) -> Topic:
    """Close a topic with its outcome written down: what the group agreed, or why it stopped."""
    _require(permissions.can_run_consensus(actor.user, topic), "Only the person who raised this topic can close it.")
    outcome = _clean_text(
        outcome,
        field="outcome",
        limit=OUTCOME_MAX,
        required="Write down the outcome: what the group agreed, or why it stopped here.",
    )
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        if topic.status != TopicStatus.OPEN:
            raise TopicConflict("This topic is already closed.")
        before = _snapshot(topic)
        now = timezone.now()
        Round.objects.filter(topic=topic, closed_at=None).update(closed_at=now)
        topic.status, topic.outcome, topic.closed_at, topic.closed_by = TopicStatus.CLOSED, outcome, now, actor.user
        topic.save(update_fields=["status", "outcome", "closed_at", "closed_by"])
        audit.record(actor=actor, action="topic.close", obj=topic, before=before, after=_snapshot(topic))
    return topic


def archive_topic(*, actor: Actor, topic: Topic) -> Topic:
    """Put a topic away: it keeps its rounds and votes, takes no more votes and leaves the lists."""
    _require(permissions.can_run_consensus(actor.user, topic), "Only the person who raised this topic can archive it.")
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        if topic.status == TopicStatus.ARCHIVED:
            return topic
        before = _snapshot(topic)
        now = timezone.now()
        Round.objects.filter(topic=topic, closed_at=None).update(closed_at=now)
        topic.status, topic.archived_at = TopicStatus.ARCHIVED, now
        topic.save(update_fields=["status", "archived_at"])
        audit.record(actor=actor, action="topic.archive", obj=topic, before=before, after=_snapshot(topic))
    return topic
