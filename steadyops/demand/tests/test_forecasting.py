"""The forecast of a stored series, with the events that touch its service."""

from datetime import timedelta

import pandas as pd
import pytest

from steadyops.demand import forecasting
from steadyops.demand.models import MetricSeries
from steadyops.demand.tests.authz_headroom import make_world, register
from steadyops.testing.personas import Personas


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Black Friday 2025", "black-friday"),
        ("Black Friday", "black-friday"),
        ("2026 Spring sale", "spring-sale"),
        ("TV spot: 9pm news", "tv-spot-9pm-news"),
        ("2025", "event"),
    ],
)
def test_it_names_recurring_events_alike(title: str, name: str) -> None:
    assert forecasting.event_name(title) == name


def test_it_lays_the_events_uplift_on_the_forecast(personas: Personas) -> None:
    world = make_world(personas)
    result = forecasting.forecast_series(world.series, until=world.event.ends_at)
    start = forecasting.timestamp(world.event.starts_at)
    inside = result.point[(result.point.index >= start) & (result.point.index < start + pd.Timedelta(days=1))]
    assert float(inside.max()) == pytest.approx(180.0)
    assert float(result.baseline.max()) == pytest.approx(30.0)
    assert result.point.index[-1] == forecasting.timestamp(world.event.ends_at)


def test_it_turns_an_expected_peak_into_an_uplift(personas: Personas) -> None:
    world = make_world(personas)
    world.event.delete()
    event = register(
        personas,
        title="Launch",
        start=world.last_point + timedelta(days=5, hours=1),
        services=[world.service],
        size_kind="peak",
        multiplier=None,
        expected_peak=90.0,
    )
    result = forecasting.forecast_series(world.series, until=event.ends_at)
    assert float(result.point.max()) == pytest.approx(90.0)


def test_it_ignores_cancelled_events_and_other_services(personas: Personas) -> None:
    world = make_world(personas)
    world.event.status = "cancelled"
    world.event.save()
    result = forecasting.forecast_series(world.series, horizon=24 * 12)
    assert float(result.point.max()) == pytest.approx(30.0)


@pytest.mark.parametrize("horizon", [0, -1, 24 * 400 + 1])
def test_it_refuses_a_horizon_out_of_range(personas: Personas, horizon: int) -> None:
    world = make_world(personas)
    with pytest.raises(forecasting.ForecastUnavailable, match="horizon must be between 1 and 9600 steps"):
        forecasting.forecast_series(world.series, horizon=horizon)


def test_it_refuses_a_series_without_history(personas: Personas) -> None:
    world = make_world(personas)
    empty = MetricSeries.objects.create(service=world.service, metric="orders", unit="orders/s")
    with pytest.raises(forecasting.ForecastUnavailable, match="no measured history"):
        forecasting.forecast_series(empty)
