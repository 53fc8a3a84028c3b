import pytest
from django.test import Client
from django.urls import reverse

from steadyops.accounts import services
from steadyops.accounts.models import ApiToken, hash_token
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.testing.personas import Personas

URL = reverse("token_list")


def _token(user, name: str = "deploy", scopes: list[str] | None = None) -> ApiToken:  # type: ignore[no-untyped-def]
    token, _ = services.create_token(actor=Actor(user=user), user=user, name=name, scopes=scopes or ["read"])
    return token


@pytest.mark.parametrize("name", ["admin", "operator_a", "operator_b", "stakeholder", "viewer"])
def test_it_shows_everyone_their_own_tokens_only(client: Client, personas: Personas, name: str) -> None:
    _token(personas.operator_b, name="checkout pipeline")
    _token(personas.operator_a, name="platform pipeline")
    user = personas.by_name(name)
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    names = [token.name for token in response.context["tokens"]]
    expected = {"operator_a": ["platform pipeline"], "operator_b": ["checkout pipeline"]}.get(name, [])
    assert names == expected


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, personas: Personas) -> None:
    assert client.get(URL).status_code == 302
    assert client.post(URL, {"name": "x", "scopes": ["read"]}).status_code == 302
    assert not ApiToken.objects.exists()


def test_it_says_what_to_do_without_tokens(client: Client, personas: Personas) -> None:
    client.force_login(personas.viewer)
    assert "You have no tokens yet." in client.get(URL).content.decode()


def test_it_creates_a_token_and_shows_the_secret_once(client: Client, personas: Personas) -> None:
    client.force_login(personas.operator_a)
    response = client.post(URL, {"name": "platform deploys", "scopes": ["read", "write"]})
    assert response.status_code == 200
    secret = response.context["new_secret"]
    assert secret.startswith("sto_")
    body = response.content.decode()
    assert secret in body
    assert "we will not show it again" in body
    token = ApiToken.objects.get(user=personas.operator_a)
    assert token.name == "platform deploys"
    assert token.scopes == ["read", "write"]
    assert token.token_hash == hash_token(secret)
    assert AuditEntry.objects.filter(action="token.create", object_id=str(token.pk)).count() == 1
    # Never again.
    assert secret not in client.get(URL).content.decode()


def test_it_offers_the_all_scope_to_admins_only(client: Client, personas: Personas) -> None:
    client.force_login(personas.operator_a)
    assert 'value="all"' not in client.get(URL).content.decode()
    client.force_login(personas.admin)
    assert 'value="all"' in client.get(URL).content.decode()


def test_it_refuses_the_all_scope_to_non_admins(client: Client, personas: Personas) -> None:
    client.force_login(personas.operator_a)
    response = client.post(URL, {"name": "sneaky", "scopes": ["all"]})
    assert response.status_code == 400
    assert "Select a valid choice. all is not one of the available choices." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_it_gives_admins_the_all_scope(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    response = client.post(URL, {"name": "automation", "scopes": ["all"]})
    assert response.status_code == 200
    assert ApiToken.objects.get().scopes == ["all"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "scopes": ["read"]}, "name", "This field is required."),
        ({"name": "   ", "scopes": ["read"]}, "name", "This field is required."),
        ({"name": "x" * 101, "scopes": ["read"]}, "name", "Ensure this value has at most 100 characters (it has 101)."),
        ({"name": "ok"}, "scopes", "This field is required."),
        (
            {"name": "ok", "scopes": ["nope"]},
            "scopes",
            "Select a valid choice. nope is not one of the available choices.",
        ),
    ],
)
def test_it_explains_bad_input_next_to_the_field(
    client: Client, personas: Personas, data: dict[str, object], field: str, message: str
) -> None:
    client.force_login(personas.operator_a)
    response = client.post(URL, data)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_shows_hostile_names_escaped(client: Client, personas: Personas) -> None:
    client.force_login(personas.operator_a)
    client.post(URL, {"name": "<script>alert(1)</script>", "scopes": ["read"]})
    body = client.get(URL).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_it_answers_htmx_with_the_token_section(client: Client, personas: Personas) -> None:
    client.force_login(personas.operator_a)
    response = client.post(URL, {"name": "htmx", "scopes": ["read"]}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="tokens">')
    assert "<html" not in body
    assert response.context["new_secret"] in body
    bad = client.post(URL, {"name": ""}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400
    assert bad.content.decode().lstrip().startswith('<div id="tokens">')


def test_it_checks_csrf(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.operator_a)
    assert client.post(URL, {"name": "x", "scopes": ["read"]}).status_code == 403
    assert not ApiToken.objects.exists()


# --- Revoking ----------------------------------------------------------------


def test_it_lets_the_owner_revoke(client: Client, personas: Personas) -> None:
    token = _token(personas.operator_a)
    client.force_login(personas.operator_a)
    response = client.post(reverse("token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert response["Location"] == URL
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action="token.revoke").count() == 1
    assert "no longer works" in client.get(URL).content.decode()


def test_it_lets_an_admin_revoke_anyones_token(client: Client, personas: Personas) -> None:
    token = _token(personas.operator_a)
    client.force_login(personas.admin)
    response = client.post(reverse("token_revoke", args=[token.pk]))
    assert response["Location"] == reverse("person_detail", args=["operator_a"])
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.parametrize("name", ["operator_b", "stakeholder", "viewer"])
def test_it_hides_other_peoples_tokens(client: Client, personas: Personas, name: str) -> None:
    token = _token(personas.operator_a)
    client.force_login(personas.by_name(name))
    assert client.post(reverse("token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert not AuditEntry.objects.filter(action="token.revoke").exists()


def test_it_revokes_only_by_post(client: Client, personas: Personas) -> None:
    token = _token(personas.operator_a)
    client.force_login(personas.operator_a)
    assert client.get(reverse("token_revoke", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_it_answers_404_for_an_unknown_token(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    assert client.post(reverse("token_revoke", args=[999999])).status_code == 404


def test_it_revokes_twice_without_a_second_audit_entry(client: Client, personas: Personas) -> None:
    token = _token(personas.operator_a)
    client.force_login(personas.operator_a)
    client.post(reverse("token_revoke", args=[token.pk]))
    client.post(reverse("token_revoke", args=[token.pk]))
    assert AuditEntry.objects.filter(action="token.revoke").count() == 1


def test_it_sends_anonymous_revokers_to_sign_in(client: Client, personas: Personas) -> None:
    token = _token(personas.operator_a)
    assert client.post(reverse("token_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is None
