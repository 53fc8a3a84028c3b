"""The demo shop's catalog: a storefront, checkout and payments, a shared PostgreSQL, a payment vendor.

It has real single points of failure for the SPOF finder to catch: a cache with one instance that the cart
cannot do without, a database whose primary and replica sit in one zone, and a payment vendor nobody has
planned a fallback for.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from steadyops.catalog import services
from steadyops.catalog.models import (
    Degrades,
    Dependency,
    Environment,
    Lifecycle,
    Resource,
    ResourceKind,
    Service,
    System,
)
from steadyops.core import demo

# slug, name, owner, description
SYSTEMS = [
    ("storefront", "Storefront", "checkout", "Everything a customer sees and clicks, from the home page to the order."),
    ("payments", "Payments", "payments", "Taking money, refunds and the payment provider."),
]

# slug, name, owner, secondary owners, tier, user facing, system, description, tags
SERVICES: list[tuple[str, str, str, list[str], int, bool, str | None, str, list[str]]] = [
    (
        "storefront-web",
        "Storefront web",
        "checkout",
        ["platform"],
        1,
        True,
        "storefront",
        "The shop's website: home page, product pages, basket. Where every customer comes in.",
        ["web", "entry-point"],
    ),
    ("checkout", "Checkout", "checkout", [], 1, True, "storefront", "Takes the basket to a paid order.", ["web"]),
    ("cart", "Cart", "checkout", [], 2, False, "storefront", "Keeps what each customer put in the basket.", []),
    (
        "catalog-api",
        "Catalog API",
        "search",
        [],
        2,
        False,
        "storefront",
        "Products, prices and stock for the website.",
        ["api"],
    ),
    ("search", "Search", "search", [], 3, False, "storefront", "Finds products from what customers type.", ["api"]),
    (
        "payments",
        "Payments",
        "payments",
        [],
        1,
        False,
        "payments",
        "Charges cards through Paylane and records each payment.",
        ["pci"],
    ),
    (
        "notifications-sender",
        "Notifications sender",
        "platform",
        [],
        3,
        False,
        None,
        "Sends order confirmations and shipping emails.",
        ["worker"],
    ),
]

# slug, name, kind, owner, description
RESOURCES = [
    (
        "shop-postgres",
        "Shop PostgreSQL",
        ResourceKind.DATABASE,
        "platform",
        "The shared database: orders, carts, products. A primary and one replica.",
    ),
    ("redis-cache", "Redis cache", ResourceKind.CACHE, "platform", "Sessions, baskets and rendered page fragments."),
    ("search-index", "Search index", ResourceKind.STORAGE, "search", "The product index that search reads."),
    ("paylane", "Paylane", ResourceKind.VENDOR, "payments", "The outside payment provider that charges cards."),
]

# source, target, hard, degrades, fallback
DEPENDENCIES: list[tuple[str, str, bool, str, str]] = [
    ("storefront-web", "catalog-api", True, Degrades.NO, ""),
    ("storefront-web", "cart", True, Degrades.YES, "Browsing works; adding to the basket fails."),
    ("storefront-web", "search", False, Degrades.YES, "The search box is hidden; categories still work."),
    ("storefront-web", "redis-cache", False, Degrades.YES, "Pages are built from the database, more slowly."),
    ("checkout", "cart", True, Degrades.NO, ""),
    ("checkout", "payments", True, Degrades.NO, ""),
    ("checkout", "shop-postgres", True, Degrades.NO, ""),
    ("checkout", "notifications-sender", False, Degrades.YES, "Confirmations wait in a queue and go out later."),
    ("cart", "redis-cache", True, Degrades.UNKNOWN, ""),
    ("cart", "shop-postgres", True, Degrades.NO, ""),
    ("catalog-api", "shop-postgres", True, Degrades.NO, ""),
    ("search", "search-index", True, Degrades.NO, ""),
    ("payments", "paylane", True, Degrades.UNKNOWN, ""),
    ("payments", "shop-postgres", True, Degrades.NO, ""),
    ("notifications-sender", "shop-postgres", False, Degrades.YES, "Emails wait until the database is back."),
]

TESTED = date(2024, 10, 14)

# component slug, instances, zones, per instance, unit, load test rate, redundancy, lead time days, pool
PRODUCTION: list[tuple[str, int, int, str | None, str, str | None, str, int | None, bool]] = [
    ("storefront-web", 6, 3, "120", "requests/s", "130", "N+2", 1, True),
    ("checkout", 4, 2, "80", "requests/s", "85", "N+1", 1, True),
    ("cart", 3, 3, "150", "requests/s", "160", "N+1", 1, True),
    ("catalog-api", 4, 2, "300", "requests/s", "320", "N+1", 1, True),
    ("search", 2, 2, "50", "requests/s", "55", "N+1", 2, False),
    ("payments", 2, 2, "40", "requests/s", "45", "N+1", 3, False),
    # Not measured yet: the home card asks its owners for the figures.
    ("notifications-sender", 1, 1, None, "emails/min", None, "", None, False),
    ("shop-postgres", 2, 1, "2000", "queries/s", "2200", "N+1", 14, False),
    ("redis-cache", 1, 1, "20000", "operations/s", None, "", 2, False),
    ("search-index", 3, 3, "400", "queries/s", "420", "N+1", 5, False),
]


def _get_environment(organisation: demo.DemoOrganisation, slug: str, name: str, position: int) -> Environment:
    environment = Environment.objects.filter(slug=slug).first()
    if environment is None:
        environment = services.create_environment(actor=organisation.actor, name=name, slug=slug, position=position)
    return environment


def _component(slug: str) -> Service | Resource:
    return Service.objects.filter(slug=slug).first() or Resource.objects.get(slug=slug)


@demo.contribution("catalog")
def load(organisation: demo.DemoOrganisation) -> None:
    actor, teams = organisation.actor, organisation.teams
    production = _get_environment(organisation, "production", "Production", 0)
    staging = _get_environment(organisation, "staging", "Staging", 10)

    for slug, name, owner, description in SYSTEMS:
        if not System.objects.filter(slug=slug).exists():
            services.create_system(actor=actor, name=name, slug=slug, description=description, owner=teams[owner])
            organisation.count("systems")

    for slug, name, owner, others, tier, user_facing, system, description, tags in SERVICES:
        if not Service.objects.filter(slug=slug).exists():
            services.create_service(
                actor=actor,
                name=name,
                slug=slug,
                owner=teams[owner],
                secondary_owners=[teams[team] for team in others],
                tier=tier,
                lifecycle=Lifecycle.PRODUCTION,
                user_facing=user_facing,
                system=System.objects.get(slug=system) if system else None,
                description=description,
                tags=tags,
                links=[{"title": "Dashboard", "url": f"https://grafana.example.com/d/{slug}"}],
            )
            organisation.count("services")

    for slug, name, kind, owner, description in RESOURCES:
        if not Resource.objects.filter(slug=slug).exists():
            services.create_resource(
                actor=actor, name=name, slug=slug, kind=kind, owner=teams[owner], description=description
            )
            organisation.count("resources")

    for source_slug, target_slug, hard, degrades, fallback in DEPENDENCIES:
        source, target = _component(source_slug), _component(target_slug)
        ends: dict[str, Any] = {
            "source_service" if isinstance(source, Service) else "source_resource": source,
            "target_service" if isinstance(target, Service) else "target_resource": target,
        }
        if not Dependency.objects.filter(**ends).exists():
            services.add_dependency(
                actor=actor, source=source, target=target, hard=hard, degrades=degrades, fallback=fallback
            )
            organisation.count("dependencies")

    for slug, instances, zones, each, unit, rate, redundancy, lead, pool in PRODUCTION:
        component = _component(slug)
        if services.capacity_of(component, production) is None:
            services.set_capacity(
                actor=actor,
                component=component,
                environment=production,
                instances=instances,
                zones=zones,
                regions=1,
                per_instance_capacity=Decimal(each) if each else None,
                unit=unit,
                load_test_date=TESTED if rate else None,
                load_test_method="k6 against a copy of production traffic" if rate else "",
                load_test_rate=Decimal(rate) if rate else None,
                latency_objective_ms=300 if rate else None,
                target_utilisation=70 if each else None,
                redundancy_intent=redundancy,
                provisioning_lead_time_days=lead,
                pool_repurposable=pool,
            )
            organisation.count("capacity figures")

    for slug in ("storefront-web", "checkout"):
        component = _component(slug)
        if services.capacity_of(component, staging) is None:
            services.set_capacity(actor=actor, component=component, environment=staging, instances=1, zones=1)
            organisation.count("capacity figures")
