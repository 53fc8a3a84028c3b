"""Group commit of alert webhooks: several webhooks in one transaction, each spending its token's allowance in
turn, and a failed batch answers 503 to each webhook without keeping any of their alerts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client

from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.core.requestid import end_request, start_request
from steadyops.incidents import intake_services
from steadyops.incidents.alertmanager import parse_alertmanager
from steadyops.incidents.group_commit import Pending
from steadyops.incidents.intake_services import AlertsReceived, IntakeUnavailable
from steadyops.incidents.models.signals import Alert
from steadyops.incidents.ratelimit import RateLimited
from steadyops.incidents.tests.test_intake_api import ALERTMANAGER, am_payload, post
from steadyops.testing.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def checked(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Webhooks read and checked as the request thread hands them to the writer, without writing them."""
    handed: list[Any] = []

    def hand(batch: list[Any]) -> list[Any]:
        handed.extend(batch)
        return [AlertsReceived(received=0, created=0, updated=0, resolved_signals=0) for _ in batch]

    def make(count: int, status: str = "firing", group: str = '{}:{alertname="HighErrors"}') -> Any:
        monkeypatch.setattr(intake_services, "_store_alert_batches", hand)
        actor = Actor(user=personas.operator_a)
        start_request(f"webhook-{len(handed) + count}-{status}")
        try:
            intake_services.receive_alerts(
                actor=actor, payload=parse_alertmanager(am_payload(count, status, group)), source="alertmanager"
            )
        finally:
            end_request()
        monkeypatch.undo()
        return handed.pop()

    return make


def test_webhooks_of_one_batch_are_written_in_order_and_a_later_one_sees_an_earlier_ones_alerts(
    checked: Any,
) -> None:
    first, resolved, again = checked(2), checked(3, "resolved"), checked(3, "resolved")
    results = intake_services._store_alert_batches([first, resolved, again])
    assert results == [
        AlertsReceived(received=2, created=2, updated=0, resolved_signals=0),
        # Grouped at once here (the worker runs in-process in tests), so their signal resolves with them.
        AlertsReceived(received=3, created=1, updated=2, resolved_signals=1),
        AlertsReceived(received=3, created=0, updated=0, resolved_signals=0),
    ]
    assert sorted(Alert.objects.values_list("fingerprint", "status")) == [
        ("fp0000", "resolved"),
        ("fp0001", "resolved"),
        ("fp0002", "resolved"),
    ]
    # One entry per webhook that wrote something, naming its first alert written and its request (taken in the
    # request's thread: a batch is written by another).
    stored = dict(Alert.objects.values_list("fingerprint", "pk"))
    entries = AuditEntry.objects.filter(action="incidents.alerts.alertmanager").order_by("pk")
    assert [(e.object_id, e.object_repr, e.request_id, e.after) for e in entries] == [
        (
            str(stored["fp0000"]),
            "Checkout answers 5xx",
            "webhook-2-firing",
            {"received": 2, "created": 2, "updated": 0, "group_key": '{}:{alertname="HighErrors"}'},
        ),
        (
            str(stored["fp0002"]),
            "Checkout answers 5xx",
            "webhook-3-resolved",
            {"received": 3, "created": 1, "updated": 2, "group_key": '{}:{alertname="HighErrors"}'},
        ),
    ]
    assert {e.actor_id for e in entries} == {first.actor.user.pk}


def test_a_webhook_past_its_tokens_allowance_is_refused_within_the_batch_and_the_others_kept(
    checked: Any, settings: Any
) -> None:
    settings.INCIDENTS_ALERT_BURST = 2
    settings.INCIDENTS_ALERT_REQUESTS_PER_SECOND = 1
    batch = [checked(1), checked(2), checked(3)]
    results = intake_services._store_alert_batches(batch)
    assert results[:2] == [
        AlertsReceived(received=1, created=1, updated=0, resolved_signals=0),
        AlertsReceived(received=2, created=1, updated=0, resolved_signals=0),
    ]
    refused = results[2]
    assert isinstance(refused, RateLimited)
    assert refused.message == intake_services.ALERTS_FLOOD.format(seconds=refused.retry_after)
    assert sorted(Alert.objects.values_list("fingerprint", flat=True)) == ["fp0000", "fp0001"]


def test_a_failed_batch_answers_each_webhook_unavailable_and_keeps_no_alert(
    checked: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch: list[Pending[Any, Any]] = [Pending(checked(2)), Pending(checked(1, group="other"))]

    def locked(items: list[Any]) -> list[Any]:
        raise OperationalError("database is locked")

    monkeypatch.setattr(intake_services, "_store_alert_batches", locked)
    intake_services._write_alert_batch(batch)
    assert [str(p.result) for p in batch] == [
        "database is locked or failing: the alerts were not stored (database is locked)"
    ] * 2
    assert all(isinstance(p.result, IntakeUnavailable) for p in batch)
    assert Alert.objects.count() == 0


def test_the_webhook_answers_503_with_retry_after_when_its_batch_failed(
    client: Client, alerts_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(batch: list[Any]) -> list[Any]:
        raise IntakeUnavailable(OperationalError("disk I/O error"), intake_services.ALERTS_NOT_STORED)

    monkeypatch.setattr(intake_services, "_store_alert_batches", unavailable)
    response = post(client, ALERTMANAGER, am_payload(2), alerts_token)
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response.json()["error"]["code"] == "busy"
    assert Alert.objects.count() == 0
