"""Recording capacity per service (or resource) and environment."""

from decimal import Decimal

import pytest
from django.urls import reverse

from steadyops.catalog.models import Capacity
from steadyops.catalog.tests.conftest import Shop, client_for
from steadyops.core.models import AuditEntry
from steadyops.testing.personas import NAMES

FORM = {
    "instances": "4",
    "zones": "2",
    "regions": "1",
    "per_instance_capacity": "120.50",
    "unit": "requests/s",
    "load_test_date": "2024-10-14",
    "load_test_method": "k6",
    "load_test_rate": "130",
    "latency_objective_ms": "300",
    "target_utilisation": "70",
    "redundancy_intent": "N+1",
    "provisioning_lead_time_days": "2",
    "pool_repurposable": "on",
}


@pytest.mark.parametrize("name", NAMES)
def test_only_the_owners_record_capacity(shop: Shop, name: str) -> None:
    url = reverse("catalog_service_capacity_edit", args=["web", "production"])
    client = client_for(shop.personas, name)
    expected = {"admin": 200, "operator_a": 200, "anonymous": 302}.get(name, 403)
    assert client.get(url).status_code == expected
    post_expected = {"admin": 302, "operator_a": 302, "anonymous": 302}.get(name, 403)
    assert client.post(url, FORM).status_code == post_expected
    assert Capacity.objects.filter(service=shop.web).exists() is (name in ("admin", "operator_a"))


def test_it_saves_and_shows_the_figures(shop: Shop) -> None:
    client = client_for(shop.personas, "operator_a")
    response = client.post(reverse("catalog_service_capacity_edit", args=["web", "production"]), FORM)
    assert response["Location"] == reverse("catalog_service_detail", args=["web"])
    capacity = Capacity.objects.get(service=shop.web, environment=shop.production)
    assert (capacity.instances, capacity.per_instance_capacity, capacity.pool_repurposable) == (
        4,
        Decimal("120.50"),
        True,
    )
    body = client.get(reverse("catalog_service_detail", args=["web"])).content.decode()
    assert "4 instances in 2 zones, 1 region" in body
    assert "120.50 requests/s each, 482 requests/s in all" in body
    form = client.get(reverse("catalog_service_capacity_edit", args=["web", "production"])).context["form"]
    assert form.initial["instances"] == 4


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"instances": "-1"}, "instances"),
        ({"instances": ""}, "instances"),
        ({"instances": "many"}, "instances"),
        ({"zones": "5"}, "zones"),
        ({"target_utilisation": "101"}, "target_utilisation"),
        ({"redundancy_intent": "lots"}, "redundancy_intent"),
        ({"per_instance_capacity": "1e30"}, "per_instance_capacity"),
        ({"load_test_date": "yesterday"}, "load_test_date"),
    ],
)
def test_it_refuses_bad_capacity(shop: Shop, data: dict[str, str], field: str) -> None:
    response = client_for(shop.personas, "admin").post(
        reverse("catalog_service_capacity_edit", args=["web", "production"]), {**FORM, **data}
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Capacity.objects.exists()
    assert not AuditEntry.objects.filter(action="capacity.set").exists()


def test_an_unknown_environment_is_404(shop: Shop) -> None:
    url = reverse("catalog_service_capacity_edit", args=["web", "moon"])
    assert client_for(shop.personas, "admin").get(url).status_code == 404


def test_a_resources_spread_is_recorded_by_its_owners(shop: Shop) -> None:
    url = reverse("catalog_resource_capacity_edit", args=["shop-db", "production"])
    assert client_for(shop.personas, "operator_b").post(url, {"instances": "2", "zones": "1"}).status_code == 403
    response = client_for(shop.personas, "operator_a").post(url, {"instances": "2", "zones": "1", "regions": "1"})
    assert response["Location"] == reverse("catalog_resource_detail", args=["shop-db"])
    body = client_for(shop.personas, "viewer").get(reverse("catalog_resource_detail", args=["shop-db"])).content
    assert "2 instances in 1 zone, 1 region" in body.decode()
    assert "One zone" in body.decode()
