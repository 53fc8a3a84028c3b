"""Writing notifications into the outbox. Call these inside the transaction of the event that causes them."""

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from steadyops.accounts.models import User
from steadyops.notify.models import Channel, ChannelKind, OutboxMessage, Preference


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
    if not channels:
        if not user.email:
            return []
        return [
            enqueue(kind=ChannelKind.EMAIL, target=user.email, event=event, subject=subject, body=body,
                    payload=full_payload, recipient=user, urgent=urgent, not_before=delay_until)
        ]
    return [
        enqueue(kind=channel.kind, target=channel.target, event=event, subject=subject, body=body,
                payload=full_payload, channel=channel, recipient=user, urgent=urgent, not_before=delay_until)
        for channel in channels
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
    return enqueue(kind=ChannelKind.EMAIL, target=user.email, event="user.invited",
                   subject="You are invited to steadyops", body=body, recipient=user, urgent=True)
