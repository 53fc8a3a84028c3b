"""The incident API: list, read, declare, status, severity, roles, notes, updates and the timeline."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from steadyops.api.testing import make_token
from steadyops.core.actor import Actor
from steadyops.incidents import incident_services as services
from steadyops.incidents.models.incidents import Incident, StatusUpdate
from steadyops.incidents.tests.authz_incidents import build_services, declare
from steadyops.notify.models import OutboxMessage
from steadyops.testing.personas import Personas

pytestmark = pytest.mark.django_db

BASE = "/api/v1/incidents/incidents"


def post(client: Client, url: str, data: Any, **headers: str) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json", headers=headers)


def error_of(response: Any) -> dict[str, Any]:
    return json.loads(response.content)["error"]


def test_it_declares_and_reads_an_incident_with_a_token(client: Client, personas: Personas) -> None:
    build_services(personas)
    _, raw = make_token(personas.operator_b, ["write"], name="bot")
    auth = {"Authorization": f"Bearer {raw}"}
    created = post(
        client, BASE, {"title": "Cards fail", "severity": 3, "services": ["payments"], "summary": "Since 10:02"}, **auth
    )
    assert created.status_code == 201
    body = json.loads(created.content)
    assert body["key"] == "INC-1"
    assert body["severity_label"] == "SEV3: a minor part is broken or slow; a workaround exists"
    assert body["services"] == ["payments"]
    assert body["created_by"] == "operator_b"
    assert body["url"].endswith("/incidents/1/")
    got = client.get(f"{BASE}/1", headers=auth)
    assert json.loads(got.content)["title"] == "Cards fail"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "", "severity": 3}, "title"),
        ({"title": "x" * 201, "severity": 3}, "title"),
        ({"title": "Down", "severity": 5}, "severity"),
        ({"title": "Down", "severity": "SEV1"}, "severity"),
        ({"title": "Down"}, "severity"),
        ({"title": "Down", "severity": 3, "services": ["nope"]}, "services"),
        ({"title": "Down", "severity": 3, "colour": "red"}, "colour"),
        ({"title": "Down\u0000", "severity": 3}, "title"),
    ],
)
def test_it_refuses_bad_declarations(client: Client, personas: Personas, data: dict[str, Any], field: str) -> None:
    client.force_login(personas.operator_a)
    response = post(client, BASE, data)
    assert response.status_code == 422
    assert error_of(response)["details"][0]["field"] == field
    assert Incident.objects.count() == 0


def test_it_refuses_stakeholders_and_read_tokens(client: Client, personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    client.force_login(personas.stakeholder)
    for url, data in (
        (BASE, {"title": "Down", "severity": 3}),
        (f"{BASE}/{incident.number}/status", {"status": "resolved"}),
        (f"{BASE}/{incident.number}/notes", {"text": "Hi"}),
    ):
        response = post(client, url, data)
        assert response.status_code == 403
        assert error_of(response)["code"] == "forbidden"
    _, raw = make_token(personas.operator_a, ["read"], name="reader")
    response = post(client, f"{BASE}/{incident.number}/status", {"status": "resolved"}, Authorization=f"Bearer {raw}")
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.status == "investigating"


def test_it_works_an_incident_through_the_api(client: Client, personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    services.subscribe_user(user=personas.stakeholder, incident=incident)
    client.force_login(personas.operator_a)
    url = f"{BASE}/{incident.number}"
    assert json.loads(post(client, f"{url}/status", {"status": "monitoring"}).content)["status"] == "monitoring"
    assert json.loads(post(client, f"{url}/severity", {"severity": 2}).content)["severity"] == 2
    roles = json.loads(post(client, f"{url}/roles", {"commander": "operator_a", "scribe": "operator_b"}).content)
    assert (roles["commander"], roles["communications"], roles["scribe"]) == ("operator_a", None, "operator_b")
    kept = json.loads(post(client, f"{url}/roles", {"communications": "stakeholder"}).content)
    assert (kept["commander"], kept["communications"]) == ("operator_a", "stakeholder")
    cleared = json.loads(post(client, f"{url}/roles", {"scribe": None}).content)
    assert cleared["scribe"] is None
    note = post(client, f"{url}/notes", {"text": "Gateway restarted."})
    assert note.status_code == 201
    assert json.loads(note.content)["kind"] == "note"
    next_by = (timezone.now() + timedelta(hours=1)).isoformat()
    update = post(
        client,
        f"{url}/updates",
        {
            "audience": "stakeholders",
            "affected": "Card payments",
            "customers_see": "An error after Pay",
            "tell_customers": "PayPal works.",
            "next_update_by": next_by,
        },
    )
    assert update.status_code == 201
    assert OutboxMessage.objects.filter(event="incident.update", recipient=personas.stakeholder).count() == 1
    post(client, f"{url}/updates", {"audience": "technical", "text": "p99 back to 200 ms."})
    timeline = json.loads(client.get(f"{url}/timeline").content)
    assert [item["kind"] for item in timeline["items"]] == [
        "auto",
        "status",
        "auto",
        "page",  # raised to SEV2: on-call asked (nobody to page in this world)
        "role",
        "role",
        "role",
        "role",
        "note",
        "update",
        "update",
    ]
    client.force_login(personas.stakeholder)
    public = json.loads(client.get(f"{url}/timeline").content)
    assert [item["kind"] for item in public["items"]] == ["status"]
    updates = json.loads(client.get(f"{url}/updates").content)
    assert [item["audience"] for item in updates["items"]] == ["stakeholders"]


def test_it_refuses_bad_changes_with_the_one_error_shape(client: Client, personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    client.force_login(personas.operator_a)
    url = f"{BASE}/{incident.number}"
    cases = [
        (f"{url}/status", {"status": "fixed"}, 422, "status"),
        (f"{url}/severity", {"severity": 0}, 422, "severity"),
        (f"{url}/roles", {"commander": "nobody"}, 422, "commander"),
        (f"{url}/roles", {"commander": "viewer"}, 422, "commander"),
        (f"{url}/notes", {"text": ""}, 422, "text"),
        (f"{url}/notes", {"text": "x" * 5001}, 422, "text"),
        (f"{url}/updates", {"audience": "stakeholders", "affected": "Cards"}, 422, "customers_see"),
        (
            f"{url}/updates",
            {
                "audience": "stakeholders",
                "affected": "a",
                "customers_see": "b",
                "tell_customers": "c",
                "next_update_by": "2001-01-01T10:00:00Z",
            },
            422,
            "next_update_by",
        ),
        (f"{url}/updates", {"audience": "everyone", "text": "x"}, 422, "audience"),
    ]
    for target, data, status, field in cases:
        response = post(client, target, data)
        assert response.status_code == status, (target, data)
        error = error_of(response)
        assert error["code"] == "invalid"
        assert error["details"][0]["field"] == field, (data, error)
    malformed = client.post(f"{url}/notes", "{not json", content_type="application/json")
    assert malformed.status_code == 400
    incident.refresh_from_db()
    assert (incident.status, incident.severity, incident.commander) == ("investigating", 3, None)
    assert StatusUpdate.objects.count() == 0
    assert incident.timeline.filter(kind="note").count() == 0


def test_it_answers_404_and_401(client: Client, personas: Personas) -> None:
    assert client.get(f"{BASE}/1").status_code == 401
    client.force_login(personas.viewer)
    for number in (0, 7, 2**40):
        response = client.get(f"{BASE}/{number}")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


def test_it_lists_and_filters(client: Client, personas: Personas, django_assert_max_num_queries: Any) -> None:
    storefront, payments = build_services(personas)
    for index in range(8):
        declare(personas, [storefront, payments], title=f"Problem {index}", severity=2 + index % 2)
    fixed = declare(personas, [payments], title="Fixed one")
    services.change_status(actor=Actor(user=personas.admin), incident=fixed, status="resolved")
    client.force_login(personas.viewer)
    with django_assert_max_num_queries(8):
        everything = json.loads(client.get(BASE).content)
    assert everything["count"] == 9
    assert everything["items"][0]["title"] == "Fixed one"
    assert json.loads(client.get(f"{BASE}?status=open").content)["count"] == 8
    assert json.loads(client.get(f"{BASE}?severity=2").content)["count"] == 4
    assert json.loads(client.get(f"{BASE}?service=payments&status=resolved").content)["count"] == 1
    assert client.get(f"{BASE}?status=broken").status_code == 422
    assert client.get(f"{BASE}?severity=9").status_code == 422
