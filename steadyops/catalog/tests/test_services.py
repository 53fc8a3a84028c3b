"""The catalog's service functions: who may change what, bad input, and the audit log."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steadyops.catalog import services
from steadyops.catalog.models import Capacity, Dependency, Service
from steadyops.catalog.tests.conftest import Shop
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.testing.personas import Personas


def act(personas: Personas, name: str) -> Actor:
    return Actor(user=personas.by_name(name))


# --- services -------------------------------------------------------------------------------------------------------


def test_it_creates_a_service_with_an_audit_entry(personas: Personas) -> None:
    service = services.create_service(
        actor=act(personas, "operator_a"),
        name="  Billing  ",
        owner=personas.team_a,
        secondary_owners=[personas.team_b, personas.team_a],
        tier=2,
        tags=["Payments", "payments", " "],
        links=[{"title": "Repo", "url": "https://git.example.com/billing"}],
    )
    assert (service.name, service.slug, service.tier) == ("Billing", "billing", 2)
    assert list(service.secondary_owners.all()) == [personas.team_b]
    assert service.tags == ["payments"]
    entry = AuditEntry.objects.get(action="service.create")
    assert entry.actor == personas.operator_a
    assert entry.after is not None
    assert entry.after["owner"] == personas.team_a.pk
    assert entry.after["secondary_owners"] == [personas.team_b.pk]


@pytest.mark.parametrize("name", ["operator_b", "stakeholder", "viewer"])
def test_it_refuses_a_service_for_a_team_one_is_not_in(personas: Personas, name: str) -> None:
    with pytest.raises(PermissionDenied):
        services.create_service(actor=act(personas, name), name="Billing", owner=personas.team_a)
    assert not Service.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"slug": "Not A Slug!"}, "slug"),
        ({"slug": "new"}, "slug"),
        ({"name": "   "}, "name"),
        ({"name": "Bill\u202eing"}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"tier": 7}, "tier"),
        ({"tier": 0}, "tier"),
        ({"lifecycle": "forever"}, "lifecycle"),
        ({"description": "x" * 2001}, "description"),
        ({"tags": ["two words"]}, "tags"),
        ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"links": [{"title": "x", "url": "javascript:alert(1)"}]}, "links"),
        ({"links": [{"title": "x", "url": "https://e.com", "extra": 1}]}, "links"),
        ({"links": "https://e.com"}, "links"),
    ],
)
def test_it_refuses_bad_service_input_and_writes_nothing(personas: Personas, kwargs: dict, field: str) -> None:
    values = {"name": "Billing", "owner": personas.team_a, **kwargs}
    with pytest.raises(ValidationError) as caught:
        services.create_service(actor=act(personas, "admin"), **values)
    assert field in caught.value.message_dict
    assert not Service.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_refuses_a_business_team_as_owner(personas: Personas) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_service(actor=act(personas, "admin"), name="Billing", owner=personas.marketing)
    assert "business team" in caught.value.message_dict["owner"][0]


def test_it_refuses_a_taken_slug(personas: Personas, shop: Shop) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_service(actor=act(personas, "admin"), name="Web", owner=personas.team_a)
    assert "slug" in caught.value.message_dict


def test_secondary_owners_may_edit_and_others_may_not(personas: Personas, shop: Shop) -> None:
    def rename(name: str, new: str) -> Service:
        return services.update_service(
            actor=act(personas, name),
            service=shop.checkout,
            name=new,
            owner=personas.team_b,
            description="",
            tier=2,
            lifecycle="production",
            secondary_owners=list(shop.checkout.secondary_owners.all()),
            user_facing=False,
            system=None,
            tags=[],
            links=[],
        )

    with pytest.raises(PermissionDenied):
        rename("operator_a", "Till")
    services.update_service(
        actor=act(personas, "operator_b"),
        service=shop.checkout,
        name="Checkout",
        owner=personas.team_b,
        description="",
        tier=2,
        lifecycle="production",
        secondary_owners=[personas.team_a],
        user_facing=False,
        system=None,
        tags=[],
        links=[],
    )
    shop.checkout.refresh_from_db()
    assert rename("operator_a", "Till").name == "Till"
    entry = AuditEntry.objects.filter(action="service.update").first()
    assert entry is not None
    assert entry.after is not None
    assert entry.before is not None
    assert (entry.before["name"], entry.after["name"]) == ("Checkout", "Till")


def test_an_operator_cannot_hand_a_service_to_another_team(personas: Personas, shop: Shop) -> None:
    with pytest.raises(PermissionDenied):
        services.update_service(
            actor=act(personas, "operator_a"),
            service=shop.web,
            name="Web",
            owner=personas.team_b,
            description="",
            tier=1,
            lifecycle="production",
            secondary_owners=[],
            user_facing=True,
            system=None,
            tags=[],
            links=[],
        )
    shop.web.refresh_from_db()
    assert shop.web.owner == personas.team_a


def test_it_archives_once(personas: Personas, shop: Shop) -> None:
    services.archive_service(actor=act(personas, "operator_a"), service=shop.web)
    services.archive_service(actor=act(personas, "admin"), service=shop.web)
    shop.web.refresh_from_db()
    assert shop.web.archived_at is not None
    assert AuditEntry.objects.filter(action="service.archive").count() == 1
    with pytest.raises(PermissionDenied):
        services.archive_service(
            actor=act(personas, "operator_b"), service=shop.checkout.__class__.objects.get(slug="web")
        )


# --- resources ------------------------------------------------------------------------------------------------------


def test_it_creates_and_updates_a_resource(personas: Personas) -> None:
    resource = services.create_resource(actor=act(personas, "operator_a"), name="Queue", owner=personas.team_a)
    services.update_resource(
        actor=act(personas, "operator_a"),
        resource=resource,
        name="Jobs queue",
        owner=personas.team_a,
        kind="queue",
        description="Background jobs",
    )
    resource.refresh_from_db()
    assert (resource.name, resource.kind, resource.slug) == ("Jobs queue", "queue", "queue")
    assert [e.action for e in AuditEntry.objects.order_by("id")] == ["resource.create", "resource.update"]
    with pytest.raises(PermissionDenied):
        services.archive_resource(actor=act(personas, "operator_b"), resource=resource)
    with pytest.raises(ValidationError):
        services.update_resource(
            actor=act(personas, "admin"),
            resource=resource,
            name="Q",
            owner=personas.team_a,
            kind="spaceship",
            description="",
        )


# --- dependencies ---------------------------------------------------------------------------------------------------


def test_it_refuses_self_loops_and_duplicates(personas: Personas, shop: Shop) -> None:
    admin = act(personas, "admin")
    before = Dependency.objects.count()
    with pytest.raises(ValidationError, match="cannot depend on itself"):
        services.add_dependency(actor=admin, source=shop.web, target=shop.web)
    with pytest.raises(ValidationError, match="already depends on"):
        services.add_dependency(actor=admin, source=shop.web, target=shop.checkout)
    with pytest.raises(ValidationError):
        services.add_dependency(actor=admin, source=shop.web, target=shop.database, degrades="maybe")
    assert Dependency.objects.count() == before


def test_only_the_sources_owners_add_and_remove_dependencies(personas: Personas, shop: Shop) -> None:
    with pytest.raises(PermissionDenied):
        services.add_dependency(actor=act(personas, "operator_b"), source=shop.web, target=shop.database)
    added = services.add_dependency(
        actor=act(personas, "operator_a"),
        source=shop.web,
        target=shop.database,
        hard=False,
        degrades="yes",
        fallback="Serves from the cache.",
    )
    assert added.plain_words == "Web keeps working without Shop DB, in a reduced way. Instead: Serves from the cache."
    with pytest.raises(PermissionDenied):
        services.remove_dependency(actor=act(personas, "viewer"), dependency=added)
    services.remove_dependency(actor=act(personas, "operator_a"), dependency=added)
    assert not Dependency.objects.filter(pk=added.pk).exists()
    removed = AuditEntry.objects.get(action="dependency.remove")
    assert removed.before is not None
    assert removed.before["fallback"] == "Serves from the cache."


def test_a_resource_can_depend_on_a_resource(personas: Personas, shop: Shop) -> None:
    replica = services.create_resource(actor=act(personas, "admin"), name="Replica", owner=personas.team_a)
    dependency = services.add_dependency(actor=act(personas, "operator_a"), source=replica, target=shop.database)
    assert (dependency.source, dependency.target) == (replica, shop.database)


def test_it_updates_a_dependency(personas: Personas, shop: Shop) -> None:
    dependency = Dependency.objects.get(source_service=shop.checkout)
    services.update_dependency(
        actor=act(personas, "operator_b"), dependency=dependency, hard=True, degrades="no", fallback="", note="Orders"
    )
    dependency.refresh_from_db()
    assert (dependency.degrades, dependency.note) == ("no", "Orders")
    assert dependency.plain_words == "Checkout stops working when Shop DB is down."


# --- capacity -------------------------------------------------------------------------------------------------------


def test_it_records_and_replaces_capacity(personas: Personas, shop: Shop) -> None:
    actor = act(personas, "operator_a")
    first = services.set_capacity(
        actor=actor,
        component=shop.web,
        environment=shop.production,
        instances=4,
        zones=2,
        per_instance_capacity=Decimal("120.5"),
        unit="requests/s",
        redundancy_intent="n+1",
    )
    second = services.set_capacity(actor=actor, component=shop.web, environment=shop.production, instances=6, zones=3)
    assert first.pk == second.pk
    second.refresh_from_db()
    assert (second.instances, second.zones, second.per_instance_capacity) == (6, 3, None)
    assert first.redundancy_intent == "N+1"
    assert first.total_capacity == Decimal("482.0")
    entries = list(AuditEntry.objects.filter(action="capacity.set").order_by("id"))
    assert [e.before is None for e in entries] == [True, False]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"instances": -1}, "instances"),
        ({"instances": 0}, "instances"),
        ({"instances": 100_001}, "instances"),
        ({"instances": 1, "zones": 2}, "zones"),
        ({"instances": 3, "zones": 2, "regions": 3}, "regions"),
        ({"instances": 2, "redundancy_intent": "two"}, "redundancy_intent"),
        ({"instances": 2, "target_utilisation": 150}, "target_utilisation"),
        ({"instances": 2, "per_instance_capacity": Decimal("-5")}, "per_instance_capacity"),
        ({"instances": 2, "unit": "x" * 31}, "unit"),
    ],
)
def test_it_refuses_bad_capacity(personas: Personas, shop: Shop, kwargs: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        services.set_capacity(actor=act(personas, "admin"), component=shop.web, environment=shop.production, **kwargs)
    assert field in caught.value.message_dict
    assert not Capacity.objects.exists()


def test_only_owners_record_capacity(personas: Personas, shop: Shop) -> None:
    for name in ("operator_b", "stakeholder", "viewer"):
        with pytest.raises(PermissionDenied):
            services.set_capacity(
                actor=act(personas, name), component=shop.database, environment=shop.production, instances=2
            )
    services.set_capacity(
        actor=act(personas, "operator_a"), component=shop.database, environment=shop.production, instances=2
    )
    assert Capacity.objects.get().resource == shop.database
