"""Debian's Prometheus Alertmanager sends its webhooks to the running test server: the alert arrives with its
groupKey, Alertmanager's repeats change nothing, and its resolution resolves the alert and the signal."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from steadyops.incidents.models.signals import Alert, AlertStatus, Signal, SignalStatus
from steadyops.incidents.tests.conftest import RealAlertmanager
from steadyops.testing.servers import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

GROUP_KEY = '{}:{alertname="CheckoutErrors"}'

CONFIG = """
route:
  receiver: steadyops
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 2s
receivers:
  - name: steadyops
    webhook_configs:
      - url: {url}/api/v1/incidents/alerts/alertmanager
        send_resolved: true
        max_alerts: 1000
        http_config:
          authorization:
            type: Bearer
            credentials: {token}
"""


def alert(ends_at: datetime | None = None) -> list[dict[str, Any]]:
    body: dict[str, Any] = {
        "labels": {"alertname": "CheckoutErrors", "severity": "warning", "instance": "web-1"},
        "annotations": {"summary": "Checkout answers errors", "description": "5xx above 5% for 5 minutes"},
        "generatorURL": "http://prometheus.example/graph",
    }
    if ends_at is not None:
        body["endsAt"] = ends_at.isoformat().replace("+00:00", "Z")
    return [body]


def webhooks_sent(manager: RealAlertmanager) -> int:
    """Notifications Alertmanager sent to the webhook successfully, from its own metrics."""
    text = requests.get(manager.url + "/metrics", timeout=5).text
    total = re.search(r'^alertmanager_notifications_total\{integration="webhook"[^}]*\} (\S+)$', text, re.MULTILINE)
    failed = re.search(
        r'^alertmanager_notifications_failed_total\{integration="webhook"[^}]*\} (\S+)$', text, re.MULTILINE
    )
    return int(float(total.group(1)) if total else 0) - int(float(failed.group(1)) if failed else 0)


def test_a_real_alertmanager_sends_fires_repeats_and_resolves(
    live_server: Any, real_alertmanager: RealAlertmanager, alerts_token: str
) -> None:
    real_alertmanager.start(CONFIG.format(url=live_server.url, token=alerts_token))
    posted = requests.post(real_alertmanager.url + "/api/v2/alerts", json=alert(), timeout=5)
    assert posted.status_code == 200

    # On SQLite the live server shares the test's connection, so wait for the whole grouping, not its first row.
    assert wait_until(lambda: Signal.objects.filter(alert_count=1).exists(), timeout=30), real_alertmanager.log()
    stored = Alert.objects.get()
    assert stored.status == AlertStatus.FIRING
    assert stored.group_key == GROUP_KEY
    assert stored.receiver == "steadyops"
    assert stored.title == "Checkout answers errors"
    assert stored.labels["instance"] == "web-1"
    signal = Signal.objects.get()
    assert signal.group_key == GROUP_KEY
    assert signal.status == SignalStatus.OPEN
    assert signal.alert_count == 1

    # Alertmanager repeats the same notification every repeat_interval; and the alert is sent to it again.
    assert requests.post(real_alertmanager.url + "/api/v2/alerts", json=alert(), timeout=5).status_code == 200
    sent = webhooks_sent(real_alertmanager)
    assert wait_until(lambda: webhooks_sent(real_alertmanager) >= sent + 2, timeout=30), real_alertmanager.log()
    assert Alert.objects.count() == 1
    assert Signal.objects.count() == 1
    assert Signal.objects.get().alert_count == 1

    ended = datetime.now(UTC) - timedelta(seconds=1)
    assert requests.post(real_alertmanager.url + "/api/v2/alerts", json=alert(ended), timeout=5).status_code == 200
    assert wait_until(lambda: Alert.objects.get().status == AlertStatus.RESOLVED, timeout=30), real_alertmanager.log()
    resolved = Alert.objects.get()
    assert resolved.ends_at is not None
    assert wait_until(lambda: Signal.objects.get().status == SignalStatus.RESOLVED, timeout=10)
    assert Signal.objects.get().resolved_at is not None
    assert Alert.objects.count() == 1
