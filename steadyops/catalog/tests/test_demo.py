"""The demo shop's catalog: complete, idempotent, and with real single points of failure in it."""

import pytest

from steadyops.catalog.models import Capacity, Degrades, Dependency, Resource, Service, System
from steadyops.core import demo


@pytest.fixture
def loaded(db) -> demo.DemoOrganisation:  # type: ignore[no-untyped-def]
    return demo.load()


def test_it_builds_the_shop(loaded: demo.DemoOrganisation) -> None:
    assert set(System.objects.values_list("slug", flat=True)) == {"storefront", "payments"}
    assert set(Service.objects.values_list("slug", flat=True)) == {
        "storefront-web",
        "checkout",
        "cart",
        "catalog-api",
        "search",
        "payments",
        "notifications-sender",
    }
    assert set(Resource.objects.values_list("slug", flat=True)) == {
        "shop-postgres",
        "redis-cache",
        "search-index",
        "paylane",
    }
    assert set(Service.objects.filter(user_facing=True).values_list("slug", flat=True)) == {
        "storefront-web",
        "checkout",
    }
    assert set(Service.objects.values_list("owner__slug", flat=True)) == {"platform", "checkout", "payments", "search"}
    assert Dependency.objects.count() == 15
    assert Capacity.objects.filter(environment__slug="production").count() == 10
    assert loaded.created["services"] == 7


def test_it_changes_nothing_when_loaded_twice(loaded: demo.DemoOrganisation) -> None:
    counts = [model.objects.count() for model in (System, Service, Resource, Dependency, Capacity)]
    again = demo.load()
    assert [model.objects.count() for model in (System, Service, Resource, Dependency, Capacity)] == counts
    assert again.created == {}


def test_it_holds_the_three_single_points_of_failure(loaded: demo.DemoOrganisation) -> None:
    # One cache instance that the cart cannot do without.
    cache = Capacity.objects.get(resource__slug="redis-cache", environment__slug="production")
    assert (cache.instances, cache.zones) == (1, 1)
    assert Dependency.objects.get(source_service__slug="cart", target_resource__slug="redis-cache").hard
    # The database's primary and replica in one zone, needed hard by checkout.
    database = Capacity.objects.get(resource__slug="shop-postgres", environment__slug="production")
    assert (database.instances, database.zones) == (2, 1)
    assert Dependency.objects.get(source_service__slug="checkout", target_resource__slug="shop-postgres").hard
    # The payment vendor, needed hard, with nobody knowing what happens when it is down.
    vendor = Dependency.objects.get(source_service__slug="payments", target_resource__slug="paylane")
    assert (vendor.hard, vendor.degrades, vendor.fallback) == (True, Degrades.UNKNOWN, "")
    assert Resource.objects.get(slug="paylane").kind == "vendor"
