from django.test import Client
from django.urls import reverse

from steadyops.testing.personas import Personas


def test_it_shows_a_friendly_not_found_page(client: Client, personas: Personas) -> None:
    client.force_login(personas.viewer)
    response = client.get("/teams/no-such-team/")
    assert response.status_code == 404
    assert "We could not find this page" in response.content.decode()


def test_it_explains_a_refusal_in_plain_words(client: Client, personas: Personas) -> None:
    client.force_login(personas.viewer)
    response = client.get(reverse("team_create"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "You cannot do this" in body
    assert "Only administrators can create teams." in body


def test_it_renders_the_server_error_page_without_a_request() -> None:
    from django.template.loader import render_to_string

    body = render_to_string("500.html")
    assert "Something went wrong on our side" in body


def test_it_explains_an_expired_form(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.admin)
    response = client.post(reverse("team_create"), {"name": "Search"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
