"""Every accounts API operation, as each persona: signed in through the browser (with CSRF) and anonymous."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.crypto import get_random_string

from steadyops.testing.personas import NAMES

# url name, kwargs, method, body, expected status for admin, operator_a, operator_b, stakeholder, viewer, anonymous
MATRIX = [
    ("api:me", {}, "get", None, (200, 200, 200, 200, 200, 401)),
    ("api:token_list", {}, "get", None, (200, 200, 200, 200, 200, 401)),
    ("api:token_list", {}, "post", {"name": "ci", "scopes": ["read"]}, (201, 201, 201, 201, 201, 401)),
    ("api:team_list", {}, "get", None, (200, 200, 200, 200, 200, 401)),
    ("api:team_list", {}, "post", {"name": "Search"}, (201, 403, 403, 403, 403, 401)),
    ("api:team_detail", {"slug": "platform"}, "get", None, (200, 200, 200, 200, 200, 401)),
    ("api:team_detail", {"slug": "platform"}, "patch", {"description": "Runs it"}, (200, 200, 403, 403, 403, 401)),
    ("api:team_detail", {"slug": "marketing"}, "patch", {"description": "Sells it"}, (200, 403, 403, 403, 403, 401)),
    ("api:team_archive", {"slug": "platform"}, "post", None, (200, 403, 403, 403, 403, 401)),
    ("api:team_members", {"slug": "platform"}, "get", None, (200, 200, 200, 200, 200, 401)),
    ("api:team_members", {"slug": "platform"}, "post", {"username": "viewer"}, (201, 201, 403, 403, 403, 401)),
    ("api:team_member", {"slug": "platform", "username": "operator_a"}, "delete", None, (204, 204, 403, 403, 403, 401)),
    ("api:user_list", {}, "get", None, (200, 200, 200, 200, 200, 401)),
    ("api:user_detail", {"username": "viewer"}, "get", None, (200, 200, 200, 200, 200, 401)),
    ("api:team_detail", {"slug": "no-such-team"}, "get", None, (404, 404, 404, 404, 404, 401)),
    ("api:user_detail", {"username": "nobody"}, "get", None, (404, 404, 404, 404, 404, 401)),
]


def _client(user) -> tuple[Client, dict]:
    client = Client(enforce_csrf_checks=True)
    if user is None:
        return client, {}
    client.force_login(user)
    csrf = get_random_string(32)
    client.cookies["csrftoken"] = csrf
    return client, {"HTTP_X_CSRFTOKEN": csrf}


@pytest.mark.parametrize(
    ("url_name", "kwargs", "method", "body", "persona", "expected"),
    [
        pytest.param(url_name, kwargs, method, body, persona, expected[i], id=f"{method}-{url_name}-{kwargs}-{persona}")
        for url_name, kwargs, method, body, expected in MATRIX
        for i, persona in enumerate(NAMES)
    ],
)
def test_it_answers_each_persona_as_the_rules_say(personas, url_name, kwargs, method, body, persona, expected):
    client, csrf = _client(personas.by_name(persona))
    extra = {"data": json.dumps(body)} if body is not None else {}

    response = getattr(client, method)(
        reverse(url_name, kwargs=kwargs), content_type="application/json", **extra, **csrf
    )

    assert response.status_code == expected, response.content[:300]


@pytest.mark.parametrize("persona", NAMES)
def test_it_lets_each_person_revoke_only_their_own_tokens(personas, persona):
    from steadyops.api.testing import make_token

    other, _ = make_token(personas.operator_b if persona != "operator_b" else personas.operator_a, ["read"])
    user = personas.by_name(persona)
    client, csrf = _client(user)
    own_url = None
    if user is not None:
        own, _ = make_token(user, ["read"])
        own_url = reverse("api:token_revoke", kwargs={"token_id": own.pk})
    other_url = reverse("api:token_revoke", kwargs={"token_id": other.pk})

    other_status = client.post(other_url, **csrf).status_code

    if user is None:
        assert other_status == 401
        return
    assert other_status == 404
    assert client.post(own_url, **csrf).status_code == 200
    other.refresh_from_db()
    assert other.revoked_at is None
