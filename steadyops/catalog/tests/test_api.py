"""The catalog API: reading, writing through the services, error shapes and bounded queries."""

import pytest

from steadyops.api.testing import assert_error, client_for, send
from steadyops.catalog.models import Capacity, Dependency, Resource, Service
from steadyops.catalog.tests.conftest import Shop
from steadyops.core.models import AuditEntry

BASE = "/api/v1/catalog"


def test_it_lists_services_with_owners_and_meanings(shop: Shop) -> None:
    response = client_for(shop.personas.viewer, scopes=["read"]).get(f"{BASE}/services")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    web = next(item for item in body["items"] if item["slug"] == "web")
    assert (web["owner"], web["tier"], web["tier_meaning"], web["system"]) == (
        "platform",
        1,
        "Critical: the business stops",
        "storefront",
    )


@pytest.mark.parametrize(("query", "expected"), [("team=checkout", ["checkout"]), ("tier=1", ["web"])])
def test_it_filters_services(shop: Shop, query: str, expected: list[str]) -> None:
    body = client_for(shop.personas.viewer).get(f"{BASE}/services?{query}").json()
    assert [item["slug"] for item in body["items"]] == expected


def test_the_service_list_has_a_constant_number_of_queries(
    shop: Shop,
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    client = client_for(shop.personas.viewer)
    for i in range(30):
        service = Service.objects.create(slug=f"s-{i:02}", name=f"S {i:02}", owner=shop.personas.team_a)
        service.secondary_owners.add(shop.personas.team_b)
    # The token and its user (two plain reads), its last use, the count, the page, its secondary owners.
    with django_assert_num_queries(6):
        response = client.get(f"{BASE}/services?page_size=50")
    assert response.json()["count"] == 32


def test_an_operator_creates_a_service_and_the_audit_log_says_who(shop: Shop) -> None:
    payload = {
        "name": "Billing",
        "owner": "platform",
        "tier": 2,
        "secondary_owners": ["checkout"],
        "tags": ["money"],
        "links": [{"title": "Repo", "url": "https://git.example.com/billing"}],
    }
    response = send(client_for(shop.personas.operator_a), "POST", f"{BASE}/services", payload)
    assert response.status_code == 201, response.content
    assert response.json()["secondary_owners"] == ["checkout"]
    entry = AuditEntry.objects.get(action="service.create", object_repr="Billing")
    assert entry.actor_label == "operator_a (token test token)"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "X", "owner": "platform", "tier": 7}, "tier"),
        ({"name": "X", "owner": "platform", "slug": "not a slug"}, "slug"),
        ({"name": "", "owner": "platform"}, "name"),
        ({"name": "x" * 101, "owner": "platform"}, "name"),
        ({"name": "X\u0000", "owner": "platform"}, "name"),
        ({"name": "X", "owner": "nobody"}, "owner"),
        ({"name": "X", "owner": "platform", "colour": "red"}, "colour"),
        ({"name": "X", "owner": "platform", "links": [{"url": "javascript:alert(1)"}]}, "links"),
        ({"name": "X", "owner": "platform", "user_facing": "yes"}, "user_facing"),
        ({"name": "Web", "owner": "platform"}, "slug"),
    ],
)
def test_it_refuses_bad_services_with_422(shop: Shop, payload: dict, field: str) -> None:
    response = send(client_for(shop.personas.admin), "POST", f"{BASE}/services", payload)
    error = assert_error(response, 422, "invalid")
    assert field in [detail["field"] for detail in error["details"]]
    assert Service.objects.count() == 2


def test_it_answers_the_error_shapes(shop: Shop) -> None:
    assert_error(client_for(None).get(f"{BASE}/services"), 401, "not_authenticated")
    assert_error(client_for(shop.personas.viewer).get(f"{BASE}/services/nope"), 404, "not_found")
    assert_error(
        send(client_for(shop.personas.operator_b), "PATCH", f"{BASE}/services/web", {"name": "Mine"}), 403, "forbidden"
    )
    assert_error(
        send(client_for(shop.personas.operator_a, scopes=["read"]), "PATCH", f"{BASE}/services/web", {"name": "W"}),
        403,
        "forbidden",
    )
    assert_error(send(client_for(shop.personas.admin), "POST", f"{BASE}/services", "{not json"), 400, "bad_request")
    assert_error(client_for(shop.personas.admin).get(f"{BASE}/dependencies/99999999999999999999"), 404, "not_found")
    shop.web.refresh_from_db()
    assert shop.web.name == "Web"


