"""Idea boards (many people, many ideas, top-five voting) and working sessions (a few people, the conflicts
worked out, the outcome written down)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

__all__ = [
    "BoardStage",
    "Conflict",
    "Idea",
    "IdeaBoard",
    "IdeaVote",
    "SessionStatus",
    "WorkingSession",
]

BOARD_TITLE_MAX = 200
BOARD_QUESTION_MAX = 300
BOARD_DESCRIPTION_MAX = 2000
IDEA_TEXT_MAX = 500
VOTES_MIN = 1
VOTES_MAX = 10
VOTES_DEFAULT = 5
SESSION_TITLE_MAX = 200
SESSION_PURPOSE_MAX = 2000
CONFLICT_TEXT_MAX = 2000
RECORD_MAX = 20000


class BoardStage(models.TextChoices):
    GATHERING = "gathering", "Gathering ideas"
    SHORTLISTING = "shortlisting", "Picking the shortlist"
    VOTING = "voting", "Voting"
    CLOSED = "closed", "Closed"


class IdeaBoard(models.Model):
    """A question put to a large group: everyone adds ideas, the runner picks the interesting ones, and everyone
    votes for their top five."""

    title = models.CharField(max_length=BOARD_TITLE_MAX)
    question = models.CharField(max_length=BOARD_QUESTION_MAX, help_text="What people are asked for ideas on.")
    description = models.TextField(blank=True, max_length=BOARD_DESCRIPTION_MAX)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="idea_boards"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=20, choices=BoardStage.choices, default=BoardStage.GATHERING)
    allow_anonymous_ideas = models.BooleanField(default=False)
    votes_per_person = models.PositiveSmallIntegerField(default=VOTES_DEFAULT)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(votes_per_person__gte=VOTES_MIN, votes_per_person__lte=VOTES_MAX),
                name="consensus_board_votes_per_person_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Idea(models.Model):
    """One idea on a board. An anonymous idea has no author, and none is kept anywhere. A duplicate merged into
    another idea stays visible under it, and its votes count for that idea."""

    board = models.ForeignKey(IdeaBoard, on_delete=models.CASCADE, related_name="ideas")
    text = models.TextField(max_length=IDEA_TEXT_MAX)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_ideas"
    )
    shortlisted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class IdeaVote(models.Model):
    """One person's vote for one idea. A person has the board's votes_per_person votes to spend across its ideas."""

    board = models.ForeignKey(IdeaBoard, on_delete=models.CASCADE, related_name="votes")
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["idea", "voter"], name="consensus_one_vote_per_idea"),
        ]
        indexes = [models.Index(fields=["board", "voter"], name="consensus_vote_board_voter")]

    def __str__(self) -> str:
        return f"{self.voter_id} → {self.idea_id}"


class SessionStatus(models.TextChoices):
    OPEN = "open", "Working"
    RECORDED = "recorded", "Written down"


class WorkingSession(models.Model):
    """A small group meeting to settle the details: the conflicts are listed and worked out one by one, and the
    outcome is written down as the record."""

    title = models.CharField(max_length=SESSION_TITLE_MAX)
    purpose = models.TextField(blank=True, max_length=SESSION_PURPOSE_MAX)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="working_sessions"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="working_sessions")
    status = models.CharField(max_length=20, choices=SessionStatus.choices, default=SessionStatus.OPEN)
    record = models.TextField(blank=True, max_length=RECORD_MAX, help_text="The written record, in Markdown.")
    created_at = models.DateTimeField(auto_now_add=True)
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Conflict(models.Model):
    """A point the session's people disagree on, and, once worked out, the details they agreed."""

    session = models.ForeignKey(WorkingSession, on_delete=models.CASCADE, related_name="conflicts")
    description = models.TextField(max_length=CONFLICT_TEXT_MAX)
    resolution = models.TextField(blank=True, max_length=CONFLICT_TEXT_MAX)
    resolved = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.description[:80]
