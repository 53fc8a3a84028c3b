"""The SPOF finder's API: findings with their accepted status, accepting a risk, what if X fails."""

from datetime import timedelta

import pytest
from django.utils import timezone

from steadyops.api.testing import assert_error, client_for, send
from steadyops.catalog import services
from steadyops.catalog.models import AcceptedRisk
from steadyops.catalog.tests.conftest import Shop
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry

BASE = "/api/v1/catalog"


def acceptance(**changes: object) -> dict[str, object]:
    return {
        "component": "service:checkout",
        "kind": "cuts_off",
        "reason": "A second instance is planned for March.",
        "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        **changes,
    }


def test_it_lists_findings_with_their_accepted_status(shop: Shop) -> None:
    send(client_for(shop.personas.operator_b), "POST", f"{BASE}/spofs/accept", acceptance())

    body = client_for(shop.personas.viewer, scopes=["read"]).get(f"{BASE}/spofs").json()

    assert (body["environment"], body["open"]) == ("production", 2)
    assert [(f["component"]["key"], f["kind"], f["accepted"]) for f in body["findings"]] == [
        ("resource:shop-db", "cuts_off", False),
        ("resource:shop-db", "no_fallback", False),
        ("service:checkout", "cuts_off", True),
    ]
    fallback = body["findings"][1]
    assert fallback["dependent"] == {
        "key": "service:checkout",
        "type": "service",
        "slug": "checkout",
        "name": "Checkout",
        "owner": "Checkout",
    }
    assert [c["key"] for c in fallback["blast_radius"]] == ["service:web"]
    assert fallback["kind_in_plain_words"] == "Nobody described what happens without it"
    accepted = body["findings"][2]["acceptance"]
    assert (accepted["reason"], accepted["accepted_by"], accepted["environment"]) == (
        "A second instance is planned for March.",
        "operator_b",
        "production",
    )


def test_it_filters_by_team_and_environment(shop: Shop) -> None:
    client = client_for(shop.personas.viewer)
    mine = client.get(f"{BASE}/spofs?team=platform").json()
    assert {f["component"]["key"] for f in mine["findings"]} == {"resource:shop-db"}
    assert client.get(f"{BASE}/spofs?environment=staging").json()["environment"] == "staging"


@pytest.mark.parametrize(("query", "field"), [("team=nobody", "team"), ("environment=moon", "environment")])
def test_it_refuses_unknown_filters(shop: Shop, query: str, field: str) -> None:
    error = assert_error(client_for(shop.personas.viewer).get(f"{BASE}/spofs?{query}"), 422, "invalid")
    assert [detail["field"] for detail in error["details"]] == [field]


def test_an_owner_accepts_a_risk(shop: Shop) -> None:
    response = send(client_for(shop.personas.operator_b), "POST", f"{BASE}/spofs/accept", acceptance())

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["component"], body["kind"], body["dependent"], body["accepted_by"]) == (
        "service:checkout",
        "cuts_off",
        "",
        "operator_b",
    )
    assert AuditEntry.objects.get(action="risk.accept").actor_label == "operator_b (token test token)"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"reason": "x" * 1001}, "reason"),
        ({"reason": "a\u0000b"}, "reason"),
        ({"expires_on": "2020-01-01"}, "expires_on"),
        ({"expires_on": "soon"}, "expires_on"),
        ({"kind": "meteor"}, "kind"),
        ({"component": "service:nope"}, "component"),
        ({"component": "<script>"}, "component"),
        ({"environment": "moon"}, "environment"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_it_refuses_bad_acceptances_with_422(shop: Shop, changes: dict, field: str) -> None:
    response = send(client_for(shop.personas.admin), "POST", f"{BASE}/spofs/accept", acceptance(**changes))

    error = assert_error(response, 422, "invalid")
    assert field in [detail["field"] for detail in error["details"]]
    assert not AcceptedRisk.objects.exists()


def test_only_owners_and_admins_accept(shop: Shop) -> None:
    assert_error(
        send(client_for(shop.personas.operator_a), "POST", f"{BASE}/spofs/accept", acceptance()), 403, "forbidden"
    )
    assert_error(client_for(None).post(f"{BASE}/spofs/accept"), 401, "not_authenticated")
    reader = client_for(shop.personas.operator_b, scopes=["read"])
    assert_error(send(reader, "POST", f"{BASE}/spofs/accept", acceptance()), 403, "forbidden")
    assert not AcceptedRisk.objects.exists()


def test_it_says_what_breaks_and_what_degrades(shop: Shop) -> None:
    admin = Actor(user=shop.personas.admin)
    cache = services.create_resource(actor=admin, name="Cache", owner=shop.personas.team_a, kind="cache")
    services.add_dependency(actor=admin, source=shop.checkout, target=cache, hard=False, degrades="yes")

    body = client_for(shop.personas.viewer).get(f"{BASE}/what-if?component=resource:cache").json()
    database = client_for(shop.personas.viewer).get(f"{BASE}/what-if?component=resource:shop-db").json()

    assert body["failed"]["name"] == "Cache"
    assert body["broken"] == []
    assert [c["key"] for c in body["degraded"]] == ["service:checkout", "service:web"]
    assert [c["key"] for c in database["broken"]] == ["service:checkout", "service:web"]
    assert [c["key"] for c in database["journeys_broken"]] == ["service:web"]


@pytest.mark.parametrize(
    "query", ["component=service:nope", "component=nope", "", "component=service:web&environment=moon"]
)
def test_what_if_refuses_unknown_components(shop: Shop, query: str) -> None:
    assert_error(client_for(shop.personas.viewer).get(f"{BASE}/what-if?{query}"), 422, "invalid")


def test_the_openapi_document_lists_the_operations(shop: Shop) -> None:
    paths = client_for(shop.personas.viewer).get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/catalog/spofs", "/api/v1/catalog/spofs/accept", "/api/v1/catalog/what-if"} <= set(paths)
