"""Grouping on SQLite works out a batch before the write lock and writes it only when nothing it read changed
meanwhile; otherwise the batch is worked out again under the lock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from steadyops.incidents import grouping_services
from steadyops.incidents.models.signals import Alert, Signal, SignalStatus

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL plans inside the transaction, on locked rows"),
]

GROUP = '{}:{alertname="HighErrors"}'


def pending_alert(fingerprint: str, *, severity: str = "warning") -> Alert:
    now = timezone.now()
    return Alert.objects.create(
        source="alertmanager",
        fingerprint=fingerprint,
        status="firing",
        title="Checkout answers 5xx",
        labels={"alertname": "HighErrors", "instance": fingerprint},
        annotations={"description": "Too many errors"},
        starts_at=now,
        group_key=GROUP,
        severity=severity,
        received_at=now,
        updated_at=now,
    )


def open_signal() -> Signal:
    now = timezone.now()
    return Signal.objects.create(
        title="Checkout answers 5xx", group_key=GROUP, first_seen_at=now, last_seen_at=now, alert_count=1
    )


class Plans:
    """Every grouping plan worked out, in order, and a change to make in the database right after the first."""

    def __init__(self) -> None:
        self.made: list[Any] = []
        self.after_first: Callable[[], Any] = lambda: None


@pytest.fixture
def plans(monkeypatch: pytest.MonkeyPatch) -> Plans:
    real = grouping_services._plan_batch
    recorded = Plans()

    def planned(*args: Any) -> Any:
        plan = real(*args)
        recorded.made.append(plan)
        if len(recorded.made) == 1:
            recorded.after_first()
        return plan

    monkeypatch.setattr(grouping_services, "_plan_batch", planned)
    return recorded


def test_a_plan_nothing_changed_under_is_written_as_worked_out(plans: Plans) -> None:
    signal = open_signal()
    alert = pending_alert("fp1")
    assert grouping_services.group_pending() == 1
    assert len(plans.made) == 1
    alert.refresh_from_db()
    signal.refresh_from_db()
    assert alert.signal_id == signal.pk
    assert alert.grouped_at is not None
    assert signal.alert_count == 2


def test_a_signal_declined_after_planning_is_not_joined_the_batch_is_worked_out_again(plans: Plans) -> None:
    signal = open_signal()
    alert = pending_alert("fp1")
    plans.after_first = lambda: Signal.objects.filter(pk=signal.pk).update(status=SignalStatus.DECLINED)
    assert grouping_services.group_pending() == 1
    assert len(plans.made) == 2  # the plan that no longer held, and the one written
    alert.refresh_from_db()
    signal.refresh_from_db()
    assert alert.signal_id != signal.pk
    assert signal.alert_count == 1
    assert Signal.objects.get(pk=alert.signal_id).status == SignalStatus.OPEN


def test_alerts_grouped_by_another_worker_after_planning_are_not_grouped_twice(plans: Plans) -> None:
    signal = open_signal()
    alert = pending_alert("fp1")
    plans.after_first = lambda: Alert.objects.filter(pk=alert.pk).update(signal=signal, grouped_at=timezone.now())
    assert grouping_services.group_pending() == 0
    assert plans.made[1] is None
    signal.refresh_from_db()
    assert signal.alert_count == 1
    assert Signal.objects.count() == 1


def test_a_critical_alert_resolved_after_planning_pages_nobody(plans: Plans, monkeypatch: pytest.MonkeyPatch) -> None:
    from steadyops.incidents import oncall_services

    pages: list[Any] = []
    monkeypatch.setattr(oncall_services, "start_paging", lambda **kwargs: pages.append(kwargs))
    alert = pending_alert("fp1", severity="critical")
    plans.after_first = lambda: Alert.objects.filter(pk=alert.pk).update(status="resolved")
    assert grouping_services.group_pending() == 1
    assert len(plans.made) == 2
    alert.refresh_from_db()
    created = Signal.objects.get(pk=alert.signal_id)
    assert created.critical is False
    assert pages == []


def test_new_signals_of_one_batch_are_stored_with_their_counts_and_words(plans: Plans) -> None:
    for index in range(3):
        pending_alert(f"fp{index}")
    assert grouping_services.group_pending() == 3
    signal = Signal.objects.get()
    assert signal.alert_count == 3
    assert signal.group_key == GROUP
    assert signal.keywords == "5xx answer checkout higherror many"
    assert set(Alert.objects.values_list("signal_id", flat=True)) == {signal.pk}
