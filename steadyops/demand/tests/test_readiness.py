"""'Ready for Black Friday?': one page a marketing lead can read."""

from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.urls import reverse

from steadyops.catalog import services as catalog
from steadyops.core.actor import Actor
from steadyops.demand import event_services, headroom_services
from steadyops.demand.tests.authz_headroom import SYSTEM_NAME, make_world, production, set_checkout_capacity
from steadyops.testing.personas import Personas

JARGON = ("N+", "MASE", "instance", "utilisation", "seasonal", "mstl", "ets")


def _page(personas: Personas, pk: int) -> str:
    client = Client()
    client.force_login(personas.stakeholder)
    response = client.get(reverse("demand_event_readiness", kwargs={"pk": pk}))
    assert response.status_code == 200
    return response.content.decode()


def _main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def test_it_says_what_operations_will_add_by_when(personas: Personas) -> None:
    world = make_world(personas)
    search = catalog.create_service(actor=Actor(user=personas.admin), name="Search", owner=personas.team_a)
    catalog.set_capacity(
        actor=Actor(user=personas.admin),
        component=search,
        environment=production(),
        instances=2,
        per_instance_capacity=Decimal("100"),
    )
    event_services.edit_event(
        actor=Actor(user=personas.admin),
        event=world.event,
        title="Black Friday",
        starts_at=world.event.starts_at,
        ends_at=world.event.ends_at,
        timezone="UTC",
        size_kind="multiplier",
        multiplier=Decimal("6"),
        services=[world.service, search],
        contact="Maria in marketing",
        team=personas.marketing,
    )
    headroom_services.recompute_headroom(actor=Actor.system_actor(SYSTEM_NAME))
    page = _main(_page(personas, world.event.pk))
    assert "Ready for Black Friday?" in page
    assert "Not yet: operations has work to do before it starts." in page
    deadline = world.event.starts_at.date() - timedelta(days=3)
    assert f"Checkout needs more room: operations will add 4 more servers by {deadline.day} {deadline:%b}" in page
    assert "Ask the Checkout team." in page
    assert "We cannot tell yet whether Search is ready" in page
    assert "Maria in marketing (Marketing)" in page
    for word in JARGON:
        assert word not in page, word


def test_it_says_yes_when_everything_has_room(personas: Personas) -> None:
    world = make_world(personas)
    set_checkout_capacity(personas, world.service, instances=8)
    headroom_services.recompute_headroom(actor=Actor.system_actor(SYSTEM_NAME))
    page = _main(_page(personas, world.event.pk))
    assert "Yes: every part of the site it touches can take the expected traffic." in page
    assert "Checkout is ready: it can take the busiest expected moment with 78% to spare." in page


def test_it_says_when_nothing_was_checked_yet(personas: Personas) -> None:
    world = make_world(personas)
    page = _main(_page(personas, world.event.pk))
    assert "Operations has not checked Checkout for this event yet." in page


def test_it_says_a_cancelled_event_needs_nothing(personas: Personas) -> None:
    world = make_world(personas)
    event_services.cancel_event(actor=Actor(user=personas.stakeholder), event=world.event)
    assert "This event was cancelled: nothing needs to be ready for it." in _page(personas, world.event.pk)
