"""The home card that shows operators the open single points of failure in their teams' components."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from steadyops.catalog import findings
from steadyops.catalog.home import spof_cards
from steadyops.catalog.tests.conftest import Shop
from steadyops.core.actor import Actor


def test_it_lists_the_open_findings_of_my_teams(shop: Shop) -> None:
    [card] = spof_cards(shop.personas.operator_a)

    assert card.title == "Single points of failure in your teams' components"
    assert card.lines == [
        "Shop DB: nothing on record shows it is redundant",
        "Shop DB: nobody described what happens without it",
    ]
    assert card.link_url == reverse("catalog_spof_list")
    assert card.tone == "warn"


def test_accepted_findings_leave_the_card(shop: Shop) -> None:
    findings.accept_risk(
        actor=Actor(user=shop.personas.operator_b),
        environment=shop.production,
        component_key="service:checkout",
        kind="cuts_off",
        reason="Known.",
        expires_on=timezone.localdate() + timedelta(days=5),
    )

    [card] = spof_cards(shop.personas.operator_b)

    # Checkout's missing fallback on the database still concerns its team.
    assert card.lines == ["Shop DB: nobody described what happens without it"]


def test_it_is_content_when_nothing_is_open(shop: Shop) -> None:
    shop.checkout.dependencies_out.all().delete()
    shop.web.dependencies_out.all().delete()

    [card] = spof_cards(shop.personas.operator_a)

    assert card.tone == "ok"
    assert card.empty_hint == "No open single point of failure in your teams' components in Production."


def test_it_shows_nothing_to_people_who_run_nothing(shop: Shop) -> None:
    assert spof_cards(shop.personas.stakeholder) == []
    assert spof_cards(shop.personas.viewer) == []


def test_the_home_page_shows_the_card(shop: Shop, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(shop.personas.operator_a)
    body = client.get(reverse("home")).content.decode()
    assert "Single points of failure in your teams&#x27; components" in body
    assert "Shop DB: nothing on record shows it is redundant" in body


def test_the_analysis_is_reused_until_the_catalog_changes(shop: Shop, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    spof_cards(shop.personas.operator_a)

    # Again: the operator's teams, the environment and the newest audit entry; the catalog is not read.
    with django_assert_num_queries(3):
        [card] = spof_cards(shop.personas.operator_a)
    assert card.tone == "warn"


def test_an_audited_change_shows_at_once(shop: Shop) -> None:
    [before] = spof_cards(shop.personas.operator_b)
    findings.accept_risk(
        actor=Actor(user=shop.personas.operator_b),
        environment=shop.production,
        component_key="service:checkout",
        kind="cuts_off",
        reason="Known.",
        expires_on=timezone.localdate() + timedelta(days=5),
    )

    [after] = spof_cards(shop.personas.operator_b)

    assert len(before.lines) == 2
    assert after.lines == ["Shop DB: nobody described what happens without it"]
