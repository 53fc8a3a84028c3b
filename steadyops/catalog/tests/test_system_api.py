"""The system API: one system, changing it, archiving it."""

import pytest

from steadyops.api.testing import assert_error, client_for, send
from steadyops.catalog.models import System
from steadyops.catalog.tests.conftest import Shop
from steadyops.core.models import AuditEntry

BASE = "/api/v1/catalog/systems"


def test_it_reads_one_system(shop: Shop) -> None:
    response = client_for(shop.personas.viewer, scopes=["read"]).get(f"{BASE}/storefront")
    assert response.status_code == 200
    assert response.json() == {
        "slug": "storefront",
        "name": "Storefront",
        "description": "",
        "owner": "platform",
        "archived": False,
    }
    assert_error(client_for(shop.personas.viewer).get(f"{BASE}/nope"), 404, "not_found")


@pytest.mark.parametrize(
    ("name", "status"),
    [("admin", 200), ("operator_a", 200), ("operator_b", 200), ("stakeholder", 403), ("viewer", 403)],
)
def test_operators_change_systems(shop: Shop, name: str, status: int) -> None:
    response = send(
        client_for(shop.personas.by_name(name)), "PATCH", f"{BASE}/storefront", {"description": "What customers see."}
    )
    assert response.status_code == status, response.content
    system = System.objects.get(slug="storefront")
    if status == 200:
        assert response.json()["description"] == "What customers see."
        # Fields left out stay as they were.
        assert (system.name, system.owner) == ("Storefront", shop.personas.team_a)
    assert (system.description == "What customers see.") is (status == 200)


def test_an_empty_owner_clears_it_and_null_keeps_it(shop: Shop) -> None:
    client = client_for(shop.personas.operator_a)
    assert send(client, "PATCH", f"{BASE}/storefront", {"owner": None}).json()["owner"] == "platform"
    assert send(client, "PATCH", f"{BASE}/storefront", {"owner": "checkout"}).json()["owner"] == "checkout"
    assert send(client, "PATCH", f"{BASE}/storefront", {"owner": ""}).json()["owner"] is None


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"name": ""}, 422),
        ({"name": "x" * 101}, 422),
        ({"name": "a\x00b"}, 422),
        ({"name": "Payments"}, 422),
        ({"description": "x" * 2001}, 422),
        ({"owner": "nobody"}, 422),
        ({"owner": "marketing"}, 422),
        ({"owner": "../etc"}, 422),
        ({"slug": "other"}, 422),
        ("{", 400),
    ],
)
def test_it_refuses_bad_changes(shop: Shop, payload: object, status: int) -> None:
    System.objects.create(slug="payments", name="Payments")
    response = send(client_for(shop.personas.admin), "PATCH", f"{BASE}/storefront", payload)
    assert_error(response, status, "invalid" if status == 422 else "bad_request")
    system = System.objects.get(slug="storefront")
    assert (system.name, system.description, system.owner) == ("Storefront", "", shop.personas.team_a)
    assert not AuditEntry.objects.filter(action="system.update").exists()


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("admin", 200),
        ("operator_a", 403),
        ("operator_b", 403),
        ("stakeholder", 403),
        ("viewer", 403),
        ("anonymous", 401),
    ],
)
def test_only_administrators_archive_systems(shop: Shop, name: str, status: int) -> None:
    response = send(client_for(shop.personas.by_name(name)), "POST", f"{BASE}/storefront/archive")
    assert response.status_code == status
    archived = System.objects.get(slug="storefront").archived_at is not None
    assert archived is (status == 200)
    if status == 200:
        assert response.json()["archived"] is True
        assert [item["slug"] for item in client_for(shop.personas.admin).get(BASE).json()["items"]] == []


def test_archiving_an_unknown_system_is_404(shop: Shop) -> None:
    assert_error(send(client_for(shop.personas.admin), "POST", f"{BASE}/nope/archive"), 404, "not_found")
