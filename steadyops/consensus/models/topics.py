"""Topics voted on from 0 to 5, in rounds, until the group can move on."""

from __future__ import annotations

from django.conf import settings
from django.db import models

__all__ = ["Ballot", "ClosingRule", "Round", "Topic", "TopicStatus", "Vote", "VoteValue"]

QUESTION_MAX = 200
CONTEXT_MAX = 10_000
REASON_MAX = 2_000
NOTE_MAX = 2_000
OUTCOME_MAX = 5_000


class VoteValue(models.IntegerChoices):
    """The six answers, each with the words people see beside it."""

    BLOCK = 0, "I block this: I need changes"
    SERIOUS = 1, "I have serious concerns"
    CONCERNS = 2, "I have concerns"
    LIVE_WITH = 3, "I can live with it"
    SUPPORT = 4, "I support it"
    LEAD = 5, "Great idea, I will help lead it"


class ClosingRule(models.TextChoices):
    """How the votes of a round turn into "move on" or "needs more discussion"."""

    PRACTICE = "practice", "Most say 4 or 5: move on. Most say 0 to 3: talk more."
    EVERYONE_3 = "everyone_3", "Everyone who votes says 3 or more: move on."


class TopicStatus(models.TextChoices):
    OPEN = "open", "Open for votes"
    CLOSED = "closed", "Closed with an outcome"
    ARCHIVED = "archived", "Archived"


class Topic(models.Model):
    """A question put to a group, who answer it from 0 (I block this) to 5 (I will help lead it), in rounds,
    until the rule says they can move on; closed with a written outcome."""

    question = models.CharField(max_length=QUESTION_MAX)
    context = models.TextField(blank=True, max_length=CONTEXT_MAX, help_text="Markdown.")
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consensus_topics",
        help_text="The team the topic is kept for; its members may run it.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consensus_topics_started"
    )
    invited_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="consensus_topic_invitations"
    )
    invited_teams = models.ManyToManyField("accounts.Team", blank=True, related_name="consensus_topic_invitations")
    deadline = models.DateTimeField(null=True, blank=True)
    rule = models.CharField(max_length=16, choices=ClosingRule.choices, default=ClosingRule.PRACTICE)
    quorum = models.PositiveIntegerField(
        null=True, blank=True, help_text="The fewest votes for a round's result to count."
    )
    anonymous = models.BooleanField(default=False, help_text="Nobody sees who voted what; cannot be turned off.")
    status = models.CharField(max_length=16, choices=TopicStatus.choices, default=TopicStatus.OPEN, db_index=True)
    outcome = models.TextField(blank=True, max_length=OUTCOME_MAX)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    from_board = models.ForeignKey(
        "consensus.IdeaBoard",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="raised_topics",
        help_text="The idea board whose winning idea this topic was raised from.",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quorum__isnull=True) | models.Q(quorum__gte=1), name="topic_quorum_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed") | ~models.Q(outcome=""), name="topic_closed_has_outcome"
            ),
        ]

    def __str__(self) -> str:
        return self.question

    @property
    def is_open(self) -> bool:
        return self.status == TopicStatus.OPEN


class Round(models.Model):
    """One round of voting on a topic. A new round starts after a discussion, with a note on what changed; the
    earlier rounds and their votes are kept."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveIntegerField()
    note = models.TextField(blank=True, max_length=NOTE_MAX, help_text="What changed since the round before.")
    opened_at = models.DateTimeField(auto_now_add=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(
        null=True, blank=True, help_text="When those who had not voted were reminded of the deadline."
    )

    class Meta:
        ordering = ["topic", "number"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "number"], name="round_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="round_number_positive"),
        ]

    def __str__(self) -> str:
        return f"round {self.number} of {self.topic}"


class Vote(models.Model):
    """One answer from 0 to 5 in a round. On an anonymous topic it carries no voter: who voted is only on the
    Ballot."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="votes")
    value = models.PositiveSmallIntegerField(choices=VoteValue.choices)
    reason = models.TextField(blank=True, max_length=REASON_MAX)
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="consensus_votes"
    )
    created_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gte=0, value__lte=5), name="vote_value_0_to_5"),
            models.CheckConstraint(
                condition=models.Q(value__gte=1) | ~models.Q(reason=""), name="vote_block_has_reason"
            ),
            # NULL voters (anonymous votes) never collide: both databases treat NULLs as distinct here.
            models.UniqueConstraint(fields=["round", "voter"], name="vote_once_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.value} in {self.round}"


class Ballot(models.Model):
    """The receipt that a person voted in a round (but not what): one per person and round, so a second vote is
    refused and reminders skip them, also when the topic is anonymous."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ballots")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consensus_ballots")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "voter"], name="ballot_once_per_round")]

    def __str__(self) -> str:
        return f"{self.voter} voted in {self.round}"
