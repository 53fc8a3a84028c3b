import re

from django.conf import settings
from django.test import Client
from django.urls import reverse

from steadyops.notify.models import OutboxMessage
from steadyops.testing.personas import PASSWORD, Personas

NEW_PASSWORD = "blue tractor seven lanterns"


def _link(message: OutboxMessage) -> str:
    match = re.search(re.escape(settings.SITE_URL) + r"(/accounts/reset/\S+/)", message.body)
    assert match is not None, message.body
    return match.group(1)


def test_it_emails_a_reset_link_through_the_outbox(client: Client, personas: Personas) -> None:
    response = client.post(reverse("password_reset"), {"email": "operator_a@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    message = OutboxMessage.objects.get(event="user.password_reset")
    assert message.kind == "email"
    assert message.target == "operator_a@example.com"
    assert message.recipient == personas.operator_a
    assert message.subject == "Choose a new steadyops password"
    assert "Your user name is: operator_a" in message.body
    assert message.urgent is True


def test_it_lets_the_person_choose_a_new_password_and_sign_in(client: Client, personas: Personas) -> None:
    client.post(reverse("password_reset"), {"email": "operator_a@example.com"})
    link = _link(OutboxMessage.objects.get(event="user.password_reset"))
    # Django swaps the token for a session marker and redirects to the form.
    form_url = client.get(link)["Location"]
    page = client.get(form_url)
    assert "Choose your password" in page.content.decode()
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")
    assert "Your password is saved" in client.get(done["Location"]).content.decode()
    signed_in = Client().post(reverse("login"), {"username": "operator_a", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    personas.operator_a.refresh_from_db()
    assert not personas.operator_a.check_password(PASSWORD)


def test_it_refuses_a_used_link(client: Client, personas: Personas) -> None:
    client.post(reverse("password_reset"), {"email": "operator_a@example.com"})
    link = _link(OutboxMessage.objects.get(event="user.password_reset"))
    form_url = client.get(link)["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = Client().get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_it_refuses_weak_or_mismatched_passwords(client: Client, personas: Personas) -> None:
    client.post(reverse("password_reset"), {"email": "operator_a@example.com"})
    form_url = client.get(_link(OutboxMessage.objects.get(event="user.password_reset")))["Location"]
    short = client.post(form_url, {"new_password1": "short", "new_password2": "short"})
    assert short.status_code == 200
    assert "This password is too short" in short.content.decode()
    mismatch = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"})
    assert "The two password fields didn\u2019t match." in mismatch.content.decode()
    personas.operator_a.refresh_from_db()
    assert personas.operator_a.check_password(PASSWORD)


def test_it_does_not_reveal_whether_an_address_exists(client: Client, personas: Personas) -> None:
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert not OutboxMessage.objects.exists()


def test_it_refuses_a_malformed_address(client: Client, personas: Personas) -> None:
    response = client.post(reverse("password_reset"), {"email": "<script>@@" + "x" * 300})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter a valid email address." in body
    assert "<script>@@" not in body
    assert not OutboxMessage.objects.exists()


def test_it_changes_the_password_of_a_signed_in_person(client: Client, personas: Personas) -> None:
    client.force_login(personas.viewer)
    assert client.get(reverse("password_change")).status_code == 200
    wrong = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200
    assert "Your old password was entered incorrectly." in wrong.content.decode()
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("password_change_done")
    assert "Your password is changed" in client.get(response["Location"]).content.decode()
    personas.viewer.refresh_from_db()
    assert personas.viewer.check_password(NEW_PASSWORD)


def test_it_asks_anonymous_visitors_to_sign_in_before_changing_a_password(client: Client, personas: Personas) -> None:
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
