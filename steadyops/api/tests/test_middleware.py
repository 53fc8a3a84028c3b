"""Bodies over the limit are refused before they are read."""

import json

from django.test import Client, override_settings

from steadyops.accounts.models import Team
from steadyops.api.testing import assert_error, client_for, make_token, send


@override_settings(API_MAX_BODY_BYTES=2048)
def test_it_refuses_a_body_over_the_limit_with_413_and_changes_nothing(personas):
    client = client_for(personas.admin)
    body = json.dumps({"name": "Big", "description": "x" * 3000})

    response = send(client, "post", "/api/v1/teams", body)

    error = assert_error(response, 413, "too_large")
    assert error["details"] == {"limit": 2048}
    assert "2048" in error["message"]
    assert not Team.objects.filter(name="Big").exists()


@override_settings(API_MAX_BODY_BYTES=2048)
def test_it_accepts_a_body_at_the_limit(personas):
    client = client_for(personas.admin)
    body = json.dumps({"name": "Big", "description": "x" * 1000})
    body = body[:-1] + " " * (2048 - len(body)) + "}"
    assert len(body) == 2048

    response = send(client, "post", "/api/v1/teams", body)

    assert response.status_code == 201


@override_settings(API_MAX_BODY_BYTES=2048)
def test_it_refuses_an_oversized_body_before_authenticating(db):
    response = send(client_for(None), "post", "/api/v1/teams", "x" * 4096)

    assert_error(response, 413, "too_large")


@override_settings(API_MAX_BODY_BYTES=4096, DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_it_maps_djangos_own_body_limit_to_413(personas):
    client = client_for(personas.admin)

    response = send(client, "post", "/api/v1/teams", json.dumps({"name": "Big", "description": "x" * 2000}))

    assert_error(response, 413, "too_large")
    assert not Team.objects.filter(name="Big").exists()


def test_it_refuses_a_content_length_that_is_not_a_number(personas):
    _, raw = make_token(personas.admin, ["read", "write"])
    client = Client(headers={"Authorization": f"Bearer {raw}"})

    response = client.generic("POST", "/api/v1/teams", b"{}", content_type="application/json", CONTENT_LENGTH="ten")

    assert_error(response, 400, "bad_request")


@override_settings(API_MAX_BODY_BYTES=1024)
def test_it_does_not_limit_bodies_outside_the_api(db):
    response = Client().post("/no-such-page/", data="x" * 2000, content_type="text/plain")

    assert response.status_code == 404
