"""The intake API: panic reports and alert webhooks, with their refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from steadyops.accounts import services as account_services
from steadyops.catalog.models import Service
from steadyops.core.actor import Actor
from steadyops.incidents.models.signals import Alert, Report, Signal, SignalStatus
from steadyops.testing.personas import Personas

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/incidents/reports"
ALERTMANAGER = "/api/v1/incidents/alerts/alertmanager"
GENERIC = "/api/v1/incidents/alerts/generic"


def token_for(user: Any, scopes: list[str]) -> str:
    _, raw = account_services.create_token(actor=Actor(user=user), user=user, name="t", scopes=scopes)
    return raw


def post(client: Client, path: str, body: Any, token: str | None = None, **extra: Any) -> Any:
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **extra)


def am_payload(count: int = 2, status: str = "firing", group: str = '{}:{alertname="HighErrors"}') -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": group,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "steadyops",
        "groupLabels": {"alertname": "HighErrors"},
        "commonLabels": {"alertname": "HighErrors", "service": "checkout"},
        "commonAnnotations": {"summary": "Checkout answers 5xx"},
        "externalURL": "http://alertmanager:9093",
        "somethingNew": {"ignored": True},
        "alerts": [
            {
                "status": status,
                "labels": {"alertname": "HighErrors", "instance": f"web-{i}", "severity": "warning"},
                "annotations": {"description": "Too many errors"},
                "startsAt": "2026-01-31T10:00:00.123456789Z",
                "endsAt": "2026-01-31T11:00:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus:9090/graph",
                "fingerprint": f"fp{i:04d}",
            }
            for i in range(count)
        ],
    }


# --- Reports ---------------------------------------------------------------------------------------------------------


def test_it_answers_a_report_with_its_id_and_the_plain_acknowledgement(client: Client, personas: Personas) -> None:
    token = token_for(personas.stakeholder, ["write"])
    response = post(client, REPORTS, {"what": "The shop shows an error", "customers": "many"}, token)
    assert response.status_code == 201
    body = response.json()
    report = Report.objects.get()
    assert body["id"] == report.pk
    assert body["message"].startswith("We got it. Ops is looking. You'll hear back by ")
    assert report.source == "api"
    assert report.customers == "many"


def test_it_takes_a_report_from_a_signed_in_browser_with_csrf(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.viewer)
    refused = post(client, REPORTS, {"what": "broken"})
    assert refused.status_code == 403
    client.get("/panic")
    token = client.cookies.get("csrftoken")
    if token is None:
        client.get("/")
        token = client.cookies["csrftoken"]
    response = post(client, REPORTS, {"what": "broken"}, HTTP_X_CSRFTOKEN=token.value)
    assert response.status_code == 201
    assert Report.objects.get().reporter == personas.viewer


def test_it_names_the_service_by_slug_and_refuses_an_unknown_one(
    client: Client, personas: Personas, checkout: Service
) -> None:
    token = token_for(personas.stakeholder, ["write"])
    assert post(client, REPORTS, {"service": "checkout"}, token).status_code == 201
    assert Report.objects.get().service == checkout
    response = post(client, REPORTS, {"service": "nope"}, token)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "service"
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"what": "x" * 2001},
        {"customers": "all"},
        {"unknown": 1},
        {"what": "a\x00b"},
        {"where_url": "ftp://x"},
        [1, 2],
    ],
)
def test_it_refuses_bad_reports_with_422_and_stores_nothing(client: Client, personas: Personas, body: Any) -> None:
    token = token_for(personas.stakeholder, ["write"])
    response = post(client, REPORTS, body, token)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert Report.objects.count() == 0


def test_it_refuses_malformed_json(client: Client, personas: Personas) -> None:
    token = token_for(personas.stakeholder, ["write"])
    response = post(client, REPORTS, b"{not json", token)
    assert response.status_code == 400
    assert Report.objects.count() == 0


def test_it_answers_429_with_retry_after_past_five_presses(client: Client, personas: Personas) -> None:
    token = token_for(personas.stakeholder, ["write"])
    for _ in range(5):
        assert post(client, REPORTS, {}, token).status_code == 201
    response = post(client, REPORTS, {}, token)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 120
    assert response.json()["error"]["message"].startswith("You pressed the button a moment ago; we have your report.")
    assert Report.objects.count() == 5


def test_it_refuses_reports_without_credentials_or_with_a_read_token(client: Client, personas: Personas) -> None:
    assert post(client, REPORTS, {}).status_code == 401
    assert post(client, REPORTS, {}, "sto_wrong").status_code == 401
    assert post(client, REPORTS, {}, token_for(personas.stakeholder, ["read"])).status_code == 403
    assert post(client, REPORTS, {}, token_for(personas.stakeholder, ["alerts"])).status_code == 403
    assert Report.objects.count() == 0


# --- Alertmanager ----------------------------------------------------------------------------------------------------


def test_it_stores_alertmanager_alerts_and_groups_them_into_one_signal(
    client: Client, personas: Personas, checkout: Service, alerts_token: str
) -> None:
    response = post(client, ALERTMANAGER, am_payload(3), alerts_token)
    assert response.status_code == 200
    assert response.json() == {"received": 3, "created": 3, "updated": 0, "resolved_signals": 0}
    alerts = list(Alert.objects.order_by("fingerprint"))
    assert [a.fingerprint for a in alerts] == ["fp0000", "fp0001", "fp0002"]
    assert {a.service_id for a in alerts} == {checkout.pk}
    assert alerts[0].group_key == '{}:{alertname="HighErrors"}'
    assert alerts[0].receiver == "steadyops"
    assert alerts[0].labels["service"] == "checkout"
    assert alerts[0].annotations == {"summary": "Checkout answers 5xx", "description": "Too many errors"}
    assert alerts[0].starts_at.isoformat() == "2026-01-31T10:00:00.123456+00:00"
    assert alerts[0].ends_at is None
    signal = Signal.objects.get()
    assert signal.alert_count == 3
    assert signal.title == "Checkout answers 5xx"
    assert signal.status == SignalStatus.OPEN


def test_a_resend_of_the_same_group_changes_nothing(client: Client, personas: Personas, alerts_token: str) -> None:
    post(client, ALERTMANAGER, am_payload(3), alerts_token)
    before = list(Alert.objects.order_by("pk").values())
    response = post(client, ALERTMANAGER, am_payload(3), alerts_token)
    assert response.json() == {"received": 3, "created": 0, "updated": 0, "resolved_signals": 0}
    assert list(Alert.objects.order_by("pk").values()) == before
    assert Signal.objects.count() == 1
    assert Signal.objects.get().alert_count == 3


def test_resolved_alerts_resolve_their_rows_and_a_signal_nobody_took_on(
    client: Client, personas: Personas, alerts_token: str
) -> None:
    post(client, ALERTMANAGER, am_payload(2), alerts_token)
    partly = am_payload(2, status="resolved")
    partly["alerts"] = partly["alerts"][:1]
    assert post(client, ALERTMANAGER, partly, alerts_token).json()["resolved_signals"] == 0
    assert Signal.objects.get().status == SignalStatus.OPEN
    response = post(client, ALERTMANAGER, am_payload(2, status="resolved"), alerts_token)
    assert response.json() == {"received": 2, "created": 0, "updated": 1, "resolved_signals": 1}
    assert set(Alert.objects.values_list("status", flat=True)) == {"resolved"}
    assert str(Alert.objects.first().ends_at) == "2026-01-31 11:00:00+00:00"  # type: ignore[union-attr]
    signal = Signal.objects.get()
    assert signal.status == SignalStatus.RESOLVED
    assert signal.resolved_at is not None


def test_a_critical_alert_pages_on_call(
    client: Client, personas: Personas, alerts_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from steadyops.incidents import oncall_services

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(oncall_services, "start_paging", lambda **kwargs: calls.append(kwargs))
    payload = am_payload(1)
    payload["alerts"][0]["labels"]["severity"] = "critical"
    post(client, ALERTMANAGER, payload, alerts_token)
    post(client, ALERTMANAGER, payload, alerts_token)
    signal = Signal.objects.get()
    assert signal.critical is True
    assert signal.status == SignalStatus.PAGED
    assert len(calls) == 1
    assert calls[0]["reason"] == "A critical alert: Checkout answers 5xx"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": None}, 'The payload has no "version"'),
        ({"version": "3"}, "The payload is version '3'"),
        ({"alerts": "many"}, "alerts: expected a list of alerts."),
        ({"alerts": [{"status": "firing", "labels": {}}]}, "alerts[0].startsAt is missing."),
        ({"alerts": [{"status": "burning", "startsAt": "2026-01-01T00:00:00Z"}]}, "alerts[0].status"),
        ({"alerts": [{"startsAt": "yesterday"}]}, "alerts[0].startsAt"),
        ({"alerts": [{"startsAt": "2026-01-01T00:00:00Z", "labels": {"a": {"b": 1}}}]}, "alerts[0].labels.a"),
        ({"alerts": [{"startsAt": "2026-01-01T00:00:00Z", "fingerprint": "f" * 201}]}, "alerts[0].fingerprint"),
    ],
)
def test_it_refuses_unusable_alertmanager_payloads_with_400(
    client: Client, personas: Personas, alerts_token: str, change: dict[str, Any], message: str
) -> None:
    payload = am_payload(1)
    payload.update(change)
    if change.get("version", "x") is None:
        del payload["version"]
    response = post(client, ALERTMANAGER, payload, alerts_token)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert Alert.objects.count() == 0


def test_it_refuses_more_than_a_thousand_alerts_in_one_payload(
    client: Client, personas: Personas, alerts_token: str
) -> None:
    response = post(client, ALERTMANAGER, am_payload(1_001), alerts_token)
    assert response.status_code == 400
    assert "send at most 1000" in response.json()["error"]["message"]
    assert Alert.objects.count() == 0


def test_it_takes_a_thousand_alerts_in_one_payload(client: Client, personas: Personas, alerts_token: str) -> None:
    response = post(client, ALERTMANAGER, am_payload(1_000), alerts_token)
    assert response.json()["created"] == 1_000
    assert Alert.objects.filter(signal__isnull=False).count() == 1_000


def test_it_refuses_a_body_over_the_limit_before_reading_it(
    client: Client, personas: Personas, alerts_token: str
) -> None:
    payload = am_payload(1)
    payload["commonAnnotations"]["description"] = "x" * 1_100_000
    response = post(client, ALERTMANAGER, payload, alerts_token)
    assert response.status_code == 413
    assert Alert.objects.count() == 0


def test_it_refuses_alerts_without_the_right_token(client: Client, personas: Personas) -> None:
    assert post(client, ALERTMANAGER, am_payload(1)).status_code == 401
    assert post(client, ALERTMANAGER, am_payload(1), "sto_nope").status_code == 401
    assert post(client, ALERTMANAGER, am_payload(1), token_for(personas.operator_a, ["read"])).status_code == 403
    # A stakeholder's token may not wake on-call with alerts, whatever its scopes.
    assert post(client, ALERTMANAGER, am_payload(1), token_for(personas.stakeholder, ["alerts"])).status_code == 403
    client.force_login(personas.admin)
    assert post(client, ALERTMANAGER, am_payload(1)).status_code == 401
    assert Alert.objects.count() == 0
    # A write token works as well as an alerts token.
    assert post(client, ALERTMANAGER, am_payload(1), token_for(personas.operator_a, ["write"])).status_code == 200


def test_a_flood_from_one_token_gets_503_with_retry_after(
    client: Client, personas: Personas, alerts_token: str, settings: Any
) -> None:
    settings.INCIDENTS_ALERT_BURST = 3
    settings.INCIDENTS_ALERT_REQUESTS_PER_SECOND = 1
    for _ in range(3):
        assert post(client, ALERTMANAGER, am_payload(1), alerts_token).status_code == 200
    response = post(client, ALERTMANAGER, am_payload(2), alerts_token)
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert "nothing was stored" in response.json()["error"]["message"]
    assert Alert.objects.count() == 1


# --- Generic ----------------------------------------------------------------------------------------------------


def test_it_takes_a_generic_alert_and_its_resolution_by_dedup_key(
    client: Client, personas: Personas, checkout: Service, alerts_token: str
) -> None:
    alert = {
        "title": "Disk almost full",
        "severity": "warning",
        "service": "checkout",
        "dedup_key": "disk-1",
        "details": {"free": "3%"},
        "unknown": "ignored",
    }
    assert post(client, GENERIC, alert, alerts_token).json()["created"] == 1
    assert post(client, GENERIC, alert, alerts_token).json()["created"] == 0
    stored = Alert.objects.get()
    assert (stored.source, stored.fingerprint, stored.service, stored.annotations) == (
        "generic",
        "disk-1",
        checkout,
        {"free": "3%"},
    )
    response = post(client, GENERIC, {**alert, "status": "resolved"}, alerts_token)
    assert response.json() == {"received": 1, "created": 0, "updated": 1, "resolved_signals": 1}
    assert Alert.objects.get().status == "resolved"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "alert.title is missing."),
        ({"title": "x", "severity": "apocalyptic"}, "alert.severity"),
        ({"title": "x", "status": "maybe"}, "alert.status"),
        ({"alerts": [{"title": "x"}] * 1_001}, "send at most 1000"),
        ([{"title": "x"}], "Expected a JSON object"),
        ({"title": 5}, "alert.title: expected text."),
    ],
)
def test_it_refuses_unusable_generic_alerts(
    client: Client, personas: Personas, alerts_token: str, body: Any, message: str
) -> None:
    response = post(client, GENERIC, body, alerts_token)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert Alert.objects.count() == 0


def test_resolved_alerts_also_resolve_the_page_they_started(
    client: Client, personas: Personas, alerts_token: str
) -> None:
    from steadyops.core.models import AuditEntry
    from steadyops.incidents import oncall_services
    from steadyops.incidents.models.oncall import Page, PageState

    for team in (personas.team_a, personas.team_b):
        oncall_services.create_policy(
            actor=Actor(user=personas.admin),
            team=team,
            name="Day",
            repeat=0,
            steps=[oncall_services.StepInput(wait_minutes=5, user=personas.operator_a)],
        )
    firing = am_payload(1)
    firing["alerts"][0]["labels"]["severity"] = "critical"
    post(client, ALERTMANAGER, firing, alerts_token)
    page = Page.objects.get()
    assert page.state == PageState.ACTIVE
    assert page.signal == Signal.objects.get(status=SignalStatus.PAGED)
    resolved = am_payload(1, status="resolved")
    resolved["alerts"][0]["labels"]["severity"] = "critical"
    assert post(client, ALERTMANAGER, resolved, alerts_token).json()["resolved_signals"] == 1
    page.refresh_from_db()
    assert page.state == PageState.RESOLVED
    assert page.resolved_at is not None
    assert page.next_step_at is None
    assert Signal.objects.get().status == SignalStatus.RESOLVED
    entry = AuditEntry.objects.get(action="page.resolve")
    assert entry.actor is None
    assert entry.after == {"state": "resolved", "because": "its alerts all resolved"}


def test_alerts_stored_before_are_read_only_when_the_insert_skipped_some_and_their_status_follows(
    client: Client, personas: Personas, alerts_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from steadyops.incidents import intake_services

    real = intake_services._known_alerts
    reads: list[int] = []

    def counted(source: str, latest: Any) -> Any:
        reads.append(len(latest))
        return real(source, latest)

    monkeypatch.setattr(intake_services, "_known_alerts", counted)
    first = post(client, ALERTMANAGER, am_payload(2), alerts_token)
    assert first.json() == {"received": 2, "created": 2, "updated": 0, "resolved_signals": 0}
    assert reads == []
    # One more alert of the same group, and the two known ones resolved: the insert skips the known ones, which
    # are then read once, under the write lock.
    payload = am_payload(3, status="resolved")
    response = post(client, ALERTMANAGER, payload, alerts_token)
    assert response.json() == {"received": 3, "created": 1, "updated": 2, "resolved_signals": 1}
    assert reads == [3]
    assert Alert.objects.count() == 3
    assert set(Alert.objects.values_list("status", flat=True)) == {"resolved"}
