"""The on-call API: reading, creating, answering pages, and bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from steadyops.api.testing import make_token, token_client
from steadyops.incidents.models.oncall import EscalationPolicy, Page, PageState, Rotation
from steadyops.incidents.tests.authz_oncall import api_policy, api_rotation, make_world

pytestmark = pytest.mark.django_db

BASE = "/api/v1/incidents/oncall"


def _client(user, scopes=("all",)):
    return token_client(make_token(user, list(scopes))[1])


def _post(client, path, body):
    return client.post(BASE + path, data=json.dumps(body), content_type="application/json")


def test_it_says_who_is_on_call_now(personas):
    make_world(personas)
    response = _client(personas.viewer, ["read"]).get(BASE + "/now")
    assert response.status_code == 200
    rows = response.json()
    assert [(row["team"], row["rotation_name"]) for row in rows] == [("platform", "Platform primary")]
    assert rows[0]["user"] in {"operator_a", "admin"}


def test_it_creates_a_custom_rotation_and_a_policy(personas):
    world = make_world(personas)
    client = _client(personas.operator_a)
    created = _post(client, "/rotations", api_rotation(world))
    assert created.status_code == 201
    assert created.json()["members"] == ["operator_a"]
    assert created.json()["period_hours"] == 12
    policy = _post(client, "/policies", {**api_policy(world), "is_default": True})
    assert policy.status_code == 201
    assert policy.json()["steps"] == [{"user": None, "rotation": world.rotation.pk, "wait_minutes": 5}]
    assert EscalationPolicy.objects.get(pk=policy.json()["id"]).is_default


@pytest.mark.parametrize(
    ("changes", "status", "words"),
    [
        ({"members": []}, 422, "Add at least one person"),
        ({"timezone": "Europe/Atlantis"}, 422, "time zone"),
        ({"period_hours": 0}, 422, None),
        ({"period_hours": -1}, 422, None),
        ({"members": ["nobody-here"]}, 422, "nobody with the user name"),
        ({"team": "no-such-team"}, 422, "no team"),
        ({"surprise": 1}, 422, None),
        ({"name": "x" * 101}, 422, None),
        ({"name": "a\u0000b"}, 422, None),
    ],
)
def test_it_refuses_bad_rotations(personas, changes, status, words):
    world = make_world(personas)
    response = _post(_client(personas.operator_a), "/rotations", {**api_rotation(world), **changes})
    assert response.status_code == status
    if words:
        assert words in response.json()["error"]["message"] + json.dumps(response.json()["error"]["details"])
    assert Rotation.objects.count() == 1


@pytest.mark.parametrize("wait", [0, -1, 1441, 10**12])
def test_it_refuses_bad_wait_minutes(personas, wait):
    world = make_world(personas)
    body = {**api_policy(world), "steps": [{"rotation": world.rotation.pk, "wait_minutes": wait}]}
    response = _post(_client(personas.operator_a), "/policies", body)
    assert response.status_code == 422
    assert EscalationPolicy.objects.count() == 1


def test_it_refuses_an_override_that_ends_before_it_starts(personas):
    world = make_world(personas)
    body = {"user": "admin", "starts_at": "2030-01-02T10:00:00Z", "ends_at": "2030-01-02T09:00:00Z"}
    response = _post(_client(personas.operator_a), f"/rotations/{world.rotation.pk}/overrides", body)
    assert response.status_code == 422
    assert "end after it starts" in response.json()["error"]["message"]


def test_it_reads_override_times_without_offset_in_the_rotations_zone(personas):
    world = make_world(personas)
    body = {"user": "admin", "starts_at": "2030-01-02T10:00:00", "ends_at": "2030-01-02T12:00:00"}
    response = _post(_client(personas.operator_a), f"/rotations/{world.rotation.pk}/overrides", body)
    assert response.status_code == 201
    assert datetime.fromisoformat(response.json()["starts_at"]) == datetime(2030, 1, 2, 9, 0, tzinfo=UTC)


def test_it_pages_and_answers_through_the_api(personas):
    world = make_world(personas)
    client = _client(personas.operator_b)
    created = _post(client, "/pages", {"reason": "Queue stuck", "user": "operator_a"})
    assert created.status_code == 201
    page_id = created.json()["id"]
    assert [n["user"] for n in created.json()["notifications"]] == ["operator_a"]
    acknowledged = client.post(f"{BASE}/pages/{page_id}/acknowledge")
    assert acknowledged.status_code == 200
    assert acknowledged.json()["state"] == "acknowledged"
    again = client.post(f"{BASE}/pages/{page_id}/acknowledge")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_done"
    resolved = client.post(f"{BASE}/pages/{page_id}/resolve")
    assert resolved.json()["state"] == "resolved"
    assert Page.objects.get(pk=world.page.pk).state == PageState.ACTIVE


def test_it_refuses_a_page_with_both_or_neither_target(personas):
    world = make_world(personas)
    client = _client(personas.operator_a)
    both = _post(client, "/pages", {"reason": "x", "user": "admin", "policy": world.policy.pk})
    neither = _post(client, "/pages", {"reason": "x"})
    assert (both.status_code, neither.status_code) == (422, 422)
    assert Page.objects.count() == 1


def test_it_needs_the_write_scope_to_page(personas):
    make_world(personas)
    response = _post(_client(personas.operator_a, ["read"]), "/pages", {"reason": "x", "user": "admin"})
    assert response.status_code == 403
    assert Page.objects.count() == 1


def test_it_answers_404_for_unknown_or_huge_ids(personas):
    client = _client(personas.admin)
    assert client.get(f"{BASE}/pages/999999").status_code == 404
    assert client.get(f"{BASE}/rotations/{2**70}").status_code in (404, 422)
