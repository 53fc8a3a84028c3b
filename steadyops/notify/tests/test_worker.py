"""Claiming, leases, retries with backoff, and dead letters."""

import random
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from steadyops.core.actor import Actor
from steadyops.core.models import WorkerHeartbeat
from steadyops.notify import services, worker
from steadyops.notify.models import DeliveryStatus, OutboxMessage


def queue(url: str, count: int = 1) -> list[OutboxMessage]:
    return [
        services.enqueue(kind="slack", target=url, event="demo", subject=f"Message {n}", body="") for n in range(count)
    ]


@override_settings(OUTBOX_BACKOFF_SECONDS=30)
def test_it_doubles_the_backoff_with_each_attempt_less_up_to_a_tenth() -> None:
    assert worker.backoff(1, rng=random.Random(0)) <= timedelta(seconds=30)
    for attempts, full in [(1, 30), (2, 60), (3, 120), (6, 960)]:
        for seed in range(20):
            delay = worker.backoff(attempts, rng=random.Random(seed)).total_seconds()
            assert full * 0.9 <= delay <= full


@override_settings(OUTBOX_BACKOFF_SECONDS=3600)
def test_it_caps_the_backoff_at_six_hours() -> None:
    for attempts in (4, 10, 60, 10_000):
        delay = worker.backoff(attempts, rng=random.Random(1)).total_seconds()
        assert 6 * 3600 * 0.9 <= delay <= 6 * 3600


def test_it_claims_only_due_unleased_pending_rows(db) -> None:  # type: ignore[no-untyped-def]
    due, later, delivered, leased, expired = queue("https://h.example.com/x", 5)
    now = timezone.now()
    OutboxMessage.objects.filter(pk=later.pk).update(next_attempt_at=now + timedelta(minutes=5))
    OutboxMessage.objects.filter(pk=delivered.pk).update(status=DeliveryStatus.DELIVERED)
    OutboxMessage.objects.filter(pk=leased.pk).update(
        lease_owner="other/1", lease_expires_at=now + timedelta(seconds=30)
    )
    OutboxMessage.objects.filter(pk=expired.pk).update(
        lease_owner="dead/1", lease_expires_at=now - timedelta(seconds=1)
    )
    claimed = worker.claim_due("w1")
    assert sorted(m.pk for m in claimed) == sorted([due.pk, expired.pk])
    assert all(m.lease_owner.startswith("w1/") and m.lease_expires_at > now for m in claimed)


def test_it_never_gives_two_claimers_the_same_row(db) -> None:  # type: ignore[no-untyped-def]
    messages = queue("https://h.example.com/x", 25)
    first = worker.claim_due("w1", limit=10)
    second = worker.claim_due("w2", limit=10)
    third = worker.claim_due("w3", limit=10)
    fourth = worker.claim_due("w4", limit=10)
    ids = [m.pk for batch in (first, second, third) for m in batch]
    assert [len(first), len(second), len(third), len(fourth)] == [10, 10, 5, 0]
    assert sorted(ids) == sorted(m.pk for m in messages)


@override_settings(OUTBOX_MAX_ATTEMPTS=3, OUTBOX_BACKOFF_SECONDS=10)
def test_it_retries_with_backoff_then_gives_up(db, webhook_receiver) -> None:  # type: ignore[no-untyped-def]
    webhook_receiver.answer(503)
    [message] = queue(webhook_receiver.url)
    for attempt in (1, 2):
        [claimed] = worker.claim_due("w1")
        before = timezone.now()
        assert worker.deliver(claimed) is False
        message.refresh_from_db()
        assert (message.status, message.attempts, message.lease_owner) == (DeliveryStatus.PENDING, attempt, "")
        assert message.last_error == f"127.0.0.1:{webhook_receiver.port} answered HTTP 503."
        wait = (message.next_attempt_at - before).total_seconds()
        assert 10 * 2 ** (attempt - 1) * 0.9 - 1 <= wait <= 10 * 2 ** (attempt - 1) + 1
        assert worker.claim_due("w1") == []
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    [claimed] = worker.claim_due("w1")
    assert worker.deliver(claimed) is False
    message.refresh_from_db()
    assert (message.status, message.attempts) == (DeliveryStatus.DEAD, 3)
    assert worker.claim_due("w1") == []
    assert webhook_receiver.count() == 3


