"""The service's picture: traffic, forecast range, capacity line and event stripes, as cached SVG."""

import xml.etree.ElementTree as ET

import pandas as pd
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from steadyops.demand import chart
from steadyops.demand.tests.authz_headroom import daily_traffic, make_world
from steadyops.testing.personas import Personas

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def test_it_draws_history_forecast_capacity_and_events(personas: Personas) -> None:
    cache.clear()
    world = make_world(personas)
    client = Client()
    client.force_login(personas.viewer)
    response = client.get(reverse("demand_service_chart", kwargs={"slug": "checkout"}))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Cache-Control"] == "private, no-cache"
    svg = response.content.decode()
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == "Checkout: traffic, forecast and capacity"
    description = root.find(f"{SVG}desc").text
    assert "What the service can carry at its target load: 80.0 requests/s." in description
    texts = _texts(svg)
    for label in ("Measured", "Forecast", "Forecast range (90%)", "Capacity at target load", "Traffic event"):
        assert label in texts
    assert "Black Friday" in texts
    assert "requests/s" in texts
    assert "<script" not in svg
    assert world.event.title in description


def test_it_is_drawn_once_until_something_it_shows_changes(personas: Personas) -> None:
    cache.clear()
    world = make_world(personas)
    first = chart.service_chart(world.service, series=world.series, capacity=world.capacity, events=[world.event])
    calls: list[object] = []
    original = chart.render_svg

    def counting(data: chart.ChartData) -> str:
        calls.append(data)
        return original(data)

    chart.render_svg = counting  # type: ignore[assignment]
    try:
        again = chart.service_chart(world.service, series=world.series, capacity=world.capacity, events=[world.event])
        assert again == first
        assert calls == []
        world.capacity.instances = 3
        world.capacity.save()
        chart.service_chart(world.service, series=world.series, capacity=world.capacity, events=[world.event])
        assert len(calls) == 1
    finally:
        chart.render_svg = original  # type: ignore[assignment]


def test_it_describes_the_picture_in_words() -> None:
    history = daily_traffic(pd.Timestamp("2025-11-01 00:00", tz="UTC").to_pydatetime(), weeks=1)
    data = chart.ChartData(title="Checkout", unit="requests/s", zone="Europe/Paris", history=history, capacity=None)
    lines = chart.describe(data)
    assert lines == [
        "Over the last 8 weeks traffic peaked at 30.0 requests/s on 25 Oct 14:00.",
        "Its capacity is not recorded, so no capacity line is drawn.",
    ]
    svg = chart.render_svg(data)
    assert "Measured" in _texts(svg)
    assert "Capacity at target load" not in _texts(svg)


def test_it_draws_an_empty_service_and_says_so(personas: Personas) -> None:
    data = chart.ChartData(title="Search", unit="", zone="UTC", history=pd.Series(dtype=float), problem="No traffic")
    assert chart.describe(data) == [
        "No traffic has been recorded yet.",
        "No traffic.",
        "Its capacity is not recorded, so no capacity line is drawn.",
    ]
    assert ET.fromstring(chart.render_svg(data)).tag == f"{SVG}svg"
