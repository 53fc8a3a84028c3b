"""Writing notifications into the outbox. Call these inside the transaction of the event that causes them."""

import math
import secrets
import uuid
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from steadyops.accounts.models import User
from steadyops.core import audit, permissions
from steadyops.core.actor import Actor
from steadyops.core.text import has_control_characters
from steadyops.notify.models import Channel, ChannelKind, DeliveryStatus, OutboxMessage, Preference

NAME_MAX = 100
TARGET_MAX = 500


def _quiet_until(preference: Preference | None, now: datetime) -> datetime | None:
    """The end of the person's quiet hours if now falls inside them, else None."""
    if preference is None or preference.quiet_start is None or preference.quiet_end is None:
        return None
    zone = ZoneInfo(preference.time_zone)
    local = now.astimezone(zone)
    start, end, current = preference.quiet_start, preference.quiet_end, local.time()
    inside = (start <= current < end) if start <= end else (current >= start or current < end)
    if not inside:
        return None
    end_day = local.date() if current < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=zone)


def enqueue(
    *,
    kind: str,
    target: str,
    event: str,
    subject: str,
    body: str,
    payload: dict[str, Any] | None = None,
    channel: Channel | None = None,
    recipient: User | None = None,
    urgent: bool = False,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Write one message into the outbox; a worker delivers it after the surrounding transaction commits."""
    message = OutboxMessage.objects.create(
        channel=channel,
        recipient=recipient,
        kind=kind,
        target=target,
        event=event,
        subject=subject[:200],
        body=body,
        payload=payload or {},
        urgent=urgent,
        idempotency_key=uuid.uuid4().hex,
        next_attempt_at=not_before or timezone.now(),
    )
    transaction.on_commit(_wake_workers)
    return message


def _wake_workers() -> None:
    from steadyops.notify.tasks import wake_workers

    wake_workers()


def notify_user(
    *, user: User, event: str, subject: str, body: str, payload: dict[str, Any] | None = None, urgent: bool = False
) -> list[OutboxMessage]:
    """Tell a person something on each of their enabled channels (their email address if they have none).

    Quiet hours delay the message to their end, unless it is urgent (paging).
    """
    preference = Preference.objects.filter(user=user).first()
    delay_until = None if urgent else _quiet_until(preference, timezone.now())
    channels = list(Channel.objects.filter(owner=user, enabled=True, archived_at=None))
    full_payload = {"event": event, "subject": subject, **(payload or {})}
    destinations: list[tuple[str, str, Channel | None]] = [
        (channel.kind, channel.target, channel) for channel in channels
    ]
    if not destinations and user.email:
        destinations = [(ChannelKind.EMAIL, user.email, None)]
    return [
        enqueue(
            kind=kind,
            target=target,
            event=event,
            subject=subject,
            body=body,
            payload=full_payload,
            channel=channel,
            recipient=user,
            urgent=urgent,
            not_before=delay_until,
        )
        for kind, target, channel in destinations
    ]


def send_invitation(*, user: User, invited_by: str) -> OutboxMessage:
    """Email a new person a link to choose their password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = settings.SITE_URL + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    body = (
        f"Hello {user},\n\n{invited_by} invited you to steadyops, the place where operations and the teams "
        f"around them plan for busy days and handle problems together.\n\n"
        f"Choose your password here (the link works for {settings.PASSWORD_RESET_TIMEOUT // 86400} days):\n{link}\n\n"
        f"Your user name is: {user.username}\n"
    )
    return enqueue(
        kind=ChannelKind.EMAIL,
        target=user.email,
        event="user.invited",
        subject="You are invited to steadyops",
        body=body,
        recipient=user,
        urgent=True,
    )


# --- Channels and preferences -------------------------------------------------------------------------------------


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def validate_webhook_url(url: str) -> None:
    """Accept only absolute http:// or https:// addresses with a host."""
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ValidationError("The address must not contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationError("This is not a valid web address.") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationError("The address must start with http:// or https://.")
    if not parts.hostname:
        raise ValidationError("The address has no host name, as in https://chat.example.com/hooks/….")
    if port == 0:
        raise ValidationError("The port number is not valid.")


def clean_target(kind: str, target: str) -> str:
    """The channel address, checked for its kind: an email address, or an http(s) URL for webhooks."""
    target = target.strip()
    if not target:
        raise ValidationError({"target": "Enter an address."})
    if len(target) > TARGET_MAX:
        raise ValidationError({"target": f"The address is longer than {TARGET_MAX} characters."})
    if kind == ChannelKind.EMAIL:
        try:
            validate_email(target)
        except ValidationError:
            raise ValidationError({"target": "Enter a valid email address, such as name@example.com."}) from None
        return target
    if kind in (ChannelKind.SLACK, ChannelKind.WEBHOOK):
        try:
            validate_webhook_url(target)
        except ValidationError as exc:
            raise ValidationError({"target": exc.messages}) from None
        return target
    raise ValidationError({"kind": "Choose email, Slack/Mattermost or signed webhook."})


def clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationError(
            {"name": "Give the channel a name, such as \u201cMy phone\u201d or \u201cTeam chat\u201d."}
        )
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"The name is longer than {NAME_MAX} characters."})
    if has_control_characters(name):
        raise ValidationError({"name": "The name contains control characters; use plain text."})
    return name


