import pytest
from django.test import Client, override_settings
from django.urls import clear_url_caches, reverse

from steadyops.testing.personas import PASSWORD, Personas

URL = reverse("login")


def test_it_shows_the_sign_in_form(client: Client, db) -> None:  # type: ignore[no-untyped-def]
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="username"' in body
    assert 'name="password"' in body
    assert f'href="{reverse("password_reset")}">Forgot your password?' in body
    assert "Sign in with" not in body


def test_it_signs_in_with_the_right_password(client: Client, personas: Personas) -> None:
    response = client.post(URL, {"username": "operator_a", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_it_goes_back_to_the_page_asked_for(client: Client, personas: Personas) -> None:
    response = client.post(URL, {"username": "viewer", "password": PASSWORD, "next": "/teams/"})
    assert response["Location"] == "/teams/"


def test_it_does_not_redirect_to_another_site(client: Client, personas: Personas) -> None:
    response = client.post(URL, {"username": "viewer", "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


WRONG = "Please enter a correct username and password."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "operator_a", "password": "wrong"}, WRONG),
        ({"username": "nobody", "password": PASSWORD}, WRONG),
        ({"username": "", "password": ""}, "This field is required."),
        ({"username": "x" * 5000, "password": "y" * 5000}, WRONG),
        ({"username": "x" * 151, "password": "y"}, WRONG),
        ({"username": "<script>alert(1)</script>", "password": "x"}, WRONG),
    ],
)
def test_it_refuses_wrong_or_missing_credentials(
    client: Client, personas: Personas, data: dict[str, str], message: str
) -> None:
    response = client.post(URL, data)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    body = response.content.decode()
    assert message in body
    assert "<script>alert(1)</script>" not in body


def test_it_refuses_a_deactivated_person(client: Client, personas: Personas) -> None:
    personas.viewer.is_active = False
    personas.viewer.save()
    client.post(URL, {"username": "viewer", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_it_locks_out_after_five_failures(client: Client, personas: Personas) -> None:
    for _ in range(4):
        assert client.post(URL, {"username": "operator_a", "password": "wrong"}).status_code == 200
    locked = client.post(URL, {"username": "operator_a", "password": "wrong"})
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.content.decode()
    # Even the right password is refused while locked out.
    again = client.post(URL, {"username": "operator_a", "password": PASSWORD})
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_locks_out_only_that_user_name(client: Client, personas: Personas) -> None:
    for _ in range(5):
        client.post(URL, {"username": "operator_a", "password": "wrong"})
    response = client.post(URL, {"username": "operator_b", "password": PASSWORD})
    assert response.status_code == 302


def test_it_checks_csrf_on_sign_in(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, {"username": "operator_a", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_it_signs_in_with_a_csrf_token_from_the_form(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(URL)
    token = client.cookies["csrftoken"].value
    response = client.post(URL, {"username": "operator_a", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_it_signs_out_only_by_post(client: Client, personas: Personas) -> None:
    client.force_login(personas.viewer)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


OIDC = {
    "OIDC_ENABLED": True,
    "OIDC_PROVIDER_NAME": "Company Login",
    "OIDC_RP_CLIENT_ID": "steadyops",
    "OIDC_RP_CLIENT_SECRET": "secret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "http://127.0.0.1:9/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "http://127.0.0.1:9/token",
    "OIDC_OP_USER_ENDPOINT": "http://127.0.0.1:9/userinfo",
    "OIDC_RP_SIGN_ALGO": "HS256",
}


@pytest.fixture
def oidc_urls():  # type: ignore[no-untyped-def]
    import importlib

    import steadyops.accounts.urls
    import steadyops.urls

    with override_settings(**OIDC):
        importlib.reload(steadyops.accounts.urls)
        importlib.reload(steadyops.urls)
        clear_url_caches()
        yield
    importlib.reload(steadyops.accounts.urls)
    importlib.reload(steadyops.urls)
    clear_url_caches()


def test_it_offers_single_sign_on_when_configured(client: Client, db, oidc_urls) -> None:  # type: ignore[no-untyped-def]
    body = client.get(URL).content.decode()
    assert f'href="{reverse("oidc_authentication_init")}"' in body
    assert "Sign in with Company Login" in body
    response = client.get(reverse("oidc_authentication_init"))
    assert response.status_code == 302
    assert response["Location"].startswith("http://127.0.0.1:9/authorize?")


def test_it_has_no_sign_on_routes_when_not_configured(client: Client, db) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/oidc/authenticate/").status_code == 404
