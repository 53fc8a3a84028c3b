import pytest
from django.test import Client
from django.urls import reverse

from steadyops.catalog import services as catalog
from steadyops.core.actor import Actor
from steadyops.incidents.models import Report
from steadyops.incidents.tests.authz_panic import World, make_world
from steadyops.testing.personas import Personas


@pytest.fixture
def world(personas: Personas) -> World:
    return make_world(personas)


@pytest.fixture
def client(world: World) -> Client:
    client = Client()
    client.force_login(world.personas.viewer)
    return client


def _refused(client: Client, data: dict[str, str], message: str) -> None:
    response = client.post("/panic", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Report.objects.filter(reporter__username="viewer").exists()


def test_it_refuses_oversized_text(client: Client) -> None:
    _refused(client, {"what": "x" * 2001}, "The description is too long: keep it under 2000 characters.")
    _refused(client, {"where_url": "https://shop.example.com/" + "a" * 500}, "The link is too long")


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "//evil.example.com",
        "ftp://files.example.com",
        "https://",
    ],
)
def test_it_refuses_links_that_are_not_web_addresses(client: Client, url: str) -> None:
    _refused(client, {"where_url": url}, "Paste a web address starting with https:// or http://, or leave it empty.")


def test_it_refuses_a_link_with_hidden_characters(client: Client) -> None:
    _refused(client, {"where_url": "https://shop.example.com/\u202egnp.exe"}, "A link has no spaces or line breaks")
    _refused(client, {"where_url": "https://shop.example.com/a b"}, "A link has no spaces or line breaks")


def test_it_refuses_an_unknown_or_hidden_service(client: Client, world: World) -> None:
    _refused(client, {"service": "no-such-service"}, "Pick one of the parts of the site listed here.")
    internal = catalog.create_service(
        actor=Actor(user=world.personas.admin), name="Cart", slug="cart", owner=world.personas.team_b
    )
    assert not internal.user_facing
    _refused(client, {"service": "cart"}, "Pick one of the parts of the site listed here.")


def test_it_refuses_an_unknown_number_of_customers(client: Client) -> None:
    _refused(client, {"customers": "millions"}, "Pick one of the answers listed here.")


def test_it_escapes_hostile_text_in_the_triage_queue(world: World) -> None:
    client = Client()
    client.force_login(world.personas.stakeholder)
    assert client.post("/panic", {"what": "<script>alert(1)</script>"}).status_code == 302
    operator = Client()
    operator.force_login(world.personas.operator_a)
    from steadyops.incidents import grouping_services

    grouping_services.group_pending()
    page = operator.get(reverse("incidents_triage")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_it_says_kindly_when_someone_presses_too_often(client: Client) -> None:
    for _ in range(5):
        assert client.post("/panic", {}).status_code == 302
    response = client.post("/panic", {"what": "Still broken"})
    page = response.content.decode()
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "You pressed the button a moment ago, and we have your report: ops is already looking." in page
    assert Report.objects.filter(reporter__username="viewer").count() == 5
    assert not Report.objects.filter(what="Still broken").exists()


def test_it_counts_i_see_this_too_against_the_same_allowance(client: Client, world: World) -> None:
    for _ in range(5):
        client.post("/panic", {})
    response = client.post(reverse("incidents_panic_me_too"), {"incident": str(world.incident.pk)}, follow=True)
    assert response.redirect_chain == [("/panic", 302)]
    assert "You pressed the button a moment ago" in response.content.decode()
    assert not Report.objects.filter(incident=world.incident).exists()


@pytest.mark.parametrize(
    "data",
    [{}, {"incident": "abc"}, {"incident": "-1"}, {"incident": "1", "signal": "1"}],
)
def test_it_asks_which_problem_for_i_see_this_too(client: Client, data: dict[str, str]) -> None:
    response = client.post(reverse("incidents_panic_me_too"), data)
    assert response.status_code == 400
    assert "Choose the problem you see too." in response.content.decode()
    assert Report.objects.count() == 1  # the world's own report


def test_it_answers_404_for_i_see_this_too_on_nothing(client: Client) -> None:
    assert client.post(reverse("incidents_panic_me_too"), {"incident": "999999"}).status_code == 404
    assert client.post(reverse("incidents_panic_me_too"), {"signal": "999999"}).status_code == 404


def test_it_refuses_a_panic_post_without_csrf(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.personas.viewer)
    assert client.post("/panic", {}).status_code == 403
    assert not Report.objects.filter(reporter=world.personas.viewer).exists()


def test_it_sends_anonymous_visitors_to_sign_in(db: None) -> None:
    response = Client().post("/panic", {})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Report.objects.count() == 0
