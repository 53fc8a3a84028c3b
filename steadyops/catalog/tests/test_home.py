"""The catalog's card on an operator's home page."""

from django.urls import reverse

from steadyops.catalog import services
from steadyops.catalog.home import cards
from steadyops.catalog.tests.conftest import Shop
from steadyops.core.actor import Actor


def test_it_lists_services_of_my_teams_without_capacity(shop: Shop) -> None:
    [card] = cards(shop.personas.operator_a)
    assert card.title == "Services of your teams without capacity figures"
    assert card.lines == ["Web"]
    assert card.link_url == reverse("catalog_service_capacity_edit", args=["web", "production"])


def test_it_is_content_once_capacity_is_measured(shop: Shop) -> None:
    services.set_capacity(
        actor=Actor(user=shop.personas.admin),
        component=shop.web,
        environment=shop.production,
        instances=2,
        per_instance_capacity=100,
    )
    [card] = cards(shop.personas.operator_a)
    assert card.tone == "ok"
    assert card.lines == []


def test_it_shows_nothing_to_people_who_do_not_run_services(shop: Shop) -> None:
    assert cards(shop.personas.stakeholder) == []
    assert cards(shop.personas.viewer) == []
    assert cards(shop.personas.admin) == []


def test_the_home_page_shows_the_card(shop: Shop, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(shop.personas.operator_b)
    body = client.get(reverse("home")).content.decode()
    assert "Services of your teams without capacity figures" in body
    assert "Record what Checkout can handle" in body