def test_it_marks_a_delivered_message(db, webhook_receiver) -> None:  # type: ignore[no-untyped-def]
    [message] = queue(webhook_receiver.url)
    [claimed] = worker.claim_due("w1")
    assert worker.deliver(claimed) is True
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error, message.lease_owner) == (
        DeliveryStatus.DELIVERED,
        1,
        "",
        "",
    )
    assert message.delivered_at is not None


def test_it_lets_another_worker_reclaim_an_expired_lease_and_ignores_the_late_result(db, webhook_receiver) -> None:  # type: ignore[no-untyped-def]
    [message] = queue(webhook_receiver.url)
    [slow] = worker.claim_due("slow")
    assert worker.claim_due("fast") == []
    OutboxMessage.objects.filter(pk=message.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    [fast] = worker.claim_due("fast")
    assert fast.lease_owner != slow.lease_owner
    webhook_receiver.answer(500)
    # The slow worker's failure arrives after its lease expired: it must not touch the row.
    assert worker.deliver(slow) is False
    message.refresh_from_db()
    assert (message.attempts, message.lease_owner, message.last_error) == (0, fast.lease_owner, "")
    webhook_receiver.answer(200)
    assert worker.deliver(fast) is True
    message.refresh_from_db()
    assert (message.status, message.attempts) == (DeliveryStatus.DELIVERED, 1)


def test_it_releases_claimed_rows_it_did_not_start_when_stopping(db, webhook_receiver) -> None:  # type: ignore[no-untyped-def]
    queue(webhook_receiver.url, 3)
    stop = threading.Event()
    stop.set()
    assert worker.deliver_due("w1", stop) == 0
    assert list(OutboxMessage.objects.values_list("status", "lease_owner", "attempts")) == [("pending", "", 0)] * 3
    assert webhook_receiver.count() == 0


def test_it_delivers_everything_due(db, webhook_receiver) -> None:  # type: ignore[no-untyped-def]
    queue(webhook_receiver.url, 23)
    assert worker.deliver_due("w1") == 23
    assert OutboxMessage.objects.filter(status=DeliveryStatus.DELIVERED).count() == 23
    keys = sorted(r.headers["Idempotency-Key"] for r in webhook_receiver.requests)
    assert keys == sorted(OutboxMessage.objects.values_list("idempotency_key", flat=True))


def test_it_records_a_heartbeat(db) -> None:  # type: ignore[no-untyped-def]
    started = timezone.now() - timedelta(minutes=5)
    worker.heartbeat("w1", started)
    worker.heartbeat("w1", started)
    beat = WorkerHeartbeat.objects.get()
    assert (beat.name, beat.started_at) == ("w1", started)
    assert beat.seen_at > started


def test_it_sends_a_dead_letter_again(personas, webhook_receiver) -> None:  # type: ignore[no-untyped-def]
    [message] = queue(webhook_receiver.url)
    OutboxMessage.objects.filter(pk=message.pk).update(status=DeliveryStatus.DEAD, attempts=10, last_error="boom")
    services.retry_dead(actor=Actor(user=personas.admin), message=message)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (DeliveryStatus.PENDING, 0, "boom")
    assert worker.deliver_due("w1") == 1
    message.refresh_from_db()
    assert message.status == DeliveryStatus.DELIVERED


@pytest.mark.django_db(transaction=True)
def test_it_never_gives_concurrent_claimers_the_same_row_on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "pytest-django's SQLite test database is in memory; the SQLite case runs as processes in test_faults"
        )
    messages = queue("https://h.example.com/x", 60)
    claims: list[list[int]] = []
    lock = threading.Lock()

    def claimer(name: str) -> None:
        try:
            for _ in range(100):
                batch = worker.claim_due(name, limit=3)
                if not batch:
                    break
                with lock:
                    claims.append([m.pk for m in batch])
        finally:
            connection.close()

    threads = [threading.Thread(target=claimer, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    ids = [pk for batch in claims for pk in batch]
    assert len(ids) == len(set(ids)) == 60
    assert set(ids) == {m.pk for m in messages}
