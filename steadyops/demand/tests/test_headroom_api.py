"""The headroom API: findings, recompute, and a series' forecast."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from steadyops.core.actor import Actor
from steadyops.demand import headroom_services
from steadyops.demand.models import HeadroomFinding
from steadyops.demand.tests.authz_headroom import SYSTEM_NAME, make_world
from steadyops.testing.personas import Personas


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_it_lists_open_findings(personas: Personas) -> None:
    world = make_world(personas)
    headroom_services.recompute_headroom(actor=Actor.system_actor(SYSTEM_NAME))
    response = _client(personas.viewer).get(reverse("api:demand_headroom_findings"))
    assert response.status_code == 200
    [finding] = response.json()
    assert finding["service"] == "checkout"
    assert finding["team"] == "checkout"
    assert finding["event"] == world.event.pk
    assert finding["verdict"] == "short"
    assert (finding["needed"], finding["current"], finding["shortfall"]) == (6, 2, 4)
    assert finding["peak"] == pytest.approx(180.0)
    assert finding["status"] == "open"
    other = _client(personas.viewer).get(reverse("api:demand_headroom_findings"), {"team": "platform"})
    assert other.json() == []
    unknown = _client(personas.viewer).get(reverse("api:demand_headroom_findings"), {"team": "nobody"})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["message"] == "There is no team nobody."


def test_operators_recompute_and_viewers_cannot(personas: Personas) -> None:
    make_world(personas)
    refused = _client(personas.viewer).post(reverse("api:demand_headroom_recompute_api"))
    assert refused.status_code == 403
    assert not HeadroomFinding.objects.exists()
    response = _client(personas.operator_a).post(reverse("api:demand_headroom_recompute_api"))
    assert response.status_code == 200
    body = response.json()
    assert (body["assessed"], body["opened"], body["notified"]) == (1, 1, 1)
    assert body["summary"] == "Headroom recomputed: 1 checked, 1 new, 0 closed, 1 person told."


def test_anonymous_callers_are_refused(personas: Personas) -> None:
    make_world(personas)
    assert Client().get(reverse("api:demand_headroom_findings")).status_code == 401
    assert Client().post(reverse("api:demand_headroom_recompute_api")).status_code == 401


def test_it_forecasts_a_series(personas: Personas) -> None:
    world = make_world(personas)
    url = reverse("api:demand_series_forecast", kwargs={"series_id": world.series.pk})
    response = _client(personas.stakeholder).get(url, {"horizon": 48})
    assert response.status_code == 200
    body = response.json()
    assert body["series"] == world.series.pk
    assert body["unit"] == "requests/s"
    assert body["level"] == 0.9
    assert len(body["timestamps"]) == len(body["point"]) == len(body["lower"]) == len(body["upper"]) == 48
    assert max(body["point"]) == pytest.approx(30.0)
    assert all(lo <= p <= up for lo, p, up in zip(body["lower"], body["point"], body["upper"], strict=True))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"horizon": 0}, "The horizon must be between 1 and 9600 steps (400 days) after the last measured point."),
        ({"horizon": 9601}, "The horizon must be between 1 and 9600 steps (400 days) after the last measured point."),
        ({"horizon": "soon"}, None),
        ({"horizon": "1" * 400}, None),
        ({"level": 1.5}, None),
    ],
)
def test_it_refuses_a_bad_horizon(personas: Personas, query: dict[str, object], message: str | None) -> None:
    world = make_world(personas)
    url = reverse("api:demand_series_forecast", kwargs={"series_id": world.series.pk})
    response = _client(personas.stakeholder).get(url, query)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    if message is not None:
        assert error["message"] == message
        assert error["details"][0]["field"] == "horizon"


def test_unknown_series_are_not_found(personas: Personas) -> None:
    response = _client(personas.admin).get(reverse("api:demand_series_forecast", kwargs={"series_id": 987654}))
    assert response.status_code == 404
    assert json.loads(response.content)["error"]["code"] == "not_found"