def masked_address(kind: str, target: str) -> str:
    """The address without its secret part: webhook URLs carry their credentials in the path."""
    if kind == ChannelKind.EMAIL:
        return target
    parts = urlsplit(target)
    return f"{parts.scheme}://{parts.netloc}/…"


def masked_target(channel: Channel) -> str:
    """The channel's address without its secret part."""
    return masked_address(channel.kind, channel.target)


def _channel_snapshot(channel: Channel) -> dict[str, Any]:
    return {**audit.snapshot(channel, ["kind", "name", "enabled", "archived_at"]), "target": masked_target(channel)}


def create_channel(*, actor: Actor, kind: str, name: str, target: str) -> Channel:
    """Add a place where the acting person wants to hear from steadyops. Webhooks get a new signing secret."""
    owner = actor.user
    _require(owner is not None and permissions.can_view(owner), "Sign in to add a notification channel.")
    if kind not in ChannelKind.values:
        raise ValidationError({"kind": "Choose email, Slack/Mattermost or signed webhook."})
    channel = Channel(owner=owner, kind=kind, name=clean_name(name), target=clean_target(kind, target))
    if kind == ChannelKind.WEBHOOK:
        channel.secret = secrets.token_hex(32)
    with transaction.atomic():
        channel.save()
        audit.record(actor=actor, action="channel.create", obj=channel, after=_channel_snapshot(channel))
    return channel


def update_channel(*, actor: Actor, channel: Channel, name: str, target: str, enabled: bool) -> Channel:
    """Rename a channel, change its address, or switch it off for a while."""
    _require(permissions.can_manage_channel(actor.user, channel), "This is not your channel.")
    name = clean_name(name)
    target = clean_target(channel.kind, target)
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        if channel.archived_at is not None:
            raise ValidationError("This channel is archived and can no longer be changed.")
        before = _channel_snapshot(channel)
        channel.name, channel.target, channel.enabled = name, target, enabled
        channel.save(update_fields=["name", "target", "enabled"])
        audit.record(actor=actor, action="channel.update", obj=channel, before=before, after=_channel_snapshot(channel))
    return channel


def archive_channel(*, actor: Actor, channel: Channel) -> Channel:
    """Stop using a channel. It is kept, with its delivery history, but receives nothing more."""
    _require(permissions.can_manage_channel(actor.user, channel), "This is not your channel.")
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        if channel.archived_at is not None:
            return channel
        before = _channel_snapshot(channel)
        channel.archived_at = timezone.now()
        channel.enabled = False
        channel.save(update_fields=["archived_at", "enabled"])
        audit.record(
            actor=actor, action="channel.archive", obj=channel, before=before, after=_channel_snapshot(channel)
        )
    return channel


TEST_EVENT = "channel.test"
TEST_MESSAGES_PER_MINUTE = 5
TEST_MESSAGE_WINDOW = timedelta(seconds=60)


class TooManyTestMessages(Exception):
    """A channel has had as many test messages in the last minute as it may have; retry_after is in seconds."""

    def __init__(self, *, channel: Channel, retry_after: int) -> None:
        self.channel = channel
        self.retry_after = retry_after
        seconds = "1 second" if retry_after == 1 else f"{retry_after} seconds"
        super().__init__(
            f"You have sent {TEST_MESSAGES_PER_MINUTE} test messages to \u201c{channel.name}\u201d in the last minute. "
            f"That is the most we allow, so that the channel is not flooded. Please try again in {seconds}."
        )


def _test_message_wait(channel: Channel, now: datetime) -> int:
    """Seconds until the channel may have another test message; 0 when it may have one now."""
    recent = list(
        OutboxMessage.objects.filter(channel=channel, event=TEST_EVENT, created_at__gt=now - TEST_MESSAGE_WINDOW)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)[:TEST_MESSAGES_PER_MINUTE]
    )
    if len(recent) < TEST_MESSAGES_PER_MINUTE:
        return 0
    # Another test is allowed once the oldest of the newest few has left the window.
    return max(1, math.ceil((recent[-1] + TEST_MESSAGE_WINDOW - now).total_seconds()))


