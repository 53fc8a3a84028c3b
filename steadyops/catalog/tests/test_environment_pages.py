"""Environments: everyone reads the list; administrators add and rename them, on the pages and through the API."""

import pytest
from django.urls import reverse

from steadyops.api.testing import assert_error, send
from steadyops.api.testing import client_for as api_client_for
from steadyops.catalog.models import Environment
from steadyops.catalog.tests.conftest import Shop, client_for
from steadyops.core.models import AuditEntry
from steadyops.testing.personas import NAMES

BASE = "/api/v1/catalog"


@pytest.mark.parametrize("name", NAMES)
def test_everyone_signed_in_reads_the_environments(shop: Shop, name: str) -> None:
    response = client_for(shop.personas, name).get(reverse("catalog_environment_list"))
    if name == "anonymous":
        assert response.status_code == 302
        return
    assert response.status_code == 200
    assert [e.slug for e in response.context["environments"]] == ["production", "staging"]
    assert (reverse("catalog_environment_create") in response.content.decode()) is (name == "admin")


def test_the_list_has_bounded_queries(
    shop: Shop,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    Environment.objects.bulk_create([Environment(slug=f"e-{i:02}", name=f"E {i:02}", position=20) for i in range(30)])
    client = client_for(shop.personas, "admin")
    with django_assert_max_num_queries(6):
        response = client.get(reverse("catalog_environment_list"))
    assert len(response.context["environments"]) == 32


@pytest.mark.parametrize("name", NAMES)
def test_only_administrators_add_environments(shop: Shop, name: str) -> None:
    client = client_for(shop.personas, name)
    page = client.get(reverse("catalog_environment_create"))
    response = client.post(reverse("catalog_environment_create"), {"name": "Load test", "position": "20"})
    created = Environment.objects.filter(slug="load-test").first()
    if name == "admin":
        assert (page.status_code, response.status_code) == (200, 302)
        assert created is not None
        assert (created.name, created.position) == ("Load test", 20)
        assert AuditEntry.objects.filter(action="environment.create").count() == 1
        return
    expected = 302 if name == "anonymous" else 403
    assert (page.status_code, response.status_code) == (expected, expected)
    assert created is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "This field is required"),
        ({"name": "x" * 101}, "at most 100 characters"),
        ({"name": "Staging"}, "already exists"),
        ({"name": "Other", "slug": "staging"}, "already exists"),
        ({"name": "New"}, "kept for the page that adds entries"),
        ({"name": "!!!"}, "at least one letter or digit"),
        ({"name": "Te\x1bst"}, "control characters"),
        ({"slug": "not a slug"}, "Enter a valid"),
        ({"position": "-1"}, "greater than or equal to 0"),
        ({"position": "99999"}, "less than or equal to 32767"),
        ({"position": "first"}, "Enter a whole number"),
        ({"position": ""}, "This field is required"),
    ],
)
def test_it_refuses_bad_environments(shop: Shop, data: dict[str, str], message: str) -> None:
    response = client_for(shop.personas, "admin").post(
        reverse("catalog_environment_create"), {"name": "Test", "position": "20", **data}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Environment.objects.count() == 2
    assert not AuditEntry.objects.filter(action="environment.create").exists()


@pytest.mark.parametrize("name", NAMES)
def test_only_administrators_rename_environments(shop: Shop, name: str) -> None:
    client = client_for(shop.personas, name)
    url = reverse("catalog_environment_edit", args=["staging"])
    page = client.get(url)
    # A slug or position sent along is not a field of the rename form: it is ignored.
    response = client.post(url, {"name": "Pre-production", "slug": "pre", "position": "0"})
    staging = Environment.objects.get(slug="staging")
    if name == "admin":
        assert (page.status_code, response.status_code) == (200, 302)
        assert (staging.name, staging.position) == ("Pre-production", 10)
        entry = AuditEntry.objects.get(action="environment.rename")
        assert (entry.before, entry.after) == ({"name": "Staging"}, {"name": "Pre-production"})
        return
    expected = 302 if name == "anonymous" else 403
    assert (page.status_code, response.status_code) == (expected, expected)
    assert staging.name == "Staging"


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "This field is required"), ("Production", "already exists"), ("x" * 101, "at most 100"), ("a\x00b", "")],
)
def test_it_refuses_bad_names(shop: Shop, name: str, message: str) -> None:
    response = client_for(shop.personas, "admin").post(
        reverse("catalog_environment_edit", args=["staging"]), {"name": name}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Environment.objects.get(slug="staging").name == "Staging"
    assert not AuditEntry.objects.filter(action="environment.rename").exists()


def test_an_unchanged_name_is_not_audited_and_an_unknown_environment_is_404(shop: Shop) -> None:
    client = client_for(shop.personas, "admin")
    assert client.post(reverse("catalog_environment_edit", args=["staging"]), {"name": "Staging"}).status_code == 302
    assert not AuditEntry.objects.filter(action="environment.rename").exists()
    assert client.get(reverse("catalog_environment_edit", args=["nope"])).status_code == 404


# --- API ----------------------------------------------------------------------


def test_an_administrator_adds_an_environment_through_the_api(shop: Shop) -> None:
    client = api_client_for(shop.personas.admin)
    response = send(client, "POST", f"{BASE}/environments", {"name": "Load test", "position": 30})
    assert response.status_code == 201, response.content
    assert response.json() == {"slug": "load-test", "name": "Load test"}
    assert Environment.objects.get(slug="load-test").position == 30
    listed = client.get(f"{BASE}/environments").json()
    assert [item["slug"] for item in listed] == ["production", "staging", "load-test"]


@pytest.mark.parametrize("name", ["operator_a", "operator_b", "stakeholder", "viewer"])
def test_others_cannot_add_environments_through_the_api(shop: Shop, name: str) -> None:
    user = shop.personas.by_name(name)
    assert_error(send(api_client_for(user), "POST", f"{BASE}/environments", {"name": "Load test"}), 403, "forbidden")
    assert Environment.objects.count() == 2


def test_anonymous_is_401(shop: Shop) -> None:
    response = send(api_client_for(None), "POST", f"{BASE}/environments", {"name": "Load test"})
    assert_error(response, 401, "not_authenticated")


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({}, 422),
        ({"name": ""}, 422),
        ({"name": "x" * 101}, 422),
        ({"name": "a\x00b"}, 422),
        ({"name": "Staging"}, 422),
        ({"name": "Test", "slug": "staging"}, 422),
        ({"name": "Test", "slug": "Not a slug"}, 422),
        ({"name": "Test", "position": -1}, 422),
        ({"name": "Test", "position": "first"}, 422),
        ({"name": "Test", "colour": "red"}, 422),
        ("[1, 2", 400),
    ],
)
def test_the_api_refuses_bad_environments(shop: Shop, payload: object, status: int) -> None:
    response = send(api_client_for(shop.personas.admin), "POST", f"{BASE}/environments", payload)
    assert_error(response, status, "invalid" if status == 422 else "bad_request")
    assert Environment.objects.count() == 2
