from django.test import Client
from django.urls import reverse

from steadyops.testing.personas import Personas


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, personas: Personas) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_it_greets_the_person_by_name(client: Client, personas: Personas) -> None:
    client.force_login(personas.operator_a)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "Hello, Operator A" in response.content.decode()


def test_it_shows_the_persons_teams(client: Client, personas: Personas) -> None:
    client.force_login(personas.operator_a)
    body = client.get(reverse("home")).content.decode()
    assert "Your teams" in body
    assert "<li>Platform</li>" in body
    assert "Checkout" not in body


def test_it_tells_someone_without_a_team_what_to_do(client: Client, personas: Personas) -> None:
    client.force_login(personas.viewer)
    body = client.get(reverse("home")).content.decode()
    assert "You are in no team yet — ask an administrator to add you to yours." in body


def test_it_shows_admins_people_who_never_signed_in(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    body = client.get(reverse("home")).content.decode()
    assert "People who never signed in" in body
    # force_login sets last_login for admin only.
    assert "<li>Viewer</li>" in body
    assert "<li>Admin</li>" not in body


def test_it_does_not_show_admin_cards_to_others(client: Client, personas: Personas) -> None:
    client.force_login(personas.operator_b)
    body = client.get(reverse("home")).content.decode()
    assert "People who never signed in" not in body
    assert "Teams without members" not in body


def test_it_lists_the_menu_of_installed_modules(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    body = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("team_list")}"' in body
    assert f'href="{reverse("audit_list")}"' in body


def test_it_hides_the_audit_log_from_the_menu_of_non_admins(client: Client, personas: Personas) -> None:
    client.force_login(personas.operator_a)
    body = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("audit_list")}"' not in body


def test_it_loads_only_local_assets_and_no_inline_styles(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    body = client.get(reverse("home")).content.decode()
    assert "/static/steadyops/app.css" in body
    assert "/static/steadyops/htmx.min.js" in body
    assert "/static/steadyops/app.js" in body
    assert "style=" not in body
    assert "<script>" not in body
    assert "http://" not in body.replace("http://testserver", "")
    assert "https://" not in body


def test_it_offers_a_sign_out_form_that_posts(client: Client, personas: Personas) -> None:
    client.force_login(personas.viewer)
    body = client.get(reverse("home")).content.decode()
    assert f'<form method="post" action="{reverse("logout")}">' in body
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302
