"""A small catalog for the catalog tests: a service owned by each persona's team, a database, dependencies."""

from dataclasses import dataclass

import pytest
from django.test import Client

from steadyops.catalog import services
from steadyops.catalog.models import Environment, Resource, Service, System
from steadyops.core.actor import Actor
from steadyops.testing.personas import Personas


@dataclass
class Shop:
    personas: Personas
    system: System
    web: Service  # owned by team_a (platform), user-facing
    checkout: Service  # owned by team_b (checkout)
    database: Resource  # owned by team_a
    production: Environment


def build_shop(personas: Personas) -> Shop:
    admin = Actor(user=personas.admin)
    production = Environment.objects.get_or_create(slug="production", defaults={"name": "Production"})[0]
    Environment.objects.get_or_create(slug="staging", defaults={"name": "Staging", "position": 10})
    system = services.create_system(actor=admin, name="Storefront", owner=personas.team_a)
    web = services.create_service(
        actor=admin, name="Web", owner=personas.team_a, tier=1, user_facing=True, system=system
    )
    checkout = services.create_service(actor=admin, name="Checkout", owner=personas.team_b, tier=2, system=system)
    database = services.create_resource(actor=admin, name="Shop DB", owner=personas.team_a, kind="database")
    services.add_dependency(actor=admin, source=web, target=checkout, hard=True, degrades="no")
    services.add_dependency(actor=admin, source=checkout, target=database, hard=True, degrades="unknown")
    return Shop(personas, system, web, checkout, database, production)


@pytest.fixture
def shop(personas: Personas) -> Shop:
    return build_shop(personas)


def client_for(personas: Personas, name: str) -> Client:
    client = Client()
    user = personas.by_name(name)
    if user is not None:
        client.force_login(user)
    return client
