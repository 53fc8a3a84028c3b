from django.conf import settings
from django.db import models


class ChannelKind(models.TextChoices):
    EMAIL = "email", "Email"
    SLACK = "slack", "Slack or Mattermost webhook"
    WEBHOOK = "webhook", "Signed JSON webhook"


class Channel(models.Model):
    """A place a person wants to hear from steadyops: an email address, a chat webhook or a signed JSON webhook."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    name = models.CharField(max_length=100)
    target = models.CharField(max_length=500, help_text="The email address or the webhook URL.")
    secret = models.CharField(max_length=64, blank=True, help_text="Signs generic webhooks (HMAC-SHA256).")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Preference(models.Model):
    """When a person does not want to be disturbed. Paging ignores quiet hours."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_preference")
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")

    def __str__(self) -> str:
        return f"preferences of {self.user}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    DELIVERED = "delivered", "Delivered"
    DEAD = "dead", "Gave up (dead letter)"


class OutboxMessage(models.Model):
    """One notification to deliver to one channel. Written in the same transaction as the event that causes it.

    A worker claims a due row by setting a lease with a conditional UPDATE, delivers it, and marks it
    delivered; if the worker dies, the lease expires and another worker claims the row again.
    """

    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    target = models.CharField(max_length=500)
    event = models.CharField(max_length=64)
    subject = models.CharField(max_length=200)
    body = models.TextField(max_length=20000)
    payload = models.JSONField(default=dict)
    urgent = models.BooleanField(default=False, help_text="Paging: delivered even in quiet hours.")
    idempotency_key = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.event} to {self.target}"
