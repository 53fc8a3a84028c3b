"""The decision log: architecture and team decisions, written down so the same argument is not had twice."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

__all__ = ["Decision", "DecisionStatus", "SourceFormat"]


class DecisionStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    DEPRECATED = "deprecated", "No longer followed"
    SUPERSEDED = "superseded", "Replaced by a later decision"


class SourceFormat(models.TextChoices):
    NONE = "", "Written here"
    MADR = "madr", "MADR"
    ADR_TOOLS = "adr-tools", "adr-tools"
    LOG4BRAINS = "log4brains", "log4brains"


class Decision(models.Model):
    """One decision record in the MADR shape: the problem, the options weighed, what was chosen and why.

    Its number is the ADR number, so an imported file and the record it became keep the same name. Records
    are never deleted: a mistaken one is withdrawn (kept, but no longer offered as a similar past decision),
    and a decision that no longer holds is superseded by a later one."""

    number = models.PositiveIntegerField(unique=True, validators=[MinValueValidator(1)])
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=DecisionStatus.choices, default=DecisionStatus.PROPOSED)
    date = models.DateField(null=True, blank=True)
    decision_makers = models.TextField(blank=True)
    consulted = models.TextField(blank=True)
    informed = models.TextField(blank=True)
    context_and_problem = models.TextField(blank=True)
    decision_drivers = models.TextField(blank=True)
    considered_options = models.TextField(blank=True)
    pros_and_cons = models.TextField(blank=True)
    decision_outcome = models.TextField(blank=True)
    consequences = models.TextField(blank=True)
    confirmation = models.TextField(blank=True)
    more_information = models.TextField(blank=True)
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    source_path = models.CharField(max_length=500, blank=True, db_index=True)
    source_format = models.CharField(max_length=16, choices=SourceFormat.choices, blank=True, default="")
    # The file exactly as imported, so exporting it again in the same format gives back the same bytes.
    source_text = models.TextField(blank=True)
    topics = models.ManyToManyField("consensus.Topic", blank=True, related_name="decisions")
    boards = models.ManyToManyField("consensus.IdeaBoard", blank=True, related_name="decisions")
    sessions = models.ManyToManyField("consensus.WorkingSession", blank=True, related_name="decisions")

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None
