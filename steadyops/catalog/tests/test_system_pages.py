"""The system pages: list, detail and create."""

import pytest
from django.urls import reverse

from steadyops.catalog.models import System
from steadyops.catalog.tests.conftest import Shop, client_for
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
