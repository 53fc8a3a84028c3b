"""Intake: panic reports and alerts as they arrive, grouped into signals that wait in triage or page on-call."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

__all__ = [
    "Alert",
    "AlertSeverity",
    "AlertSource",
    "AlertStatus",
    "Customers",
    "DeclineReason",
    "RateBucket",
    "Report",
    "ReportSource",
    "Signal",
    "SignalStatus",
]

TITLE_MAX = 200
WHAT_MAX = 2_000
URL_MAX = 500
AREA_MAX = 100
NOTE_MAX = 2_000
FINGERPRINT_MAX = 200
KEYWORDS_MAX = 1_000


class SignalStatus(models.TextChoices):
    """Where a signal stands: collecting in triage, paged, turned into or merged with an incident, or closed."""

    OPEN = "open", "Waiting in the triage queue"
    PAGED = "paged", "On-call has been paged"
    ACCEPTED = "accepted", "Became an incident"
    MERGED = "merged", "Joined an existing incident"
    DECLINED = "declined", "Looked at: not an incident"
    RESOLVED = "resolved", "Alerts cleared by themselves"


class DeclineReason(models.TextChoices):
    """Why a signal did not become an incident, in words the reporter understands."""

    NOT_A_PROBLEM = "not_a_problem", "Not a problem: everything was working"
    KNOWN_ISSUE = "known_issue", "A known issue that is already being handled"
    PLANNED_MAINTENANCE = "planned_maintenance", "Planned maintenance"
    USER_ERROR = "user_error", "Something on the user's side, not the service"


class Customers(models.TextChoices):
    """Roughly how many customers a reporter thinks are affected."""

    ONE = "one", "One customer"
    FEW = "few", "A few customers"
    MANY = "many", "Many customers"
    UNKNOWN = "unknown", "I don't know"


class ReportSource(models.TextChoices):
    PAGE = "page", "The panic page"
    API = "api", "The API"
    ME_TOO = "me_too", "I see this too"


class AlertSource(models.TextChoices):
    ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
    GENERIC = "generic", "Generic alert webhook"


class AlertStatus(models.TextChoices):
    FIRING = "firing", "Firing"
    RESOLVED = "resolved", "Resolved"


class AlertSeverity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    WARNING = "warning", "Warning"
    INFO = "info", "Information"


class Signal(models.Model):
    """Reports and alerts that seem to be about the same problem, gathered so triage looks at them once."""

    title = models.CharField(max_length=TITLE_MAX)
    service = models.ForeignKey(
        "catalog.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="incident_signals"
    )
    product_area = models.CharField(max_length=AREA_MAX, blank=True)
    status = models.CharField(max_length=16, choices=SignalStatus.choices, default=SignalStatus.OPEN)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="signals"
    )
    # Normalised words of the texts that joined, so a new text can be compared with them without reading them all.
    keywords = models.CharField(max_length=KEYWORDS_MAX, blank=True)
    # Alertmanager's groupKey of the alerts that opened it: later alerts of the same group join it.
    group_key = models.CharField(max_length=FINGERPRINT_MAX * 2, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    report_count = models.PositiveIntegerField(default=0)
    alert_count = models.PositiveIntegerField(default=0)
    critical = models.BooleanField(default=False, help_text="At least one critical alert joined it.")
    paged_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=32, choices=DeclineReason.choices, blank=True)
    decline_note = models.TextField(blank=True, max_length=NOTE_MAX)
    declined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    declined_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_seen_at", "-pk"]
        indexes = [models.Index(fields=["status", "last_seen_at"], name="incidents_signal_status_seen")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in (SignalStatus.OPEN, SignalStatus.PAGED)


class Report(models.Model):
    """One press of the panic button: someone saw something that looks broken."""

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panic_reports")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    what = models.TextField(blank=True, max_length=WHAT_MAX)
    where_url = models.CharField(max_length=URL_MAX, blank=True)
    service = models.ForeignKey(
        "catalog.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="panic_reports"
    )
    product_area = models.CharField(max_length=AREA_MAX, blank=True)
    customers = models.CharField(max_length=8, choices=Customers.choices, default=Customers.UNKNOWN)
    signal = models.ForeignKey(Signal, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    source = models.CharField(max_length=8, choices=ReportSource.choices, default=ReportSource.PAGE)
    created_at = models.DateTimeField()
    grouped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(grouped_at=None), name="incidents_report_pending"),
            models.Index(fields=["reporter", "created_at"], name="incidents_report_reporter"),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} by {self.reporter_id}"


class Alert(models.Model):
    """One alert from a monitoring system, kept once per (source, fingerprint, start) however often it is resent."""

    source = models.CharField(max_length=16, choices=AlertSource.choices)
    fingerprint = models.CharField(max_length=FINGERPRINT_MAX)
    status = models.CharField(max_length=8, choices=AlertStatus.choices, default=AlertStatus.FIRING)
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    labels = models.JSONField(default=dict, blank=True)
    annotations = models.JSONField(default=dict, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    generator_url = models.CharField(max_length=URL_MAX * 2, blank=True)
    group_key = models.CharField(max_length=FINGERPRINT_MAX * 2, blank=True)
    receiver = models.CharField(max_length=FINGERPRINT_MAX, blank=True)
    severity = models.CharField(max_length=8, choices=AlertSeverity.choices, default=AlertSeverity.WARNING)
    service = models.ForeignKey(
        "catalog.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="incident_alerts"
    )
    product_area = models.CharField(max_length=AREA_MAX, blank=True)
    signal = models.ForeignKey(Signal, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts")
    received_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    grouped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "fingerprint", "starts_at"], name="incidents_alert_once")
        ]
        indexes = [
            models.Index(fields=["received_at"], condition=Q(grouped_at=None), name="incidents_alert_pending"),
        ]

    def __str__(self) -> str:
        return self.title or self.fingerprint


class RateBucket(models.Model):
    """A token bucket for one key (a person pressing panic, a token sending alerts), kept in the database so
    every web process sees the same count."""

    key = models.CharField(max_length=100, unique=True)
    tokens = models.FloatField()
    # Seconds since the epoch as a number, so one SQL statement can refill and spend on SQLite and PostgreSQL.
    updated = models.FloatField()

    def __str__(self) -> str:
        return f"{self.key}: {self.tokens:.1f}"
