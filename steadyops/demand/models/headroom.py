"""Headroom findings: what a traffic event will need from a service, against what the service has."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

__all__ = ["FindingStatus", "HeadroomFinding", "Verdict"]

RECOMMENDATION_MAX = 500


class FindingStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Verdict(models.TextChoices):
    """What the comparison found, worst first."""

    LATE = "late", "Too late to add instances in time"
    SHORT = "short", "Not enough instances"
    UNKNOWN = "unknown", "Cannot tell yet"
    ENOUGH = "enough", "Enough"


class HeadroomFinding(models.Model):
    """One service's readiness for one traffic event in one environment: the forecast peak, the instances that
    peak needs, the instances it has, and what to add by when.

    Recomputing updates the finding in place. A finding is open while there is something to do (a shortfall, or
    figures missing to tell); it closes itself when a recompute finds enough capacity, and a new shortfall later
    opens a new finding (and tells the owners again). At most one finding per service, event and environment is
    open; the newest one is the current assessment.
    """

    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="headroom_findings")
    environment = models.ForeignKey("catalog.Environment", on_delete=models.PROTECT, related_name="headroom_findings")
    event = models.ForeignKey("demand.DemandEvent", on_delete=models.CASCADE, related_name="headroom_findings")
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    peak = models.FloatField(null=True, blank=True, help_text="The busy-day peak forecast over the event.")
    unit = models.CharField(max_length=30, blank=True)
    forecast_method = models.CharField(max_length=30, blank=True)
    needed = models.PositiveIntegerField(null=True, blank=True)
    current = models.PositiveIntegerField(null=True, blank=True)
    shortfall = models.PositiveIntegerField(default=0)
    deadline = models.DateField(null=True, blank=True, help_text="The last day to order instances in time.")
    headroom_pct = models.FloatField(null=True, blank=True)
    pool_repurposable = models.BooleanField(default=False)
    recommendation = models.CharField(max_length=RECOMMENDATION_MAX)
    status = models.CharField(max_length=8, choices=FindingStatus.choices, default=FindingStatus.OPEN, db_index=True)
    computed_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deadline", "-shortfall", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "event", "environment"],
                condition=Q(status="open"),
                name="headroom_one_open_finding",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} for {self.event}: {self.recommendation}"

    @property
    def is_open(self) -> bool:
        return self.status == FindingStatus.OPEN
