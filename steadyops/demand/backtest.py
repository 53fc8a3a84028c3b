"""The baseline models the forecaster chooses from, and the short rolling-origin backtest that chooses.

Every model works on the log1p scale (traffic is multiplicative: a busy hour is a multiple of a quiet one) and
takes the cleaned history with its short and long seasonal periods. Pure numpy/statsmodels, no Django.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.holtwinters import ExponentialSmoothing
from statsmodels.tsa.seasonal import MSTL

Model = Callable[[np.ndarray, int, int, int], np.ndarray]

BACKTEST_ORIGINS = 3
# Damping of the deseasonalised trend per short period: a slope fades to half within about a period.
TREND_DAMPING_PER_PERIOD = 0.5
# Above this many steps ETS sees only the most recent ones: its fit is by far the dearest part otherwise.
ETS_MAX_STEPS = 1200
PROFILE_PERIODS = 6  # periods averaged into the seasonal profile
PROFILE_DECAY = 0.7  # weight of each older period relative to the next
MAX_YEARS = 2  # past years whose level movement over the horizon is averaged
YEARLY_WEIGHT = 0.6


def seasonal_naive(values: np.ndarray, short: int, long: int, horizon: int) -> np.ndarray:
    """The last short period (a day of hours, a week of days) repeated."""
    return np.resize(values[-short:], horizon)


def _repeat_last_cycle(component: np.ndarray, period: int, horizon: int) -> np.ndarray:
    steps = np.arange(1, horizon + 1)
    back = period * np.ceil(steps / period).astype(int)
    return component[len(component) - back + steps - 1]


def _damped_trend(level: float, slope: float, phi: float, horizon: int) -> np.ndarray:
    steps = np.arange(1, horizon + 1)
    if phi >= 1.0:
        return level + slope * steps
    return level + slope * phi * (1.0 - phi**steps) / (1.0 - phi)


def mstl(values: np.ndarray, short: int, long: int, horizon: int) -> np.ndarray:
    """MSTL on log1p with the short and (when there are two of them) long periods; each seasonal component
    carries its last cycle forward and the deseasonalised part follows a damped trend."""
    logged = np.log1p(values)
    periods = [p for p in (short, long) if len(logged) >= 2 * p]
    if not periods:
        return seasonal_naive(values, short, long, horizon)
    # The jumps evaluate the loess smoothers every few points only: the same decomposition to within noise,
    # several times cheaper, which the 1,000-series target needs.
    result = MSTL(
        logged,
        periods=periods,
        iterate=2,
        stl_kwargs={"seasonal_jump": 3, "trend_jump": 10, "low_pass_jump": 10},
    ).fit()
    seasonal = np.asarray(result.seasonal).reshape(len(logged), -1)
    future = np.zeros(horizon)
    for column, period in enumerate(periods):
        future += _repeat_last_cycle(seasonal[:, column], period, horizon)
    trend = np.asarray(result.trend)
    resid = np.asarray(result.resid)
    recent = max(short // 2, 1)
    level = float(trend[-1] + np.mean(resid[-recent:]))
    slope = float((trend[-1] - trend[-1 - short]) / short) if len(trend) > short else 0.0
    phi = TREND_DAMPING_PER_PERIOD ** (1.0 / short)
    future += _damped_trend(level, slope, phi, horizon)
    return np.maximum(np.expm1(future), 0.0)


def ets(values: np.ndarray, short: int, long: int, horizon: int) -> np.ndarray:
    """Holt-Winters on log1p: additive damped trend, additive seasonality of the short period."""
    logged = np.log1p(values[-ETS_MAX_STEPS:])
    with warnings.catch_warnings():
        # Non-convergence still leaves usable smoothing parameters; the backtest judges the result.
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        fitted = ExponentialSmoothing(
            logged,
            trend="add",
            damped_trend=True,
            seasonal="add",
            seasonal_periods=short,
            initialization_method="heuristic" if len(logged) >= 2 * short + 10 else "estimated",
        ).fit()
        future = np.asarray(fitted.forecast(horizon))
    if not np.isfinite(future).all():
        return seasonal_naive(values, short, long, horizon)
    return np.maximum(np.expm1(future), 0.0)


def _recent_periods(logged: np.ndarray, period: int, count: int) -> np.ndarray:
    """The last `count` whole periods as rows, the last row ending at the last observation."""
    usable = count * period
    return logged[len(logged) - usable :].reshape(count, period)


def _weekly_means(logged: np.ndarray, period: int) -> np.ndarray:
    """Centred moving mean over one period: the level with the period's pattern averaged out (NaN at the ends)."""
    kernel = np.ones(period) / period
    means = np.full(len(logged), np.nan)
    inner = np.convolve(logged, kernel, mode="valid")
    offset = (period - 1) // 2
    means[offset : offset + len(inner)] = inner
    return means


