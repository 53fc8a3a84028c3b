"""The SPOF finder on the catalog's rows: the demo shop's real single points of failure, in plain words."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from steadyops.catalog import findings, services
from steadyops.catalog.models import AcceptedRisk, Environment
from steadyops.catalog.tests.conftest import Shop
from steadyops.core import demo
from steadyops.core.actor import Actor


def identities(report: findings.SpofReport) -> list[tuple[str, str, str]]:
    return [f.identity for f in report.open]


@pytest.fixture
def production(db) -> Environment:  # type: ignore[no-untyped-def]
    demo.load()
    return Environment.objects.get(slug="production")


def test_it_finds_the_demo_shops_three_single_points_of_failure(production: Environment) -> None:
    report = findings.spof_report(environment=production)

    assert [(f.identity, f.finding.blast_radius) for f in report.open] == [
        (("resource:shop-postgres", "single_zone", ""), ("service:checkout", "service:storefront-web")),
        (("resource:paylane", "cuts_off", ""), ("service:checkout",)),
        (("resource:paylane", "no_fallback", "service:payments"), ("service:checkout",)),
        (("resource:redis-cache", "single_instance", ""), ("service:checkout",)),
        (("resource:redis-cache", "no_fallback", "service:cart"), ("service:checkout",)),
    ]
    assert report.accepted == []
    database = report.open[0]
    assert database.finding.explanation == (
        "Checkout and Storefront web cannot work when Shop PostgreSQL fails: its 2 instances all run in one zone."
    )
    assert database.finding.mitigation == (
        "Spread Shop PostgreSQL over at least two zones, or make Checkout and Storefront web degrade gracefully "
        "without it."
    )
    assert [journey.name for journey in database.journeys] == ["Checkout", "Storefront web"]
    assert database.component.owner == "Platform"
    assert database.kind_label == "All its instances run in one zone"
    vendor = report.open[2]
    assert vendor.dependent is not None
    assert vendor.dependent.name == "Payments"
    assert vendor.finding.explanation == (
        "Payments needs Paylane, and nobody has described what Payments does when Paylane fails, so a failure of "
        "Paylane may cut off Checkout."
    )
    assert report.open[3].finding.explanation == "Checkout cannot work when Redis cache fails: it runs as one instance."


def test_it_reads_capacity_of_the_chosen_environment(production: Environment) -> None:
    # Staging records one instance of the two entry points and nothing else: everything they need is unknown.
    staging = Environment.objects.get(slug="staging")

    report = findings.spof_report(environment=staging)

    kinds = {f.identity for f in report.open}
    assert ("resource:shop-postgres", "cuts_off", "") in kinds
    assert ("resource:redis-cache", "cuts_off", "") in kinds
    assert ("service:checkout", "single_instance", "") not in kinds  # an entry point only cuts itself off


def test_it_forgets_archived_components_and_their_dependencies(production: Environment) -> None:
    admin = Actor(user=demo.load().actor.user)
    from steadyops.catalog.models import Resource

    services.archive_resource(actor=admin, resource=Resource.objects.get(slug="paylane"), confirmed=True)

    keys = {f.component.key for f in findings.spof_report(environment=production).open}

    assert keys == {"resource:shop-postgres", "resource:redis-cache"}


def test_it_sees_a_new_hard_dependency_on_a_single_instance(shop: Shop) -> None:
    admin = Actor(user=shop.personas.admin)
    services.set_capacity(actor=admin, component=shop.checkout, environment=shop.production, instances=2, zones=2)
    services.set_capacity(actor=admin, component=shop.database, environment=shop.production, instances=2, zones=2)
    services.update_dependency(
        actor=admin,
        dependency=shop.checkout.dependencies_out.get(),
        hard=True,
        degrades="no",
        fallback="",
        note="",
    )
    assert findings.spof_report(environment=shop.production).open == []
    queue = services.create_resource(actor=admin, name="Order queue", owner=shop.personas.team_b, kind="queue")
    services.set_capacity(actor=admin, component=queue, environment=shop.production, instances=1)
    services.add_dependency(actor=admin, source=shop.checkout, target=queue, hard=True, degrades="no")

    [finding] = findings.spof_report(environment=shop.production).open

    assert finding.identity == ("resource:order-queue", "single_instance", "")
    assert finding.finding.explanation == "Web cannot work when Order queue fails: it runs as one instance."


def test_it_tells_apart_components_with_the_same_name(shop: Shop) -> None:
    admin = Actor(user=shop.personas.admin)
    twin = services.create_resource(actor=admin, name="Checkout", owner=shop.personas.team_b, slug="checkout-db")
    services.add_dependency(actor=admin, source=shop.checkout, target=twin, hard=True, degrades="unknown")

    report = findings.spof_report(environment=shop.production)

    fallback = next(f for f in report.open if f.identity == ("resource:checkout-db", "no_fallback", "service:checkout"))
    assert fallback.finding.explanation.startswith("Checkout (checkout) needs Checkout (checkout-db), and nobody")


def test_it_filters_by_team(shop: Shop) -> None:
    # team_b owns checkout; the database (team_a) counts for team_b through checkout's missing fallback.
    report = findings.spof_report(environment=shop.production, team=shop.personas.team_b)

    assert identities(report) == [
        ("resource:shop-db", "no_fallback", "service:checkout"),
        ("service:checkout", "cuts_off", ""),
    ]
    assert identities(findings.spof_report(environment=shop.production, team=shop.personas.marketing)) == []


def test_it_lists_accepted_findings_apart_until_they_expire(shop: Shop) -> None:
    today = timezone.localdate()
    AcceptedRisk.objects.create(
        environment=shop.production,
        component_key="service:checkout",
        kind="cuts_off",
        reason="r",
        expires_on=today + timedelta(days=1),
    )
    AcceptedRisk.objects.create(
        environment=shop.production,
        component_key="resource:shop-db",
        kind="cuts_off",
        reason="r",
        expires_on=today,
    )

    report = findings.spof_report(environment=shop.production)

    assert [f.identity for f in report.accepted] == [("service:checkout", "cuts_off", "")]
    assert ("resource:shop-db", "cuts_off", "") in identities(report)  # expired today: counts again
    tomorrow = findings.spof_report(environment=shop.production, today=today + timedelta(days=1))
    assert tomorrow.accepted == []
    assert len(tomorrow.open) == 3


def test_it_takes_the_same_number_of_queries_whatever_the_size(shop: Shop, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    admin = Actor(user=shop.personas.admin)
    with django_assert_num_queries(6):
        assert len(findings.spof_report(environment=shop.production).open) == 3
    for number in range(15):
        service = services.create_service(
            actor=admin, name=f"Service {number}", owner=shop.personas.team_a, user_facing=number % 3 == 0
        )
        services.add_dependency(actor=admin, source=service, target=shop.database, hard=True)
        services.set_capacity(actor=admin, component=service, environment=shop.production, instances=1)
    # services, secondary owners, resources, capacity, dependencies, acceptances
    with django_assert_num_queries(6):
        report = findings.spof_report(environment=shop.production)
    # Five more entry points, each needing the database with no fallback described.
    assert len(report.open) == 8


def test_it_says_what_breaks_and_what_degrades(production: Environment) -> None:
    impact = findings.what_if(environment=production, component_key="resource:shop-postgres")

    assert [c.key for c in impact.broken] == [
        "service:cart",
        "service:catalog-api",
        "service:checkout",
        "service:payments",
        "service:storefront-web",
    ]
    assert [c.key for c in impact.degraded] == ["service:notifications-sender"]
    assert [c.name for c in impact.broken_journeys] == ["Checkout", "Storefront web"]
    search = findings.what_if(environment=production, component_key="service:search")
    assert search.broken == ()
    assert [c.key for c in search.degraded] == ["service:storefront-web"]
    assert [c.name for c in search.degraded_journeys] == ["Storefront web"]


@pytest.mark.parametrize("key", ["service:nope", "resource:", "checkout", "", "service:checkout\x00"])
def test_it_refuses_an_unknown_component(production: Environment, key: str) -> None:
    with pytest.raises(ValidationError) as raised:
        findings.what_if(environment=production, component_key=key)
    assert raised.value.message_dict == {
        "component": ["There is no current service or resource by that name; pick one."]
    }


def test_it_names_the_environments_there_are_when_one_is_unknown(production: Environment) -> None:
    with pytest.raises(ValidationError) as raised:
        findings.environment_named("prod")
    assert raised.value.message_dict == {"environment": ["There is no environment “prod”. Known: production, staging."]}
    assert findings.environment_named(None) == production
