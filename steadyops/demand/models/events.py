"""Traffic events that marketing and sales tell operations about: a sale, a newsletter, a TV spot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from steadyops.catalog.models import Service

__all__ = [
    "ROUGH_MULTIPLIER",
    "CalendarFeed",
    "Confidence",
    "DemandEvent",
    "EventComment",
    "EventReminder",
    "EventStatus",
    "RoughSize",
    "SizeKind",
]

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
CONTACT_MAX = 300
COMMENT_MAX = 5000
TIMEZONE_MAX = 64


class EventStatus(models.TextChoices):
    NEW = "new", "New: operations has not looked at it yet"
    ACKNOWLEDGED = "acknowledged", "Seen by operations"
    PLAN_NEEDED = "plan_needed", "Operations is preparing for it"
    READY = "ready", "Ready: operations is prepared"
    CANCELLED = "cancelled", "Cancelled"


class SizeKind(models.TextChoices):
    MULTIPLIER = "multiplier", "A number of times today's traffic"
    PEAK = "peak", "An expected peak"
    UNKNOWN = "unknown", "I don't know"


class RoughSize(models.TextChoices):
    SMALL = "small", "Small: a bit busier than a normal day"
    MEDIUM = "medium", "Medium: clearly busier, like a good sale day"
    HUGE = "huge", "Huge: the busiest day of the year"


class Confidence(models.TextChoices):
    LOW = "low", "Not sure yet"
    MEDIUM = "medium", "Fairly sure"
    HIGH = "high", "It is decided"


# What "I don't know, but small/medium/huge" means in numbers for the forecast.
ROUGH_MULTIPLIER: dict[str, float] = {"small": 1.5, "medium": 3.0, "huge": 6.0}


class DemandEvent(models.Model):
    """Something outside operations that will bring more traffic than usual, registered by the people who know
    about it (a Black Friday sale, a newsletter, a TV spot), with how much more and on which services."""

    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX)
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField(db_index=True)
    timezone = models.CharField(max_length=TIMEZONE_MAX, help_text="The IANA time zone the times were entered in.")
    size_kind = models.CharField(max_length=16, choices=SizeKind.choices, default=SizeKind.UNKNOWN)
    multiplier = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    expected_peak = models.FloatField(
        null=True, blank=True, help_text="In the unit of the service's main metric, such as requests/s."
    )
    # NULL, not "", when the size was given otherwise: the other demand areas test it with isnull.
    rough_size = models.CharField(max_length=16, choices=RoughSize.choices, null=True, blank=True)  # noqa: DJ001
    whole_site = models.BooleanField(default=False)
    services: models.ManyToManyField[Service, models.Model] = models.ManyToManyField(
        "catalog.Service", blank=True, related_name="demand_events"
    )
    confidence = models.CharField(max_length=16, choices=Confidence.choices, default=Confidence.MEDIUM)
    contact = models.CharField(max_length=CONTACT_MAX, blank=True, help_text="Who to ask about it.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="demand_events"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="demand_events"
    )
    status = models.CharField(max_length=16, choices=EventStatus.choices, default=EventStatus.NEW, db_index=True)
    ramp_up_hours = models.PositiveIntegerField(default=0)
    ramp_down_hours = models.PositiveIntegerField(default=0)
    realised_uplift = models.FloatField(
        null=True, blank=True, help_text="Measured after the event: actual traffic ÷ the forecast without it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="demand_event_ends_after"),
            models.CheckConstraint(
                condition=Q(multiplier__isnull=True) | Q(multiplier__gt=0, multiplier__lte=1000),
                name="demand_event_multiplier_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def uplift(self) -> float | None:
        """How many times normal traffic this event brings: the multiplier, the rough size's figure, or None
        when it was given as an expected peak (the forecast then compares that peak directly)."""
        if self.size_kind == SizeKind.MULTIPLIER and self.multiplier is not None:
            return float(self.multiplier)
        if self.size_kind == SizeKind.UNKNOWN and self.rough_size:
            return ROUGH_MULTIPLIER.get(self.rough_size)
        return None

    @property
    def multiplier_text(self) -> str:
        """The multiplier as people write it: 6, 2.5, 1000 (never 6.00 or 1E+3)."""
        return "" if self.multiplier is None else f"{self.multiplier.normalize():f}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED


class EventComment(models.Model):
    """A message on an event between the people who registered it and operations."""

    event = models.ForeignKey(DemandEvent, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="demand_event_comments"
    )
    text = models.TextField(max_length=COMMENT_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author} on {self.event}"


class CalendarFeed(models.Model):
    """A private calendar address (iCalendar) that shows a team's traffic events in Outlook, Google or Apple
    Calendar. Only a hash of its secret is kept; revoking it makes the address stop working."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="demand_calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12, help_text="The first characters, to tell addresses apart.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"calendar of {self.team} ({self.hint}…)"


class EventReminder(models.Model):
    """A reminder sent about an event (a week or a day before), kept so each is sent once."""

    event = models.ForeignKey(DemandEvent, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    starts_at = models.DateTimeField(help_text="The start it was sent for; a moved event is reminded again.")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "days_before", "starts_at"], name="unique_demand_reminder")
        ]

    def __str__(self) -> str:
        return f"{self.days_before}-day reminder of {self.event}"