def send_test_message(*, actor: Actor, channel: Channel) -> OutboxMessage:
    """Send a test message to a channel through the outbox, at once (quiet hours do not apply: the person asked).

    At most TEST_MESSAGES_PER_MINUTE per channel in any 60 seconds, counted from the outbox itself, so a held-down
    button cannot flood the channel; beyond that, TooManyTestMessages is raised and nothing is written.
    """
    _require(permissions.can_manage_channel(actor.user, channel), "This is not your channel.")
    with transaction.atomic():
        # The row lock makes simultaneous presses count one after the other, so the limit holds under concurrency.
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        if channel.archived_at is not None:
            raise ValidationError("This channel is archived; add a new one instead.")
        wait = _test_message_wait(channel, timezone.now())
        if wait:
            raise TooManyTestMessages(channel=channel, retry_after=wait)
        message = enqueue(
            kind=channel.kind,
            target=channel.target,
            event=TEST_EVENT,
            subject="Test message from steadyops",
            body=f"This is a test of your channel \u201c{channel.name}\u201d. If you can read it, it works.",
            payload={"channel": channel.pk, "requested_by": actor.label},
            channel=channel,
            recipient=channel.owner,
            urgent=True,
        )
        audit.record(actor=actor, action="channel.test", obj=channel, after={"message": message.idempotency_key})
    return message


def rotate_channel_secret(*, actor: Actor, channel: Channel) -> Channel:
    """Give a signed webhook a new signing secret. The old secret stops working at once, also for messages still
    waiting to be sent, so the receiving system must be given the new one. The audit log records that the secret
    was replaced, never the secret."""
    _require(permissions.can_manage_channel(actor.user, channel), "This is not your channel.")
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        if channel.kind != ChannelKind.WEBHOOK:
            raise ValidationError("Only signed webhooks have a secret to replace.")
        if channel.archived_at is not None:
            raise ValidationError("This channel is archived and can no longer be changed.")
        channel.secret = secrets.token_hex(32)
        channel.save(update_fields=["secret"])
        audit.record(
            actor=actor,
            action="channel.rotate_secret",
            obj=channel,
            before={"signing_secret": "previous secret"},
            after={"signing_secret": "new secret (not recorded)"},
        )
    return channel


@lru_cache(maxsize=1)
def time_zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def update_preferences(
    *, actor: Actor, user: User, quiet_start: time | None, quiet_end: time | None, time_zone: str
) -> Preference:
    """Set a person's quiet hours (both ends, or neither) and time zone. Only they may change them."""
    _require(
        actor.user is not None and actor.user.pk == user.pk and permissions.can_view(user),
        "You can only change your own notification preferences.",
    )
    time_zone = time_zone.strip()
    errors: dict[str, str] = {}
    if time_zone not in time_zone_names():
        errors["time_zone"] = "Choose a time zone from the list, such as Europe/Paris."
    if (quiet_start is None) != (quiet_end is None):
        errors["quiet_end" if quiet_end is None else "quiet_start"] = (
            "Give both the start and the end of quiet hours, or neither."
        )
    elif quiet_start is not None and quiet_start == quiet_end:
        errors["quiet_end"] = "Quiet hours must end at a different time than they start."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        preference, _ = Preference.objects.select_for_update().get_or_create(user=user)
        before = audit.snapshot(preference, ["quiet_start", "quiet_end", "time_zone"])
        preference.quiet_start, preference.quiet_end, preference.time_zone = quiet_start, quiet_end, time_zone
        preference.save()
        audit.record(
            actor=actor,
            action="preference.update",
            obj=preference,
            before=before,
            after=audit.snapshot(preference, ["quiet_start", "quiet_end", "time_zone"]),
        )
    return preference


def retry_dead(*, actor: Actor, message: OutboxMessage) -> OutboxMessage:
    """Send an undeliverable notification again: back to waiting, attempts counted from zero."""
    _require(permissions.can_manage_deliveries(actor.user), "Only administrators can send notifications again.")
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if message.status != DeliveryStatus.DEAD:
            raise ValidationError("Only notifications that were given up on can be sent again.")
        before = audit.snapshot(message, ["status", "attempts", "last_error"])
        message.status = DeliveryStatus.PENDING
        message.attempts = 0
        message.next_attempt_at = timezone.now()
        message.lease_owner, message.lease_expires_at = "", None
        message.save(update_fields=["status", "attempts", "next_attempt_at", "lease_owner", "lease_expires_at"])
        audit.record(
            actor=actor,
            action="outbox.retry",
            obj=message,
            before=before,
            after=audit.snapshot(message, ["status", "attempts", "last_error"]),
        )
        transaction.on_commit(_wake_workers)
    return message
