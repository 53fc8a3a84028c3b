"""The forecaster on synthetic series whose seasonality, events, gaps and outliers are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from steadyops.demand.forecast import (
    DEFAULT_METHODS,
    LEARNED_DAMPING,
    METHODS,
    EventWindow,
    clean,
    forecast,
    realised_uplift,
)

START = pd.Timestamp("2026-01-05", tz="UTC")  # a Monday
# Every point on the hour but one, half an hour late.
OFF_THE_HOUR = pd.to_timedelta(np.where(np.arange(100) == 50, 30, 0), unit="min")


def hourly(days: int = 56, *, noise: float = 0.0, seed: int = 1) -> pd.Series:
    """Busy afternoons, quiet nights, weekends at 60 %."""
    index = pd.date_range(START, periods=24 * days, freq="h")
    hours = index.hour.to_numpy()
    weekend = index.day_of_week.to_numpy() >= 5
    values = (100 + 60 * np.sin(2 * np.pi * (hours - 8) / 24)) * np.where(weekend, 0.6, 1.0)
    values = values * np.exp(np.random.default_rng(seed).normal(0, noise, len(index)))
    return pd.Series(values, index=index)


def daily(days: int = 140, *, noise: float = 0.0, seed: int = 1) -> pd.Series:
    index = pd.date_range(START, periods=days, freq="D")
    weekly = np.array([1.0, 1.1, 1.2, 1.1, 0.9, 0.5, 0.4])
    values = 1000 * weekly[index.day_of_week.to_numpy()]
    values = values * np.exp(np.random.default_rng(seed).normal(0, noise, len(index)))
    return pd.Series(values, index=index)


def test_it_recovers_daily_and_weekly_seasonality_of_an_hourly_series() -> None:
    history = hourly(56, noise=0.03)
    result = forecast(history, 24 * 14)
    truth = hourly(70).iloc[24 * 56 :]
    assert result.point.index.equals(truth.index)
    relative = np.abs(result.point.to_numpy() / truth.to_numpy() - 1)
    assert np.mean(relative) < 0.06
    # Weekend afternoons are forecast lower than weekday ones: the weekly pattern is not lost.
    saturday = result.point[(result.point.index.day_of_week == 5) & (result.point.index.hour == 14)]
    friday = result.point[(result.point.index.day_of_week == 4) & (result.point.index.hour == 14)]
    assert saturday.mean() < 0.75 * friday.mean()
    assert result.method in DEFAULT_METHODS
    assert set(result.scores) == set(DEFAULT_METHODS)


@pytest.mark.parametrize("method", METHODS)
def test_each_method_follows_the_daily_pattern_of_an_hourly_series(method: str) -> None:
    # History ends on a Thursday and the forecast covers the Friday: every method, whether or not it knows the
    # week, has only the day's shape to get right.
    history = hourly(53, noise=0.03)
    result = forecast(history, 24, methods=[method])
    truth = hourly(54).iloc[24 * 53 :]
    assert result.method == method
    assert set(result.scores) == {method}
    relative = np.abs(result.point.to_numpy() / truth.to_numpy() - 1)
    assert np.mean(relative) < 0.08


def test_it_recovers_weekly_seasonality_of_a_daily_series() -> None:
    history = daily(140, noise=0.03)
    result = forecast(history, 28)
    truth = daily(168).iloc[140:]
    relative = np.abs(result.point.to_numpy() / truth.to_numpy() - 1)
    assert np.mean(relative) < 0.06
    assert result.point.index[0] == history.index[-1] + pd.Timedelta(days=1)
    assert len(result.point) == len(result.lower) == len(result.upper) == len(result.baseline) == 28


def test_it_multiplies_the_forecast_over_an_event_window_by_its_multiplier() -> None:
    history = hourly(28)
    start = history.index[-1] + pd.Timedelta(hours=20)
    window = EventWindow(start=start, end=start + pd.Timedelta(hours=4), multiplier=3.0, name="launch")
    result = forecast(history, 48, events=[window])
    inside = (result.point.index >= start) & (result.point.index < window.end)
    assert inside.sum() == 4
    assert np.allclose(result.point[inside], 3 * result.baseline[inside])
    assert np.allclose(result.point[~inside], result.baseline[~inside])
    assert result.uplifts == {"launch": 3.0}
    assert result.unapplied == []


def test_it_learns_an_events_uplift_from_its_past_windows() -> None:
    history = hourly(56)
    windows = []
    for week in (1, 3, 5, 7):
        start = START + pd.Timedelta(days=7 * week + 2, hours=18)
        windows.append(EventWindow(start=start, end=start + pd.Timedelta(hours=3), name="newsletter"))
        inside = (history.index >= start) & (history.index < start + pd.Timedelta(hours=3))
        history[inside] *= 3
    start = history.index[-1] + pd.Timedelta(days=4, hours=19)
    future = EventWindow(start=start, end=start + pd.Timedelta(hours=3), name="newsletter")
    result = forecast(history, 24 * 7, events=[*windows, future])
    inside = (result.point.index >= start) & (result.point.index < future.end)
    # Three times, damped on the log scale as every learned uplift is.
    expected = 3.0**LEARNED_DAMPING
    assert result.uplifts["newsletter"] == pytest.approx(expected, rel=0.03)
    assert np.allclose(result.point[inside] / result.baseline[inside], expected, rtol=0.03)
    # The past spikes are kept out of the baseline: no trace of them at the same hours a week on.
    week_on = (result.point.index >= windows[-1].start + pd.Timedelta(days=7)) & (
        result.point.index < windows[-1].end + pd.Timedelta(days=7)
    )
    truth = hourly(63).iloc[24 * 56 :]
    assert np.allclose(result.point[week_on], truth[week_on], rtol=0.05)


def test_it_shapes_the_uplift_with_ramps_inside_the_window() -> None:
    history = hourly(28)
    start = (history.index[-1] + pd.Timedelta(days=1)).normalize() + pd.Timedelta(hours=10)
    window = EventWindow(
        start=start,
        end=start + pd.Timedelta(hours=6),
        multiplier=3.0,
        ramp_up=pd.Timedelta(hours=2),
        ramp_down=pd.Timedelta(hours=2),
    )
    result = forecast(history, 72, events=[window])
    span = (result.point.index >= start) & (result.point.index < window.end)
    factors = (result.point[span] / result.baseline[span]).round(6).tolist()
    assert factors == [1.5, 2.5, 3.0, 3.0, 2.5, 1.5]


def test_it_says_which_events_it_could_not_apply() -> None:
    history = hourly(28)
    start = history.index[-1] + pd.Timedelta(hours=5)
    mystery = EventWindow(start=start, end=start + pd.Timedelta(hours=2), name="never-seen")
    result = forecast(history, 24, events=[mystery])
    assert result.unapplied == [mystery]
    assert np.allclose(result.point, result.baseline)


def test_it_touches_every_step_an_event_overlaps_in_a_daily_series() -> None:
    history = daily(70)
    evening = (history.index[-1] + pd.Timedelta(days=3)) + pd.Timedelta(hours=19)
    window = EventWindow(start=evening, end=evening + pd.Timedelta(hours=3), multiplier=2.0)
    result = forecast(history, 7, events=[window])
    factors = (result.point / result.baseline).round(6).tolist()
    assert factors == [1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0]


def test_it_records_and_fills_gaps() -> None:
    history = hourly(28)
    first_gap = history.index[100:103]
    second_gap = history.index[400:401]
    holed = history.drop([*first_gap, *second_gap])
    cleaned = clean(holed)
    assert cleaned.gaps == [(first_gap[0], first_gap[-1]), (second_gap[0], second_gap[0])]
    assert cleaned.series.index.equals(history.index)
    assert np.isfinite(cleaned.series).all()
    assert np.allclose(cleaned.series[first_gap], history[first_gap], rtol=0.01)


def test_it_damps_outliers_outside_event_windows_only() -> None:
    history = hourly(28, noise=0.02)
    spike, known = history.index[300], history.index[500]
    history[spike] *= 20
    history[known] *= 20
    window = EventWindow(start=known, end=known + pd.Timedelta(hours=1), name="known")
    cleaned = clean(history, [window])
    assert cleaned.outliers == [spike]
    assert cleaned.series[spike] < 2 * hourly(28)[spike]


def test_its_interval_contains_the_truth_about_as_often_as_its_level_says() -> None:
    full = hourly(84, noise=0.15, seed=7)
    inside = []
    for weeks in (6, 7, 8, 9, 10):
        history = full.iloc[: 24 * 7 * weeks]
        truth = full.iloc[24 * 7 * weeks : 24 * 7 * (weeks + 1)]
        result = forecast(history, len(truth), level=0.9)
        assert (result.lower <= result.point).all()
        assert (result.point <= result.upper).all()
        assert (result.lower >= 0).all()
        inside.extend(((truth >= result.lower) & (truth <= result.upper)).tolist())
    coverage = np.mean(inside)
    assert 0.8 <= coverage <= 0.98


def test_it_measures_the_realised_uplift_of_a_past_event() -> None:
    history = daily(140)
    start = history.index[120]
    window = EventWindow(start=start, end=start + pd.Timedelta(days=2))
    history[120:122] *= 2.5
    assert realised_uplift(history, window) == pytest.approx(2.5, rel=0.02)
    later = EventWindow(start=history.index[-1], end=history.index[-1] + pd.Timedelta(days=3))
    assert realised_uplift(history, later) is None
    too_early = EventWindow(start=history.index[3], end=history.index[4])
    assert realised_uplift(history, too_early) is None


def test_it_accepts_naive_timestamps_as_utc() -> None:
    history = daily(70)
    naive = pd.Series(history.to_numpy(), index=history.index.tz_localize(None))
    result = forecast(naive, 7)
    assert str(result.point.index.tz) == "UTC"
    assert result.point.index[0] == history.index[-1] + pd.Timedelta(days=1)


@pytest.mark.parametrize(
    ("history", "message"),
    [
        (pd.Series([], index=pd.DatetimeIndex([], tz="UTC"), dtype=float), "empty"),
        (hourly(1), "too short"),
        (daily(10), "too short"),
        (pd.Series(1.0, index=pd.date_range(START, periods=500, freq="15min")), "hourly or daily"),
        (pd.Series(1.0, index=pd.date_range(START, periods=60, freq="W")), "hourly or daily"),
        (pd.Series(1.0, index=pd.date_range(START, periods=100, freq="h") + OFF_THE_HOUR), "irregular"),
        (daily(70).where(lambda s: s.index != daily(70).index[5], np.nan), "NaN or infinite"),
        (daily(70).where(lambda s: s.index != daily(70).index[5], np.inf), "NaN or infinite"),
        (daily(70) - 2000, "negative"),
        (pd.concat([daily(70), daily(70).iloc[:1]]), "more than one value"),
    ],
)
def test_it_refuses_unusable_history(history: pd.Series, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        forecast(history, 7)


def test_it_refuses_what_is_not_a_time_series() -> None:
    with pytest.raises(TypeError, match="pandas Series"):
        forecast([1.0, 2.0], 7)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="DatetimeIndex"):
        forecast(pd.Series([1.0] * 30), 7)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"horizon": 0}, "horizon"),
        ({"horizon": -3}, "horizon"),
        ({"horizon": 2.5}, "horizon"),
        ({"horizon": True}, "horizon"),
        ({"horizon": 7, "level": 1.0}, "level"),
        ({"horizon": 7, "level": 0}, "level"),
        ({"horizon": 7, "methods": ["prophet"]}, "methods"),
        ({"horizon": 7, "methods": []}, "methods"),
        ({"horizon": 7, "events": [EventWindow(START, START, multiplier=-2.0)]}, "multiplier"),
    ],
)
def test_it_refuses_unusable_arguments(arguments: dict, message: str) -> None:
    history = daily(70)
    if "events" in arguments:
        later = history.index[-1] + pd.Timedelta(days=2)
        arguments = {**arguments, "events": [EventWindow(later, later + pd.Timedelta(days=1), multiplier=-2.0)]}
    with pytest.raises(ValueError, match=message):
        forecast(history, **arguments)
