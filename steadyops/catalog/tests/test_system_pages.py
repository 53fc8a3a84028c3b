"""The system pages: list, detail and create."""

import pytest
from django.urls import reverse

from steadyops.catalog.models import Service, System
from steadyops.catalog.tests.conftest import Shop, client_for
from steadyops.core.models import AuditEntry
from steadyops.testing.personas import NAMES


@pytest.mark.parametrize("name", NAMES)
def test_everyone_signed_in_reads_systems(shop: Shop, name: str) -> None:
    client = client_for(shop.personas, name)
    listing = client.get(reverse("catalog_system_list"))
    detail = client.get(reverse("catalog_system_detail", args=["storefront"]))
    if name == "anonymous":
        assert (listing.status_code, detail.status_code) == (302, 302)
        return
    assert [(s.slug, s.service_count) for s in listing.context["page"]] == [("storefront", 2)]
    assert [s.slug for s in detail.context["services"]] == ["checkout", "web"]


@pytest.mark.parametrize("name", NAMES)
def test_operators_create_systems(shop: Shop, name: str) -> None:
    response = client_for(shop.personas, name).post(reverse("catalog_system_create"), {"name": "Payments"})
    expected = {"stakeholder": 403, "viewer": 403}.get(name, 302)
    assert response.status_code == expected
    assert System.objects.filter(slug="payments").exists() is (name in ("admin", "operator_a", "operator_b"))


@pytest.mark.parametrize(
    "data", [{"name": ""}, {"name": "Storefront"}, {"name": "x" * 101}, {"name": "!!!"}, {"owner": "marketing"}]
)
def test_it_refuses_bad_systems(shop: Shop, data: dict[str, str]) -> None:
    response = client_for(shop.personas, "admin").post(reverse("catalog_system_create"), {"name": "Payments", **data})
    assert response.status_code == 400
    assert System.objects.count() == 1


def test_the_system_list_has_bounded_queries(
    shop: Shop,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    System.objects.bulk_create([System(slug=f"s-{i:02}", name=f"S {i:02}") for i in range(30)])
    client = client_for(shop.personas, "viewer")
    with django_assert_max_num_queries(6):
        response = client.get(reverse("catalog_system_list"))
    assert len(response.context["page"].object_list) == 25


EDIT = {"name": "Shop front", "description": "What customers see.", "owner": "checkout"}


@pytest.mark.parametrize("name", NAMES)
def test_operators_change_systems(shop: Shop, name: str) -> None:
    client = client_for(shop.personas, name)
    url = reverse("catalog_system_edit", args=["storefront"])
    page = client.get(url)
    response = client.post(url, EDIT)
    system = System.objects.get(slug="storefront")
    if name in ("admin", "operator_a", "operator_b"):
        assert (page.status_code, response.status_code) == (200, 302)
        assert page.context["form"].initial == {"name": "Storefront", "description": "", "owner": "platform"}
        assert (system.name, system.description, system.owner) == (
            "Shop front",
            "What customers see.",
            shop.personas.team_b,
        )
        assert AuditEntry.objects.filter(action="system.update").count() == 1
        return
    expected = 302 if name == "anonymous" else 403
    assert (page.status_code, response.status_code) == (expected, expected)
    assert (system.name, system.owner) == ("Storefront", shop.personas.team_a)


def test_an_empty_owner_leaves_the_system_without_a_team(shop: Shop) -> None:
    response = client_for(shop.personas, "operator_a").post(
        reverse("catalog_system_edit", args=["storefront"]), {"name": "Storefront", "owner": ""}
    )
    assert response.status_code == 302
    assert System.objects.get(slug="storefront").owner is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "This field is required"),
        ({"name": "   "}, "This field is required"),
        ({"name": "x" * 101}, "at most 100 characters"),
        ({"name": "Pay\x07ments"}, "control characters"),
        ({"name": "Payments"}, "already exists"),
        ({"description": "x" * 2001}, "at most 2000 characters"),
        ({"owner": "marketing"}, "Select a valid choice"),
        ({"owner": "nobody"}, "Select a valid choice"),
    ],
)
def test_it_refuses_bad_changes_and_keeps_the_system(shop: Shop, data: dict[str, str], message: str) -> None:
    System.objects.create(slug="payments", name="Payments")
    response = client_for(shop.personas, "admin").post(
        reverse("catalog_system_edit", args=["storefront"]), {**EDIT, **data}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    system = System.objects.get(slug="storefront")
    assert (system.name, system.description, system.owner) == ("Storefront", "", shop.personas.team_a)
    assert not AuditEntry.objects.filter(action="system.update").exists()


def test_changing_an_unknown_system_is_404(shop: Shop) -> None:
    client = client_for(shop.personas, "admin")
    assert client.get(reverse("catalog_system_edit", args=["nope"])).status_code == 404
    assert client.post(reverse("catalog_system_archive", args=["nope"])).status_code == 404


@pytest.mark.parametrize("name", NAMES)
def test_only_administrators_archive_systems(shop: Shop, name: str) -> None:
    response = client_for(shop.personas, name).post(reverse("catalog_system_archive", args=["storefront"]))
    system = System.objects.get(slug="storefront")
    if name == "admin":
        assert response.status_code == 302
        assert response["Location"] == reverse("catalog_system_list")
        assert system.archived_at is not None
        # Its services stay, and keep pointing at it for the record.
        assert Service.objects.filter(system=system, archived_at=None).count() == 2
        return
    assert response.status_code == (302 if name == "anonymous" else 403)
    assert system.archived_at is None


def test_archiving_is_a_post_and_leaves_the_list(shop: Shop) -> None:
    client = client_for(shop.personas, "admin")
    assert client.get(reverse("catalog_system_archive", args=["storefront"])).status_code == 405
    client.post(reverse("catalog_system_archive", args=["storefront"]))
    assert list(client.get(reverse("catalog_system_list")).context["page"]) == []


@pytest.mark.parametrize(
    ("name", "edit", "archive"), [("admin", True, True), ("operator_b", True, False), ("viewer", False, False)]
)
def test_the_detail_page_offers_what_each_may_do(shop: Shop, name: str, edit: bool, archive: bool) -> None:
    body = client_for(shop.personas, name).get(reverse("catalog_system_detail", args=["storefront"])).content.decode()
    assert (reverse("catalog_system_edit", args=["storefront"]) in body) is edit
    assert (reverse("catalog_system_archive", args=["storefront"]) in body) is archive
