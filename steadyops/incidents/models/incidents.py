"""Incidents: the record of a problem being handled, its timeline, its updates and who follows it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

__all__ = [
    "Audience",
    "Incident",
    "IncidentStatus",
    "Severity",
    "StatusUpdate",
    "Subscription",
    "SubscriptionScope",
    "TimelineEntry",
    "TimelineKind",
]

TITLE_MAX = 200
SUMMARY_MAX = 5000
TEXT_MAX = 5000
PLAIN_MAX = 1000
PRODUCT_AREA_MAX = 100


class Severity(models.IntegerChoices):
    """How bad it is for customers. The labels are the definitions, in plain words."""

    SEV1 = 1, "SEV1: customers cannot use a key part of the product (buy, sign in, pay)"
    SEV2 = 2, "SEV2: a key part is badly degraded, or many customers are affected"
    SEV3 = 3, "SEV3: a minor part is broken or slow; a workaround exists"
    SEV4 = 4, "SEV4: cosmetic or internal only; no customer impact"


class IncidentStatus(models.TextChoices):
    """Where the work stands: looking for the cause, cause found, fix in place and watched, over."""

    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"


OPEN_STATUSES = (IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING)


class TimelineKind(models.TextChoices):
    AUTO = "auto", "Automatic"
    NOTE = "note", "Note"
    STATUS = "status", "Status"
    UPDATE = "update", "Update"
    PAGE = "page", "Paging"
    SIGNAL = "signal", "Reports and alerts"
    ROLE = "role", "Roles"


class Audience(models.TextChoices):
    TECHNICAL = "technical", "Technical"
    STAKEHOLDERS = "stakeholders", "For everyone (plain words)"


class SubscriptionScope(models.TextChoices):
    ALL = "all", "Every incident"
    SERVICE = "service", "Incidents on a service"
    SEVERITY = "severity", "Incidents of a severity and worse"
    INCIDENT = "incident", "This incident"


class Incident(models.Model):
    """A problem customers or colleagues feel, handled by operations from declaration to resolution."""

    number = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=TITLE_MAX)
    summary = models.TextField(blank=True, max_length=SUMMARY_MAX)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    status = models.CharField(max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING)
    services = models.ManyToManyField("catalog.Service", blank=True, related_name="incidents")
    product_area = models.CharField(max_length=PRODUCT_AREA_MAX, blank=True)
    commander = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    communications = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scribe = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    declared_at = models.DateTimeField(db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    mitigated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    next_update_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The due time a reminder was last sent for, so each due time is reminded once however often the task runs.
    reminded_for_due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-declared_at", "-number"]
        indexes = [models.Index(fields=["status", "-declared_at"], name="incidents_status_declared")]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    @property
    def key(self) -> str:
        return f"INC-{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStatus.RESOLVED

    @property
    def severity_label(self) -> str:
        return Severity(self.severity).label

    @property
    def severity_name(self) -> str:
        return Severity(self.severity).name

    @property
    def status_label(self) -> str:
        return IncidentStatus(self.status).label

    @property
    def plain_severity(self) -> str:
        return PLAIN_SEVERITY[self.severity]

    @property
    def plain_status(self) -> str:
        return PLAIN_STATUS[IncidentStatus(self.status)]


class TimelineEntry(models.Model):
    """One line of an incident's story: something steadyops did, or a note a responder wrote."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=16, choices=TimelineKind.choices)
    text = models.TextField(max_length=TEXT_MAX)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]
        verbose_name_plural = "timeline entries"

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind}: {self.text[:60]}"


