"""The SPOF page, accepting and withdrawing a known risk, and the what-if page."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from steadyops.catalog import findings, services
from steadyops.catalog.models import AcceptedRisk
from steadyops.catalog.tests.conftest import Shop, client_for
from steadyops.core.actor import Actor

LIST = reverse("catalog_spof_list")
ACCEPT = reverse("catalog_spof_accept")
WHAT_IF = reverse("catalog_what_if")


def form(**changes: str) -> dict[str, str]:
    return {
        "environment": "production",
        "component": "service:checkout",
        "kind": "cuts_off",
        "dependent": "",
        "reason": "A second instance is planned for March.",
        "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        **changes,
    }


def test_it_lists_findings_in_plain_words(shop: Shop) -> None:
    response = client_for(shop.personas, "stakeholder").get(LIST)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Open risks in Production" in body
    assert (
        "Web cannot work when Checkout fails, and nothing on record shows that it runs more than one instance." in body
    )
    assert 'Customers using <a href="/catalog/services/web/">Web</a>.' in body
    assert "Record how many instances of Checkout run" in body
    assert "Nothing is accepted as a known risk." in body
    assert "Accept this as a known risk" not in body  # a stakeholder owns nothing


def test_owners_get_the_accept_form_for_their_components_only(shop: Shop) -> None:
    body = client_for(shop.personas, "operator_b").get(LIST).content.decode()

    assert body.count("Accept this as a known risk") == 1
    assert 'id="finding-service-checkout-cuts-off-reason"' in body
    assert body.count("Accept this as a known risk") == 1
    assert client_for(shop.personas, "admin").get(LIST).content.decode().count("Accept this as a known risk") == 3


def test_it_filters_by_team_and_environment(shop: Shop) -> None:
    client = client_for(shop.personas, "viewer")
    body = client.get(LIST, {"team": "checkout"}).content.decode()
    assert "Web cannot work when Checkout fails" in body
    assert "Web cannot work when Shop DB fails" not in body
    staging = client.get(LIST, {"environment": "staging"}).content.decode()
    assert "Open risks in Staging" in staging


@pytest.mark.parametrize("query", [{"team": "nobody"}, {"environment": "nowhere"}, {"environment": "<script>"}])
def test_it_answers_400_to_unknown_filters(shop: Shop, query: dict[str, str]) -> None:
    response = client_for(shop.personas, "viewer").get(LIST, query)
    assert response.status_code == 400
    assert "Please correct the choices above." in response.content.decode()
    assert "<script>" not in response.content.decode()


def test_htmx_gets_the_results_only(shop: Shop) -> None:
    response = client_for(shop.personas, "viewer").get(LIST, {"team": "checkout"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="spof-results">')
    assert "<html" not in body


def test_the_list_keeps_a_bounded_number_of_queries(shop: Shop, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    admin = Actor(user=shop.personas.admin)
    for number in range(20):
        service = services.create_service(
            actor=admin, name=f"Front {number}", owner=shop.personas.team_b, user_facing=True
        )
        services.add_dependency(actor=admin, source=service, target=shop.database, hard=True)
    client = client_for(shop.personas, "operator_a")
    with django_assert_max_num_queries(16):
        response = client.get(LIST)
    # The database's own finding, and a missing fallback from checkout and from each new front.
    assert response.content.decode().count("Accept this as a known risk") == 22


def test_an_owner_accepts_a_risk(shop: Shop) -> None:
    response = client_for(shop.personas, "operator_b").post(ACCEPT, form())

    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?environment=production"
    risk = AcceptedRisk.objects.get()
    assert (risk.component_key, risk.kind, risk.accepted_by) == (
        "service:checkout",
        "cuts_off",
        shop.personas.operator_b,
    )


def test_htmx_accepting_reloads_the_page(shop: Shop) -> None:
    response = client_for(shop.personas, "operator_b").post(ACCEPT, form(), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{LIST}?environment=production"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": ""}, "This field is required."),
        ({"reason": "x" * 1001}, "Ensure this value has at most 1000 characters (it has 1001)."),
        ({"expires_on": "2020-01-01"}, "Choose a day in the future: the risk is looked at again then."),
        ({"expires_on": "next week"}, "Enter a valid date."),
        ({"component": "service:nope"}, "There is no service or resource by that name."),
        ({"kind": "meteor"}, "Select a valid choice. meteor is not one of the available choices."),
        ({"environment": "moon"}, "There is no environment “moon”. Known: production, staging."),
    ],
)
def test_it_refuses_bad_acceptances_with_a_message(shop: Shop, changes: dict[str, str], message: str) -> None:
    response = client_for(shop.personas, "admin").post(ACCEPT, form(**changes), HTTP_HX_REQUEST="true")

    assert response.status_code == 400
    body = response.content.decode()
    assert message.replace("“", "&ldquo;").replace("”", "&rdquo;") in body or message in body
    assert body.lstrip().startswith("<form")
    assert not AcceptedRisk.objects.exists()


def test_a_non_owner_may_not_accept(shop: Shop) -> None:
    assert client_for(shop.personas, "operator_a").post(ACCEPT, form()).status_code == 403
    assert client_for(shop.personas, "viewer").post(ACCEPT, form()).status_code == 403
    assert not AcceptedRisk.objects.exists()


def test_accepting_needs_a_post(shop: Shop) -> None:
    assert client_for(shop.personas, "admin").get(ACCEPT).status_code == 405


def test_hostile_text_is_shown_as_text(shop: Shop) -> None:
    admin = Actor(user=shop.personas.admin)
    services.update_resource(
        actor=admin,
        resource=shop.database,
        name="<img src=x onerror=alert(1)>",
        owner=shop.personas.team_a,
        kind="database",
        description="",
    )
    client = client_for(shop.personas, "operator_b")
    client.post(ACCEPT, form(reason="<script>alert('x')</script>"))

    body = client.get(LIST).content.decode()
    what_if = client.get(WHAT_IF, {"component": "resource:shop-db"}).content.decode()

    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body
    assert "<script>alert" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "<img src=x" not in body
    assert "<img src=x" not in what_if


def test_an_owner_withdraws_an_acceptance(shop: Shop) -> None:
    risk = findings.accept_risk(
        actor=Actor(user=shop.personas.operator_b),
        environment=shop.production,
        component_key="service:checkout",
        kind="cuts_off",
        reason="Known.",
        expires_on=timezone.localdate() + timedelta(days=10),
    )
    client = client_for(shop.personas, "operator_b")
    body = client.get(LIST).content.decode()
    assert 'Accepted as known risks <span class="muted small">(1)</span>' in body
    assert "Withdraw" in body

    assert (
        client_for(shop.personas, "operator_a").post(reverse("catalog_spof_withdraw", args=[risk.pk])).status_code
        == 403
    )
    response = client.post(reverse("catalog_spof_withdraw", args=[risk.pk]))

    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.archived_at is not None
    assert client.post(reverse("catalog_spof_withdraw", args=[risk.pk + 1])).status_code == 404


def test_what_if_shows_what_breaks_and_what_degrades(shop: Shop) -> None:
    admin = Actor(user=shop.personas.admin)
    cache = services.create_resource(actor=admin, name="Cache", owner=shop.personas.team_a, kind="cache")
    services.add_dependency(actor=admin, source=shop.web, target=cache, hard=False, degrades="yes")
    client = client_for(shop.personas, "viewer")

    broken = client.get(WHAT_IF, {"component": "resource:shop-db"}).content.decode()
    degraded = client.get(WHAT_IF, {"component": "resource:cache"}).content.decode()

    assert "If Shop DB fails" in broken
    assert 'Customers cannot use <a href="/catalog/services/web/">Web</a>.' in broken
    assert '<a href="/catalog/services/checkout/">Checkout</a>' in broken
    assert "Customers can still use everything, but Web works less well." in degraded
    assert "Nothing else stops" in degraded


def test_what_if_without_a_choice_shows_the_picker(shop: Shop) -> None:
    response = client_for(shop.personas, "viewer").get(WHAT_IF)
    body = response.content.decode()
    assert response.status_code == 200
    assert '<option value="resource:shop-db">Shop DB</option>' in body
    assert "Choose something above." in body


@pytest.mark.parametrize("component", ["service:nope", "", "x" * 5000, "<script>"])
def test_what_if_refuses_an_unknown_component(shop: Shop, component: str) -> None:
    response = client_for(shop.personas, "viewer").get(WHAT_IF, {"component": component})
    assert response.status_code == 400
    assert "<script>" not in response.content.decode()


def test_the_service_page_links_to_what_if(shop: Shop) -> None:
    body = (
        client_for(shop.personas, "viewer").get(reverse("catalog_service_detail", args=["checkout"])).content.decode()
    )
    assert f'href="{WHAT_IF}?component=service:checkout">What if this fails?</a>' in body


def test_the_menu_has_the_page_under_plan_for_mistakes(shop: Shop) -> None:
    body = client_for(shop.personas, "viewer").get(reverse("home")).content.decode()
    plan = body.index("Plan for mistakes")
    assert body.index(f'<a href="{LIST}"') > plan


def test_anonymous_visitors_sign_in_first(shop: Shop) -> None:
    for url in (LIST, WHAT_IF):
        assert Client().get(url)["Location"].startswith(reverse("login"))


def test_it_flags_circles_of_dependencies(shop: Shop) -> None:
    client = Client()
    client.force_login(shop.personas.viewer)
    assert "Circles of dependencies" not in client.get(LIST).content.decode()
    services.add_dependency(
        actor=Actor(user=shop.personas.admin), source=shop.checkout, target=shop.web, hard=False, degrades="yes"
    )
    page = client.get(LIST).content.decode()
    assert 'Circles of dependencies <span class="muted small">(1)</span>' in page
    assert (
        f'<a href="/catalog/services/{shop.checkout.slug}/">Checkout</a>, '
        f'<a href="/catalog/services/{shop.web.slug}/">Web</a>' in page
    )
