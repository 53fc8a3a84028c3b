"""Token and session authentication, CSRF on session changes, and scopes."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string
from ninja import NinjaAPI
from ninja.testing import TestClient

from steadyops.accounts import scopes
from steadyops.accounts.models import ApiToken, Role, Team
from steadyops.api import errors
from steadyops.api.auth import SessionAuth, TokenAuth, scoped
from steadyops.api.testing import assert_error, client_for, make_token, send, token_client


def _session_with_csrf(user) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    csrf = get_random_string(32)
    client.cookies["csrftoken"] = csrf
    return client, csrf


def test_it_accepts_a_bearer_token_and_acts_as_its_owner(personas):
    token, raw = make_token(personas.operator_a, ["read"], name="deploy bot")

    response = token_client(raw).get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["username"] == "operator_a"
    assert response.json()["token"] == {"name": "deploy bot", "scopes": ["read"]}
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_accepts_the_bearer_scheme_in_any_case(personas):
    _, raw = make_token(personas.viewer, ["read"])

    response = Client(headers={"Authorization": f"bearer {raw}"}).get("/api/v1/me")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Bearer sto_not-a-real-token",
        "Bearer ",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Token sto_abc",
        "sto_abc",
        "Bearer " + "x" * 500,
    ],
)
def test_it_refuses_a_bad_authorization_header_with_401(personas, header):
    response = Client(headers={"Authorization": header}).get("/api/v1/me")

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="steadyops"'


def test_it_refuses_a_revoked_token_with_401(personas):
    token, raw = make_token(personas.admin, ["read"])
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())

    assert_error(token_client(raw).get("/api/v1/me"), 401, "not_authenticated")


def test_it_refuses_the_token_of_a_deactivated_person_with_401(personas):
    _, raw = make_token(personas.operator_b, ["read"])
    personas.operator_b.is_active = False
    personas.operator_b.save()

    assert_error(token_client(raw).get("/api/v1/me"), 401, "not_authenticated")


def test_it_refuses_a_token_without_the_read_scope_on_get_with_403(personas):
    # write implies read, so the token holds neither.
    _, raw = make_token(personas.admin, [])

    error = assert_error(token_client(raw).get("/api/v1/teams"), 403, "forbidden")

    assert "read" in error["message"]


def test_it_refuses_a_read_only_token_on_a_change_with_403_and_changes_nothing(personas):
    _, raw = make_token(personas.admin, ["read"])

    response = send(token_client(raw), "post", "/api/v1/teams", {"name": "Search"})

    error = assert_error(response, 403, "forbidden")
    assert "write" in error["message"]
    assert not Team.objects.filter(name="Search").exists()


def test_it_lets_a_write_token_read_too(personas):
    _, raw = make_token(personas.viewer, ["write"])

    assert token_client(raw).get("/api/v1/teams").status_code == 200


def test_it_lets_an_all_token_of_an_admin_do_anything(personas):
    _, raw = make_token(personas.admin, ["all"])

    response = send(token_client(raw), "post", "/api/v1/teams", {"name": "Search"})

    assert response.status_code == 201


def test_it_never_lets_an_all_token_do_more_than_its_owner_may(personas):
    _, raw = make_token(personas.admin, ["all"])
    personas.admin.role = Role.OPERATOR
    personas.admin.save()
    client = token_client(raw)

    assert client.get("/api/v1/me").json()["role"] == "operator"
    assert_error(send(client, "post", "/api/v1/teams", {"name": "Search"}), 403, "forbidden")
    assert not Team.objects.filter(name="Search").exists()


def test_it_judges_a_request_with_a_token_by_the_token_not_the_session_cookie(personas):
    client, _ = _session_with_csrf(personas.admin)
    client.defaults["HTTP_AUTHORIZATION"] = "Bearer sto_revoked-or-wrong"

    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")


def test_it_accepts_a_signed_in_session_for_reading(personas):
    client, _ = _session_with_csrf(personas.stakeholder)

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["username"] == "stakeholder"
    assert response.json()["token"] is None


def test_it_refuses_a_session_change_without_csrf_with_403_and_changes_nothing(personas):
    client = client_for(personas.admin, session=True)

    response = send(client, "post", "/api/v1/teams", {"name": "Search"})

    error = assert_error(response, 403, "forbidden")
    assert "CSRF" in error["message"]
    assert not Team.objects.filter(name="Search").exists()


def test_it_refuses_a_session_change_with_a_wrong_csrf_token(personas):
    client, _ = _session_with_csrf(personas.admin)

    response = send(client, "post", "/api/v1/teams", {"name": "Search"}, HTTP_X_CSRFTOKEN=get_random_string(32))

    assert_error(response, 403, "forbidden")
    assert not Team.objects.filter(name="Search").exists()


def test_it_accepts_a_session_change_with_the_csrf_token(personas):
    client, csrf = _session_with_csrf(personas.admin)

    response = send(client, "post", "/api/v1/teams", {"name": "Search"}, HTTP_X_CSRFTOKEN=csrf)

    assert response.status_code == 201
    assert Team.objects.filter(name="Search").exists()


def test_it_answers_an_anonymous_change_with_401_not_a_csrf_failure(db):
    response = send(client_for(None), "post", "/api/v1/teams", {"name": "Search"})

    assert_error(response, 401, "not_authenticated")


def test_it_refuses_a_session_whose_person_was_deactivated(personas):
    client, _ = _session_with_csrf(personas.viewer)
    personas.viewer.is_active = False
    personas.viewer.save()

    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")


def test_it_refuses_an_unknown_scope_when_an_operation_is_declared():
    with pytest.raises(ValueError, match="Unknown scope"):
        scoped("no-such-scope")


def test_it_lets_a_module_require_its_own_scope(personas, monkeypatch):
    monkeypatch.setitem(scopes.SCOPES, "changes:gate", "Ask the change gate whether a deploy may go ahead")
    gate_api = NinjaAPI(urls_namespace="scope_test", auth=scoped())
    errors.install(gate_api)

    @gate_api.post("/gate", auth=scoped("changes:gate"))
    def gate(request):
        return {"decision": "go", "by": request.user.username}

    @gate_api.get("/teams")
    def teams(request):
        return []

    client = TestClient(gate_api)
    _, pipeline = make_token(personas.operator_a, ["changes:gate"])
    _, reader = make_token(personas.operator_a, ["read", "write"])
    pipeline_headers = {"Authorization": f"Bearer {pipeline}"}
    reader_headers = {"Authorization": f"Bearer {reader}"}

    assert client.post("/gate", headers=pipeline_headers).json() == {"decision": "go", "by": "operator_a"}
    assert client.get("/teams", headers=pipeline_headers).status_code == 403
    assert client.post("/gate", headers=reader_headers).status_code == 403
    assert client.get("/teams", headers=reader_headers).status_code == 200


def test_it_gives_a_session_every_scope_but_the_admin_only_ones(personas, rf):
    request = rf.get("/api/v1/me")
    request.user = personas.operator_a

    assert SessionAuth(scopes.READ)(request) == personas.operator_a
    assert SessionAuth(scopes.WRITE)(request) == personas.operator_a
    with pytest.raises(Exception, match="all"):
        SessionAuth(scopes.ALL)(request)
    request.user = personas.admin
    assert SessionAuth(scopes.ALL)(request) == personas.admin


def test_it_records_token_use_at_most_once_a_minute(personas):
    token, raw = make_token(personas.viewer, ["read"])
    a_while_ago = timezone.now() - timedelta(seconds=30)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=a_while_ago)

    token_client(raw).get("/api/v1/me")

    token.refresh_from_db()
    assert token.last_used_at == a_while_ago


def test_it_documents_both_ways_in(db):
    document = Client().get("/api/v1/openapi.json").json()

    assert document["components"]["securitySchemes"] == {
        TokenAuth.__name__: {"type": "http", "scheme": "bearer"},
        SessionAuth.__name__: {"type": "apiKey", "in": "cookie", "name": "sessionid"},
    }