def profile(values: np.ndarray, short: int, long: int, horizon: int) -> np.ndarray:
    """Seasonal profile on log1p: the recent level, plus the average shape of the last few periods (a week of
    hours, or a week of days), plus, with two years of daily history, how the level moved over the same weeks in
    past years. Numpy only: the cheapest model that knows both seasons."""
    logged = np.log1p(values)
    period = long if long <= 168 and len(logged) >= 3 * long else short
    count = min(len(logged) // period, PROFILE_PERIODS)
    rows = _recent_periods(logged, period, count)
    levels = rows.mean(axis=1, keepdims=True)
    weights = PROFILE_DECAY ** np.arange(count - 1, -1, -1)
    shape = (weights[:, None] * (rows - levels)).sum(axis=0) / weights.sum()
    steps = np.arange(horizon)
    future = levels[-1, 0] + shape[steps % period]
    years = [y for y in range(1, MAX_YEARS + 1) if long > 168 and len(logged) >= y * long + period + horizon]
    if years:
        smooth = _weekly_means(logged, period)
        centre = len(logged) - 1 - (period - 1) // 2  # where the last row's level sits
        moves = []
        for year in years:
            then = smooth[centre - year * long]
            ahead = smooth[len(logged) - year * long + steps]
            known = np.isfinite(ahead)
            if np.isfinite(then) and known.all():
                moves.append(ahead - then)
        if moves:
            future = future + np.mean(moves, axis=0) * YEARLY_WEIGHT
    return np.maximum(np.expm1(future), 0.0)


MODELS: dict[str, Model] = {"seasonal_naive": seasonal_naive, "ets": ets, "mstl": mstl, "profile": profile}


def mase_scale(training: np.ndarray, period: int) -> float:
    """In-sample mean absolute error of the seasonal naive forecast: the MASE denominator."""
    if len(training) > period:
        scale = float(np.mean(np.abs(training[period:] - training[:-period])))
    elif len(training) > 1:
        scale = float(np.mean(np.abs(np.diff(training))))
    else:
        scale = 0.0
    return scale if scale > 0 else 1.0


def mase(actual: np.ndarray, predicted: np.ndarray, training: np.ndarray, period: int) -> float:
    """Mean absolute scaled error over the points where `actual` is known."""
    actual = np.asarray(actual, dtype=float)
    known = np.isfinite(actual)
    if not known.any():
        return math.nan
    error = float(np.mean(np.abs(actual[known] - np.asarray(predicted, dtype=float)[known])))
    return error / mase_scale(np.asarray(training, dtype=float), period)


@dataclass(frozen=True)
class Backtest:
    scores: dict[str, float]  # mean MASE per method over the origins
    errors: dict[str, np.ndarray]  # log1p errors (actual - forecast) per method, origins by steps ahead
    horizon: int  # steps ahead each origin was scored on


def minimum_training(short: int, long: int) -> int:
    return 2 * short


def backtest(values: np.ndarray, short: int, long: int, horizon: int, methods: list[str]) -> Backtest | None:
    """Forecast from the last `BACKTEST_ORIGINS` origins, each `horizon` (capped) steps apart, and score every
    method by MASE. None when the history is too short for even one origin."""
    needed = max(minimum_training(short, long), min(len(values) // 2, 2 * long))
    room = len(values) - needed
    if room < 1:
        return None
    step = min(horizon, max(room // BACKTEST_ORIGINS, 1))
    origins = [len(values) - k * step for k in range(1, BACKTEST_ORIGINS + 1) if len(values) - k * step >= needed]
    scores: dict[str, list[float]] = {method: [] for method in methods}
    errors: dict[str, list[np.ndarray]] = {method: [] for method in methods}
    for origin in origins:
        training, truth = values[:origin], values[origin : origin + step]
        for method in methods:
            predicted = MODELS[method](training, short, long, len(truth))
            scores[method].append(mase(truth, predicted, training, short))
            errors[method].append(np.log1p(truth) - np.log1p(predicted))
    return Backtest(
        {method: float(np.mean(s)) for method, s in scores.items()},
        {method: np.vstack(e) for method, e in errors.items()},
        step,
    )
