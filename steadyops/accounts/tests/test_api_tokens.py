import pytest
from django.test import Client
from django.utils.crypto import get_random_string

from steadyops.accounts.models import ApiToken, hash_token
from steadyops.api.testing import assert_error, make_token, send, token_client
from steadyops.core.models import AuditEntry


def _session(user) -> tuple[Client, dict]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    csrf = get_random_string(32)
    client.cookies["csrftoken"] = csrf
    return client, {"HTTP_X_CSRFTOKEN": csrf}


def test_it_makes_a_token_and_shows_the_secret_once(personas):
    client, csrf = _session(personas.operator_a)

    response = send(
        client, "post", "/api/v1/me/tokens", {"name": "deploy pipeline", "scopes": ["write", "read"]}, **csrf
    )

    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    token = ApiToken.objects.get(pk=body["id"])
    assert body["secret"].startswith("sto_")
    assert token.token_hash == hash_token(body["secret"])
    assert body["scopes"] == ["read", "write"]
    assert body["hint"] == body["secret"][:10]
    assert token_client(body["secret"]).get("/api/v1/me").json()["username"] == "operator_a"
    listed = client.get("/api/v1/me/tokens").json()
    assert "secret" not in listed["items"][0]
    assert AuditEntry.objects.filter(action="token.create").count() == 1


def test_it_lists_only_your_own_tokens_newest_first(personas):
    make_token(personas.operator_b, ["read"], name="not mine")
    make_token(personas.operator_a, ["read"], name="first")
    make_token(personas.operator_a, ["read"], name="second")
    client, _ = _session(personas.operator_a)

    body = client.get("/api/v1/me/tokens").json()

    assert [t["name"] for t in body["items"]] == ["second", "first"]
    assert all(t["active"] for t in body["items"])


def test_it_refuses_the_admin_only_scope_to_others(personas):
    client, csrf = _session(personas.operator_a)

    response = send(client, "post", "/api/v1/me/tokens", {"name": "root", "scopes": ["all"]}, **csrf)

    error = assert_error(response, 422, "invalid")
    assert [d["field"] for d in error["details"]] == ["scopes"]
    assert not ApiToken.objects.exists()


def test_it_gives_the_admin_only_scope_to_admins(personas):
    client, csrf = _session(personas.admin)

    response = send(client, "post", "/api/v1/me/tokens", {"name": "root", "scopes": ["all"]}, **csrf)

    assert response.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": ["root"]},
        {"name": "x"},
        {"name": "", "scopes": ["read"]},
        {"name": "x" * 101, "scopes": ["read"]},
        {"name": "a\x00b", "scopes": ["read"]},
        {"name": "x", "scopes": "read"},
        {"name": "x", "scopes": ["read"], "user": "admin"},
    ],
)
def test_it_refuses_bad_token_input_and_makes_nothing(personas, body):
    client, csrf = _session(personas.viewer)

    assert_error(send(client, "post", "/api/v1/me/tokens", body, **csrf), 422, "invalid")
    assert not ApiToken.objects.exists()


def test_it_refuses_a_blank_name_after_trimming(personas):
    client, csrf = _session(personas.viewer)

    error = assert_error(
        send(client, "post", "/api/v1/me/tokens", {"name": "   ", "scopes": ["read"]}, **csrf), 422, "invalid"
    )

    assert [d["field"] for d in error["details"]] == ["name"]


def test_it_stops_a_token_making_tokens_unless_it_has_all(personas):
    _, write = make_token(personas.admin, ["read", "write"])
    _, everything = make_token(personas.admin, ["all"])

    refused = send(token_client(write), "post", "/api/v1/me/tokens", {"name": "successor", "scopes": ["read"]})
    allowed = send(token_client(everything), "post", "/api/v1/me/tokens", {"name": "successor", "scopes": ["read"]})

    assert_error(refused, 403, "forbidden")
    assert allowed.status_code == 201
    assert ApiToken.objects.filter(name="successor").count() == 1


def test_it_revokes_a_token_so_it_stops_working(personas):
    token, raw = make_token(personas.stakeholder, ["read", "write"])
    client = token_client(raw)

    response = client.post(f"/api/v1/me/tokens/{token.pk}/revoke")

    assert response.status_code == 200
    assert response.json()["active"] is False
    assert response.json()["revoked_at"] is not None
    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")
    assert AuditEntry.objects.filter(action="token.revoke").count() == 1


def test_it_revokes_a_revoked_token_without_a_second_record(personas):
    token, _ = make_token(personas.viewer, ["read"])
    client, csrf = _session(personas.viewer)

    first = client.post(f"/api/v1/me/tokens/{token.pk}/revoke", **csrf).json()
    second = client.post(f"/api/v1/me/tokens/{token.pk}/revoke", **csrf).json()

    assert first["revoked_at"] == second["revoked_at"]
    assert AuditEntry.objects.filter(action="token.revoke").count() == 1


@pytest.mark.parametrize("token_id", ["0", "-1", "abc", str(2**63), "99999"])
def test_it_answers_a_bad_or_unknown_token_id_with_404_or_422(personas, token_id):
    client, csrf = _session(personas.viewer)

    response = client.post(f"/api/v1/me/tokens/{token_id}/revoke", **csrf)

    assert response.status_code == (404 if token_id == "99999" else 422)


def test_it_hides_other_peoples_tokens(personas):
    token, _ = make_token(personas.admin, ["read"])
    client, csrf = _session(personas.operator_a)

    assert_error(client.post(f"/api/v1/me/tokens/{token.pk}/revoke", **csrf), 404, "not_found")
    token.refresh_from_db()
    assert token.revoked_at is None
