"""On-call: rotations with their members and overrides, escalation policies and their steps, and pages (one
escalation in progress, a durable row claimed by workers with a lease)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

__all__ = [
    "EscalationPolicy",
    "EscalationStep",
    "Override",
    "Page",
    "PageLinkUse",
    "PageNotification",
    "PageState",
    "Rotation",
    "RotationMember",
    "RotationPeriod",
]


class RotationPeriod(models.TextChoices):
    DAILY = "daily", "Every day"
    WEEKLY = "weekly", "Every week"
    CUSTOM = "custom", "Every few hours (custom)"


class Rotation(models.Model):
    """A team's on-call schedule: its members take turns, handing over at a fixed local time in a time zone."""

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="rotations")
    name = models.CharField(max_length=100)
    period = models.CharField(max_length=8, choices=RotationPeriod.choices, default=RotationPeriod.WEEKLY)
    period_hours = models.PositiveIntegerField(null=True, blank=True, help_text="Shift length for custom periods.")
    handoff_time = models.TimeField()
    timezone = models.CharField(max_length=64, default="UTC")
    starts_on = models.DateField()
    # A private calendar address: only the hash of its secret is kept, as for API tokens.
    feed_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    feed_hint = models.CharField(max_length=20, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["team__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period="custom", period_hours__gte=1) | ~Q(period="custom"),
                name="rotation_custom_has_hours",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.team})"


class RotationMember(models.Model):
    """A person taking turns in a rotation; position 0 has the first shift."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rotation_memberships")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["rotation", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rotation", "position"], name="unique_rotation_position"),
        ]

    def __str__(self) -> str:
        return f"{self.user} #{self.position + 1} in {self.rotation.name}"


class Override(models.Model):
    """Someone covering a rotation from one moment to another (holiday swap, sick cover); it wins over the turn."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="oncall_overrides")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["rotation", "ends_at"], name="override_rotation_ends")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="override_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.user} covers {self.rotation.name} from {self.starts_at:%Y-%m-%d %H:%M}"


class EscalationPolicy(models.Model):
    """Who to page, in which order, and how long to wait for an answer before trying the next step."""

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="escalation_policies")
    name = models.CharField(max_length=100)
    repeat = models.PositiveSmallIntegerField(default=0, help_text="How many times to run the steps again (0 to 5).")
    is_default = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["team__name", "name"]
        verbose_name_plural = "escalation policies"
        constraints = [
            models.UniqueConstraint(
                fields=["team"], condition=Q(is_default=True, archived_at=None), name="one_default_policy_per_team"
            ),
            models.CheckConstraint(condition=Q(repeat__lte=5), name="policy_repeat_at_most_5"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.team})"


class EscalationStep(models.Model):
    """One step of a policy: notify a person, or whoever is on call in a rotation, then wait for an answer."""

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rotation = models.ForeignKey(Rotation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    wait_minutes = models.PositiveIntegerField()

    class Meta:
        ordering = ["policy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="unique_escalation_position"),
            models.CheckConstraint(
                condition=Q(user__isnull=False, rotation__isnull=True) | Q(user__isnull=True, rotation__isnull=False),
                name="step_notifies_person_or_rotation",
            ),
        ]

    def __str__(self) -> str:
        who = self.rotation.name if self.rotation is not None else str(self.user)
        return f"Step {self.position + 1}: {who}, wait {self.wait_minutes} min"


class PageState(models.TextChoices):
    ACTIVE = "active", "Waiting for someone to answer"
    ACKNOWLEDGED = "acknowledged", "Someone is on it"
    RESOLVED = "resolved", "Resolved"
    EXHAUSTED = "exhausted", "Nobody answered"


class Page(models.Model):
    """One escalation in progress: who is being paged for an incident or a signal, and when the next step is due.

    A durable row, so a worker killed mid-step loses nothing: workers claim due pages with a conditional UPDATE and
    a lease, and a page whose lease expired is claimed again. A page without a policy pages one person directly.
    """

    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="pages"
    )
    signal = models.ForeignKey(
        "incidents.Signal", null=True, blank=True, on_delete=models.PROTECT, related_name="pages"
    )
    policy = models.ForeignKey(EscalationPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="pages")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=500)
    state = models.CharField(max_length=16, choices=PageState.choices, default=PageState.ACTIVE)
    step_index = models.PositiveIntegerField(default=0)
    round = models.PositiveIntegerField(default=0)
    next_step_at = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=120, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    exhausted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "next_step_at"], name="page_due")]

    def __str__(self) -> str:
        return f"Page {self.pk}: {self.reason[:60]}"

    @property
    def is_open(self) -> bool:
        return self.state == PageState.ACTIVE


class PageNotification(models.Model):
    """Who a page notified at which step and when; a step that found nobody on call is recorded with no user."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    step_index = models.PositiveIntegerField()
    round = models.PositiveIntegerField()
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.page_id}: {self.user or self.note} at {self.at:%H:%M}"


class PageLinkUse(models.Model):
    """A signed page link that has been used; resolve links work once, so a used one is remembered."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="link_uses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=16)
    nonce = models.CharField(max_length=32, unique=True)
    used_at = models.DateTimeField()

    class Meta:
        ordering = ["used_at"]

    def __str__(self) -> str:
        return f"{self.action} link of page {self.page_id} used by {self.user}"