def test_patch_changes_only_what_is_sent(shop: Shop) -> None:
    response = send(client_for(shop.personas.operator_a), "PATCH", f"{BASE}/services/web", {"system": ""})
    assert response.status_code == 200
    assert (response.json()["system"], response.json()["tier"], response.json()["name"]) == (None, 1, "Web")


def test_resources_through_the_api(shop: Shop) -> None:
    client = client_for(shop.personas.operator_a)
    created = send(client, "POST", f"{BASE}/resources", {"name": "Queue", "owner": "platform", "kind": "queue"})
    assert created.status_code == 201
    assert created.json()["slug"] == "queue"
    assert send(client, "PATCH", f"{BASE}/resources/queue", {"kind": "cache"}).json()["kind"] == "cache"
    assert_error(send(client, "PATCH", f"{BASE}/resources/queue", {"kind": "spaceship"}), 422, "invalid")
    assert Resource.objects.get(slug="queue").kind == "cache"


def test_dependencies_through_the_api(shop: Shop) -> None:
    client = client_for(shop.personas.operator_a)
    payload = {
        "source": {"type": "service", "slug": "web"},
        "target": {"type": "resource", "slug": "shop-db"},
        "hard": False,
        "degrades": "yes",
        "fallback": "Cached pages",
    }
    created = send(client, "POST", f"{BASE}/dependencies", payload)
    assert created.status_code == 201
    body = created.json()
    assert body["in_plain_words"] == "Web keeps working without Shop DB, in a reduced way. Instead: Cached pages"
    assert_error(send(client, "POST", f"{BASE}/dependencies", payload), 422, "invalid")
    loop = {**payload, "target": {"type": "service", "slug": "web"}}
    assert (
        "cannot depend on itself"
        in assert_error(send(client, "POST", f"{BASE}/dependencies", loop), 422, "invalid")["message"]
    )
    missing = {**payload, "target": {"type": "resource", "slug": "nope"}}
    assert_error(send(client, "POST", f"{BASE}/dependencies", missing), 422, "invalid")
    listed = client.get(f"{BASE}/dependencies?service=web").json()
    assert listed["count"] == 2
    patched = send(client, "PATCH", f"{BASE}/dependencies/{body['id']}", {"hard": True, "degrades": "no"})
    assert patched.json()["in_plain_words"] == "Web stops working when Shop DB is down. Instead: Cached pages"
    assert send(client, "DELETE", f"{BASE}/dependencies/{body['id']}").status_code == 204
    assert not Dependency.objects.filter(pk=body["id"]).exists()


def test_capacity_through_the_api(shop: Shop) -> None:
    client = client_for(shop.personas.operator_a)
    url = f"{BASE}/services/web/capacity/production"
    assert_error(client.get(url), 404, "not_found")
    payload = {"instances": 4, "zones": 2, "per_instance_capacity": "120.5", "unit": "requests/s"}
    put = send(client, "PUT", url, payload)
    assert put.status_code == 200, put.content
    assert (put.json()["total_capacity"], put.json()["component"]["slug"]) == (482.0, "web")
    assert client.get(url).json()["instances"] == 4
    for bad in ({"instances": -1}, {"instances": 1, "zones": 2}, {"instances": 2, "redundancy_intent": "lots"}):
        assert_error(send(client, "PUT", url, bad), 422, "invalid")
    assert_error(send(client, "PUT", f"{BASE}/services/web/capacity/moon", payload), 404, "not_found")
    assert Capacity.objects.get().instances == 4
    assert client.get(f"{BASE}/capacity?environment=production").json()["count"] == 1


def test_systems_and_environments(shop: Shop) -> None:
    client = client_for(shop.personas.operator_b)
    assert send(client, "POST", f"{BASE}/systems", {"name": "Payments", "owner": "checkout"}).status_code == 201
    assert [s["slug"] for s in client.get(f"{BASE}/systems").json()["items"]] == ["payments", "storefront"]
    assert [e["slug"] for e in client.get(f"{BASE}/environments").json()] == ["production", "staging"]


def test_session_changes_need_csrf(shop: Shop) -> None:
    client = client_for(shop.personas.admin, session=True)
    response = send(client, "POST", f"{BASE}/systems", {"name": "Payments"})
    assert_error(response, 403, "forbidden")
