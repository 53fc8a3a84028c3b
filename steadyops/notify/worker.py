"""The delivery loop: claim due outbox rows with a lease, deliver them, record the outcome.

Safe with several worker processes: a row is claimed by a conditional UPDATE, so two workers never hold the same
lease; a worker that dies leaves its lease to expire, and the row is claimed again. Deliveries are therefore
at-least-once, and receivers use the idempotency key to drop repeats.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone

from steadyops.core.models import WorkerHeartbeat
from steadyops.notify import delivery
from steadyops.notify.models import DeliveryStatus, OutboxMessage
from steadyops.notify.tasks import outbox_wakeup

log = logging.getLogger("steadyops.notify.worker")

BACKOFF_CAP = timedelta(hours=6)
CLAIM_BATCH = 10
ERROR_LENGTH = 2000


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """How long to wait after the attempts-th failure: base * 2^(attempts-1), capped at 6 hours, less up to 10 %.

    The jitter spreads the retries of many messages that failed together (a receiver that was down).
    """
    base = float(settings.OUTBOX_BACKOFF_SECONDS)
    exponent = min(max(attempts, 1) - 1, 32)
    delay = min(base * 2**exponent, BACKOFF_CAP.total_seconds())
    return timedelta(seconds=delay * (1 - 0.1 * (rng or random).random()))


def _due(now: datetime) -> Q:
    lease_free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) & lease_free


def claim_due(worker_name: str, limit: int = CLAIM_BATCH) -> list[OutboxMessage]:
    """Lease up to limit due messages to this worker and return them, oldest due first.

    Each claim gets a fresh lease owner ("name/random"), so a restarted worker with the same name never mistakes an
    old lease for its own.
    """
    now = timezone.now()
    owner = f"{worker_name[:80]}/{uuid.uuid4().hex[:16]}"
    expires = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    with transaction.atomic():
        candidates = OutboxMessage.objects.filter(_due(now)).order_by("next_attempt_at", "id")
        if connection.vendor == "postgresql":
            # Rows another worker is claiming right now are skipped rather than waited for.
            candidates = candidates.select_for_update(skip_locked=True)
        # On SQLite the IMMEDIATE transaction holds the only write lock from BEGIN, so claims are serialised.
        ids = list(candidates.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        # The condition is repeated in the UPDATE so the claim stays correct under any isolation level.
        OutboxMessage.objects.filter(_due(now), id__in=ids).update(lease_owner=owner, lease_expires_at=expires)
    return list(
        OutboxMessage.objects.select_related("channel").filter(lease_owner=owner).order_by("next_attempt_at", "id")
    )


def release(message: OutboxMessage) -> None:
    """Give a claimed message back at once, without an attempt (the worker is stopping)."""
    OutboxMessage.objects.filter(pk=message.pk, lease_owner=message.lease_owner, status=DeliveryStatus.PENDING).update(
        lease_owner="", lease_expires_at=None
    )


def deliver(message: OutboxMessage) -> bool:
    """Try to deliver a claimed message and record the outcome; returns whether it was delivered.

    The outcome is written only while the lease is still this worker's: after an expired lease another worker owns
    the row, and its result counts.
    """
    try:
        outcome = delivery.send(message)
    except Exception as exc:  # A bug in a transport must not stop the worker or lose the message.
        log.exception("delivery of outbox message %s raised", message.pk)
        outcome = delivery.Outcome(ok=False, error=f"Internal error: {type(exc).__name__}.")
    now = timezone.now()
    ours = OutboxMessage.objects.filter(pk=message.pk, lease_owner=message.lease_owner, status=DeliveryStatus.PENDING)
    attempts = message.attempts + 1
    if outcome.ok:
        changed = ours.update(
            status=DeliveryStatus.DELIVERED,
            delivered_at=now,
            attempts=attempts,
            last_error="",
            lease_owner="",
            lease_expires_at=None,
        )
        log.info("delivered outbox message %s (%s) to %s", message.pk, message.event, message.kind)
        return bool(changed)
    error = outcome.error[:ERROR_LENGTH]
    if attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        ours.update(
            status=DeliveryStatus.DEAD, attempts=attempts, last_error=error, lease_owner="", lease_expires_at=None
        )
        log.warning("gave up on outbox message %s after %s attempts: %s", message.pk, attempts, error)
    else:
        ours.update(
            attempts=attempts,
            last_error=error,
            next_attempt_at=now + backoff(attempts),
            lease_owner="",
            lease_expires_at=None,
        )
        log.info("outbox message %s failed (attempt %s): %s", message.pk, attempts, error)
    return False


def heartbeat(name: str, started_at: datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now(), "started_at": started_at})


def deliver_due(name: str, stop_event: threading.Event | None = None) -> int:
    """Claim and deliver until nothing is due (or stop_event is set); returns how many were delivered."""
    delivered = 0
    # Bounded so that a flood of new rows cannot keep a worker from its heartbeat forever.
    for _ in range(1000):
        claimed = claim_due(name)
        if not claimed:
            break
        for index, message in enumerate(claimed):
            if stop_event is not None and stop_event.is_set():
                for unstarted in claimed[index:]:
                    release(unstarted)
                return delivered
            delivered += deliver(message)
    return delivered


def run_worker(name: str, stop_event: threading.Event) -> None:
    """Deliver notifications until stop_event is set. The message being delivered when it is set is finished."""
    started_at = timezone.now()
    log.info("worker %s started", name)
    while not stop_event.is_set():
        outbox_wakeup.clear()
        try:
            close_old_connections()
            heartbeat(name, started_at)
            deliver_due(name, stop_event)
        except DatabaseError:
            # The database may be restarting; the rows are safe, so wait and try again.
            log.exception("worker %s could not reach the database", name)
            close_old_connections()
        if stop_event.is_set():
            break
        outbox_wakeup.wait(timeout=settings.WORKER_POLL_SECONDS)
    log.info("worker %s stopped", name)


def stop(stop_event: threading.Event) -> None:
    """Ask run_worker to stop, waking it if it is waiting for work."""
    stop_event.set()
    outbox_wakeup.set()