class StatusUpdate(models.Model):
    """A message about an incident: technical for responders, or in plain words for everyone else."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    audience = models.CharField(max_length=16, choices=Audience.choices)
    text = models.TextField(blank=True, max_length=TEXT_MAX)
    affected = models.TextField(blank=True, max_length=PLAIN_MAX)
    customers_see = models.TextField(blank=True, max_length=PLAIN_MAX)
    tell_customers = models.TextField(blank=True, max_length=PLAIN_MAX)
    next_update_by = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.audience} update"

    @property
    def is_for_stakeholders(self) -> bool:
        return self.audience == Audience.STAKEHOLDERS


class Subscription(models.Model):
    """A person or a team that wants to hear about incidents: all of them, a service's, a severity's or one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="incident_subscriptions"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="incident_subscriptions"
    )
    scope = models.CharField(max_length=16, choices=SubscriptionScope.choices)
    service = models.ForeignKey(
        "catalog.Service", null=True, blank=True, on_delete=models.CASCADE, related_name="incident_subscriptions"
    )
    max_severity = models.PositiveSmallIntegerField(null=True, blank=True, choices=Severity.choices)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False, team__isnull=True) | Q(user__isnull=True, team__isnull=False)),
                name="incidents_subscription_one_subscriber",
            ),
            models.CheckConstraint(
                condition=(
                    Q(scope="all", service__isnull=True, max_severity__isnull=True, incident__isnull=True)
                    | Q(scope="service", service__isnull=False, max_severity__isnull=True, incident__isnull=True)
                    | Q(scope="severity", service__isnull=True, max_severity__isnull=False, incident__isnull=True)
                    | Q(scope="incident", service__isnull=True, max_severity__isnull=True, incident__isnull=False)
                ),
                name="incidents_subscription_target_fits_scope",
            ),
            # One severity subscription per subscriber: choosing another severity replaces it.
            models.UniqueConstraint(
                fields=["user", "scope"],
                condition=Q(scope__in=["all", "severity"], user__isnull=False),
                name="incidents_subscription_user_scope",
            ),
            models.UniqueConstraint(
                fields=["team", "scope"],
                condition=Q(scope__in=["all", "severity"], team__isnull=False),
                name="incidents_subscription_team_scope",
            ),
            models.UniqueConstraint(
                fields=["user", "service"],
                condition=Q(scope="service", user__isnull=False),
                name="incidents_subscription_user_service",
            ),
            models.UniqueConstraint(
                fields=["team", "service"],
                condition=Q(scope="service", team__isnull=False),
                name="incidents_subscription_team_service",
            ),
            models.UniqueConstraint(
                fields=["user", "incident"],
                condition=Q(scope="incident", user__isnull=False),
                name="incidents_subscription_user_incident",
            ),
            models.UniqueConstraint(
                fields=["team", "incident"],
                condition=Q(scope="incident", team__isnull=False),
                name="incidents_subscription_team_incident",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber_label}: {self.describe()}"

    @property
    def subscriber_label(self) -> str:
        return str(self.team if self.team_id else self.user)

    def describe(self) -> str:
        """What this subscription covers, in plain words."""
        if self.scope == SubscriptionScope.SERVICE and self.service is not None:
            return f"problems with {self.service.name}"
        if self.scope == SubscriptionScope.SEVERITY and self.max_severity is not None:
            if self.max_severity == 1:
                return "SEV1 problems only"
            return f"SEV{self.max_severity} problems and worse"
        if self.scope == SubscriptionScope.INCIDENT and self.incident is not None:
            return f"{self.incident.key} {self.incident.title}"
        return "every problem"


# Plain words for people outside operations (the status page, notifications): no SEV numbers, no jargon.
PLAIN_SEVERITY = {
    1: "Major problem: customers cannot use a key part of the product",
    2: "Serious problem: a key part works badly or many customers are affected",
    3: "Minor problem: a small part is broken or slow, and there is a way around it",
    4: "Small problem: customers are not affected",
}
PLAIN_STATUS = {
    IncidentStatus.INVESTIGATING: "We are looking for the cause",
    IncidentStatus.IDENTIFIED: "We found the cause and are fixing it",
    IncidentStatus.MONITORING: "A fix is in place and we are watching that it holds",
    IncidentStatus.RESOLVED: "Fixed",
}
