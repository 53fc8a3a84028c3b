"""The traffic-event API: the same rules as the pages, in the one error shape."""

from __future__ import annotations

from typing import Any

import pytest

from steadyops.api.testing import assert_error, client_for, send
from steadyops.demand.models.events import DemandEvent, EventComment
from steadyops.demand.tests.authz_events import World, api_data, make_world
from steadyops.testing.personas import Personas

EVENTS = "/api/v1/demand/events"


@pytest.fixture
def world(personas: Personas) -> World:
    return make_world(personas)


def test_it_registers_reading_a_naive_time_in_the_zone(world: World) -> None:
    data = {**api_data(world), "starts_at": "2027-06-01T09:00:00", "ends_at": "2027-06-01T11:00:00"}
    response = send(client_for(world.personas.stakeholder), "POST", EVENTS, data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["starts_at"] == "2027-06-01T07:00:00Z"
    assert (body["size_kind"], body["rough_size"], body["uplift"], body["services"]) == (
        "unknown",
        "medium",
        3.0,
        ["checkout"],
    )
    assert body["created_by"] == "stakeholder"
    assert body["status_label"] == "New: operations has not looked at it yet"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_at": "2020-01-01T00:00:00"}, "ends_at: The end is before the start."),
        (
            {"timezone": "Europe/Atlantis"},
            "timezone: “Europe/Atlantis” is not a time zone we know; choose one such as Europe/Paris.",
        ),
        ({"starts_at": "not a time"}, None),
        ({"services": ["nope"]}, "services: There is no service nope."),
        ({"services": ["old-shop"]}, "services: Old shop is no longer in use; choose another service."),
        (
            {"size_kind": "multiplier", "rough_size": None, "multiplier": 0},
            "multiplier: The number of times must be more than 0.",
        ),
        (
            {"size_kind": "multiplier", "rough_size": None, "multiplier": -1},
            "multiplier: The number of times must be more than 0.",
        ),
        (
            {"size_kind": "multiplier", "rough_size": None, "multiplier": 1001},
            "multiplier: That is more than 1,000 times today's traffic; check the number.",
        ),
        ({"title": "x" * 201}, None),
        ({"title": "a\x00b"}, None),
        ({"colour": "red"}, None),
        ({"team": "nobody"}, "team: There is no team nobody."),
    ],
)
def test_it_refuses_bad_input_with_422_and_saves_nothing(
    world: World, changes: dict[str, Any], message: str | None
) -> None:
    response = send(client_for(world.personas.stakeholder), "POST", EVENTS, {**api_data(world), **changes})
    error = assert_error(response, 422, "invalid")
    if message is not None:
        assert error["message"] == message
    assert DemandEvent.objects.count() == 1


def test_a_thousand_times_needs_confirm(world: World) -> None:
    data = {**api_data(world), "size_kind": "multiplier", "rough_size": None, "multiplier": 1000}
    client = client_for(world.personas.stakeholder)
    error = assert_error(send(client, "POST", EVENTS, data), 422, "confirmation_needed")
    assert error["message"] == (
        '\u00d71,000 means a thousand times today\'s traffic — are you sure? Send it again with "confirm": true.'
    )
    assert DemandEvent.objects.count() == 1
    response = send(client, "POST", EVENTS, {**data, "confirm": True})
    assert response.status_code == 201
    assert response.json()["multiplier"] == 1000.0


def test_it_updates_only_the_fields_sent(world: World) -> None:
    url = f"{EVENTS}/{world.event.pk}"
    response = send(client_for(world.personas.operator_b), "PATCH", url, {"size_kind": "peak", "expected_peak": 850})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["size_kind"], body["multiplier"], body["expected_peak"], body["title"]) == (
        "peak",
        None,
        850.0,
        "Black Friday sale",
    )
    error = assert_error(send(client_for(world.personas.operator_b), "PATCH", url, {"title": None}), 422, "invalid")
    assert error["message"] == "title: This cannot be empty."


def test_viewers_are_refused_and_anonymous_must_sign_in(world: World) -> None:
    assert_error(send(client_for(world.personas.viewer), "POST", EVENTS, api_data(world)), 403, "forbidden")
    assert_error(send(client_for(None), "GET", EVENTS), 401, "not_authenticated")
    assert DemandEvent.objects.count() == 1


def test_triage_cancel_and_comments(world: World) -> None:
    url = f"{EVENTS}/{world.event.pk}"
    operator = client_for(world.personas.operator_a)
    assert send(operator, "POST", f"{url}/triage", {"status": "ready"}).json()["status"] == "ready"
    assert_error(
        send(client_for(world.personas.stakeholder), "POST", f"{url}/triage", {"status": "ready"}), 403, "forbidden"
    )
    assert_error(send(operator, "POST", f"{url}/triage", {"status": "cancelled"}), 422, "invalid")
    posted = send(client_for(world.personas.stakeholder), "POST", f"{url}/comments", {"text": "Thanks!"})
    assert posted.status_code == 201
    assert posted.json()["author"] == "stakeholder"
    assert_error(send(client_for(world.personas.viewer), "POST", f"{url}/comments", {"text": "hi"}), 403, "forbidden")
    assert_error(send(operator, "POST", f"{url}/comments", {"text": ""}), 422, "invalid")
    listed = send(client_for(world.personas.viewer), "GET", f"{url}/comments").json()
    assert [c["text"] for c in listed["items"]] == ["Thanks!"]
    assert EventComment.objects.count() == 1
    cancelled = send(client_for(world.personas.stakeholder), "POST", f"{url}/cancel")
    assert (cancelled.json()["status"], cancelled.json()["cancelled_at"] is not None) == ("cancelled", True)


def test_it_lists_with_filters(world: World) -> None:
    client = client_for(world.personas.viewer)
    assert send(client, "GET", f"{EVENTS}?team=marketing").json()["count"] == 1
    assert send(client, "GET", f"{EVENTS}?team=platform").json()["count"] == 0
    assert send(client, "GET", f"{EVENTS}?service=checkout&upcoming=true").json()["count"] == 1
    assert send(client, "GET", f"{EVENTS}?mine=true").json()["count"] == 0
    assert_error(send(client, "GET", f"{EVENTS}?status=bogus"), 422, "invalid")
    assert_error(send(client, "GET", f"{EVENTS}/99999999"), 404, "not_found")
    assert_error(send(client, "GET", f"{EVENTS}/0"), 404, "not_found")
