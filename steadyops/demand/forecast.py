"""Demand forecasting for one metric series: clean the history, forecast its baseline, lay known events on top.

Pure numerical code (numpy, pandas, statsmodels): no Django, no database. The Django glue lives in
`steadyops.demand.forecasting`.

Conventions:
- A history is a pandas Series of non-negative finite floats on a tz-aware DatetimeIndex (naive timestamps are
  read as UTC), hourly or daily. Missing steps are filled and reported as gaps.
- A step labelled `t` covers `[t, t + step)`. An event window `[start, end)` touches every step it overlaps, so an
  evening event touches its whole day in a daily series.
- Event uplift is multiplicative. A window's ramps lie inside it: the uplift grows linearly from nothing at
  `start` to full at `start + ramp_up` and falls back to nothing at `end`, starting `ramp_down` before it. Where
  windows overlap, the largest uplift applies.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from steadyops.demand.backtest import MODELS, backtest, mase

__all__ = [
    "DEFAULT_METHODS",
    "LEARNED_DAMPING",
    "METHODS",
    "Cleaned",
    "EventWindow",
    "Forecast",
    "clean",
    "forecast",
    "mase",
    "realised_uplift",
]

NO_RAMP = pd.Timedelta(0)
HOUR = pd.Timedelta(hours=1)
DAY = pd.Timedelta(days=1)
# Seasonal periods in steps: the short one (a day of hours, a week of days) and the long one.
PERIODS: dict[pd.Timedelta, tuple[int, int]] = {HOUR: (24, 168), DAY: (7, 365)}
METHODS = ("seasonal_naive", "ets", "mstl", "profile")
# Tried unless `methods` says otherwise: the two that fit the 1,000-series budget. ETS and MSTL (statsmodels) cost
# tens to hundreds of milliseconds a fit, and the backtest fits every candidate several times.
DEFAULT_METHODS = ("profile", "seasonal_naive")
# Another method replaces the first candidate only when its backtest MASE is this much lower: a few weeks of
# backtest are noisy, and the first candidate is the one that usually wins on traffic.
SWITCH_MARGIN = 0.9
MIN_PERIODS = 2  # full short periods of history needed before anything can be forecast
OUTLIER_SCALES = 6.0  # robust standard deviations (on the log1p scale) beyond which a point is damped
# Learned uplifts are applied at this power (8 times learned becomes 4.8 times): each rests on a few noisy windows
# (2 to 20 times for the same kind of event) measured against a baseline that already holds part of the surge, and a
# too-large uplift costs more than a too-small one. 0.75 gave the lowest error on bench/forecast.py.
LEARNED_DAMPING = 0.75
NEIGHBOURS = 3  # same-phase neighbours on each side used as the local reference of a point


@dataclass(frozen=True)
class EventWindow:
    """A period of known unusual demand: past ones are learned from, future ones are applied."""

    start: pd.Timestamp
    end: pd.Timestamp
    multiplier: float | None = None
    name: str = ""
    ramp_up: pd.Timedelta = NO_RAMP
    ramp_down: pd.Timedelta = NO_RAMP


@dataclass(frozen=True)
class Cleaned:
    """The history as the models saw it: regular, gaps filled, outliers damped."""

    series: pd.Series
    gaps: list[tuple[pd.Timestamp, pd.Timestamp]]
    outliers: list[pd.Timestamp]


@dataclass(frozen=True)
class Forecast:
    """Point forecast and interval over the horizon, with the baseline they were built on."""

    point: pd.Series
    lower: pd.Series
    upper: pd.Series
    baseline: pd.Series
    method: str
    level: float
    scores: dict[str, float]
    cleaned: Cleaned
    # Future events that could not be applied: no multiplier given and no past window of that name to learn from.
    unapplied: list[EventWindow] = field(default_factory=list)
    # The uplift used for each event name (learned or given), for display next to the forecast.
    uplifts: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------------------
# Input checks and cleaning


def _validated(history: pd.Series) -> pd.Series:
    if not isinstance(history, pd.Series):
        raise TypeError("history must be a pandas Series")
    if not isinstance(history.index, pd.DatetimeIndex):
        raise TypeError("history must have a DatetimeIndex")
    if history.empty:
        raise ValueError("history is empty")
    try:
        values = history.to_numpy(dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError("history values must be numbers") from error
    if not np.isfinite(values).all():
        raise ValueError("history contains NaN or infinite values")
    if (values < 0).any():
        raise ValueError("history contains negative values")
    index = history.index
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    if index.has_duplicates:
        raise ValueError("history has more than one value for the same time")
    series = pd.Series(values, index=index).sort_index()
    return series


def _step_of(index: pd.DatetimeIndex) -> pd.Timedelta:
    if len(index) < 2:
        raise ValueError("history is too short: at least two points are needed to tell its frequency")
    diffs = np.diff(_ns(index))
    step = pd.Timedelta(int(np.median(diffs)), unit="ns")
    if step not in PERIODS:
        raise ValueError(f"history must be hourly or daily; its typical step is {step}")
    if (diffs % step.value).any():
        raise ValueError(f"history is irregular: some points are not a whole number of {step} apart")
    if _ns(index)[0] % step.value and step == HOUR:
        raise ValueError("hourly history must fall on whole hours")
    return step


def _steps_touched(index: pd.DatetimeIndex, step: pd.Timedelta, window: EventWindow) -> np.ndarray:
    start, end = _utc(window.start), _utc(window.end)
    starts = _ns(index)
    return (starts < end.value) & (starts + step.value > start.value)


def _ns(index: pd.DatetimeIndex) -> np.ndarray:
    # pandas may hold timestamps in micro- or nanoseconds; every comparison here is in nanoseconds.
    return index.as_unit("ns").asi8


def _utc(moment: pd.Timestamp) -> pd.Timestamp:
    moment = pd.Timestamp(moment)
    return moment.tz_localize("UTC") if moment.tz is None else moment.tz_convert("UTC")


def _same_phase_median(values: np.ndarray, period: int, neighbours: int = NEIGHBOURS) -> np.ndarray:
    """For each point, the median of the valid (non-NaN) values at the same phase in the `neighbours` periods on
    each side; NaN where there are none."""
    n = len(values)
    stack = np.full((2 * neighbours, n), np.nan)
    row = 0
    for k in range(1, neighbours + 1):
        shift = k * period
        if shift < n:
            stack[row, shift:] = values[:-shift]
            stack[row + 1, :-shift] = values[shift:]
        row += 2
    counts = np.isfinite(stack).sum(axis=0)
    result = np.full(n, np.nan)
    has = counts > 0
    if has.any():
        # nanmedian warns on all-NaN columns; only columns with data are reduced.
        result[has] = np.nanmedian(stack[:, has], axis=0)
    return result


def _reference_period(step: pd.Timedelta, length: int) -> int:
    short, long = PERIODS[step]
    # The long period (a week of hours) gives a better local reference once there are enough of them.
    if step == HOUR and length >= 4 * long:
        return long
    return short


def _fill(values: np.ndarray, period: int) -> np.ndarray:
    """Fill NaN points with the median of their same-phase neighbours, then by interpolation for the rest."""
    filled = values.copy()
    missing = np.isnan(filled)
    if not missing.any():
        return filled
    reference = _same_phase_median(values, period)
    filled[missing] = reference[missing]
    missing = np.isnan(filled)
    if missing.any():
        known = np.flatnonzero(~missing)
        filled[missing] = np.interp(np.flatnonzero(missing), known, filled[known])
    return filled


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive (first, last) positions of each run of True."""
    if not mask.any():
        return []
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.diff(padded)
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


@dataclass(frozen=True)
class _Prepared:
    step: pd.Timedelta
    index: pd.DatetimeIndex
    actual: np.ndarray  # regular, NaN at gaps
    cleaned: np.ndarray  # gaps and event windows filled, outliers damped
    in_event: np.ndarray
    gaps: list[tuple[pd.Timestamp, pd.Timestamp]]
    outliers: list[pd.Timestamp]


def _prepare(history: pd.Series, events: Sequence[EventWindow]) -> _Prepared:
    series = _validated(history)
    step = _step_of(series.index)
    index = pd.date_range(series.index[0], series.index[-1], freq=step)
    actual = series.reindex(index).to_numpy(dtype=float)
    short, _ = PERIODS[step]
    if len(index) < MIN_PERIODS * short:
        raise ValueError(
            f"history is too short: {len(index)} steps, at least {MIN_PERIODS * short} "
            f"({MIN_PERIODS} periods of {short}) are needed"
        )
    missing = np.isnan(actual)
    in_event = np.zeros(len(index), dtype=bool)
    for window in events:
        in_event |= _steps_touched(index, step, window)
    period = _reference_period(step, len(index))
    logged = np.log1p(actual)
    # Events and gaps are left out of the reference so that spikes do not pollute the baseline.
    usable = np.where(missing | in_event, np.nan, logged)
    reference = _same_phase_median(usable, period)
    residual = usable - reference
    valid = np.isfinite(residual)
    outlier_mask = np.zeros(len(index), dtype=bool)
    if valid.sum() >= 2 * short:
        centre = np.median(residual[valid])
        scale = 1.4826 * np.median(np.abs(residual[valid] - centre))
        # Floor: on a near-constant series a 5 % move is not an outlier.
        scale = max(scale, 0.05 / OUTLIER_SCALES)
        bound = OUTLIER_SCALES * scale
        deviation = np.where(valid, residual - centre, 0.0)
        outlier_mask = valid & (np.abs(deviation) > bound)
        usable = np.where(outlier_mask, reference + centre + np.clip(deviation, -bound, bound), usable)
    cleaned = np.expm1(_fill(usable, period))
    cleaned = np.maximum(cleaned, 0.0)
    gaps = [(index[first], index[last]) for first, last in _runs(missing)]
    outliers = list(index[outlier_mask])
    return _Prepared(step, index, actual, cleaned, in_event, gaps, outliers)


def clean(history: pd.Series, events: Sequence[EventWindow] = ()) -> Cleaned:
    """The history made regular: gaps filled from the same time in neighbouring days or weeks, points outside
    event windows that stray far from their neighbours damped, event windows replaced by the baseline."""
    prepared = _prepare(history, events)
    return Cleaned(pd.Series(prepared.cleaned, index=prepared.index), prepared.gaps, prepared.outliers)


# ---------------------------------------------------------------------------------------------------------------
# Baseline models


def _naive_errors(values: np.ndarray, period: int, horizon: int) -> np.ndarray:
    """Log-ratio errors of the seasonal naive forecast at each step ahead, over the whole history: rows are
    horizon steps, columns the origins."""
    logged = np.log1p(values)
    errors = []
    for h in range(1, horizon + 1):
        lag = period * math.ceil(h / period)
        if lag >= len(logged):
            errors.append(np.array([0.0]))
        else:
            errors.append(logged[lag:] - logged[:-lag])
    width = min(len(e) for e in errors)
    return np.stack([e[-width:] for e in errors])


def _finite_or_inf(score: float) -> float:
    return score if math.isfinite(score) else math.inf


def _interval(point: np.ndarray, errors: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Interval from empirical log1p errors applied multiplicatively to the point: one row of errors per step
    ahead, or a single row pooled over every step."""
    tail = (1.0 - level) / 2.0
    low = np.resize(np.quantile(errors, tail, axis=1), len(point))
    high = np.resize(np.quantile(errors, 1.0 - tail, axis=1), len(point))
    logged = np.log1p(np.maximum(point, 0.0))
    lower = np.maximum(np.expm1(logged + np.minimum(low, 0.0)), 0.0)
    upper = np.expm1(logged + np.maximum(high, 0.0))
    return lower, upper


# ---------------------------------------------------------------------------------------------------------------
# Events


def _ramp_curve(index: pd.DatetimeIndex, step: pd.Timedelta, window: EventWindow) -> np.ndarray:
    """Share of the full uplift at each step of `index` (0 outside the window), following the ramps."""
    touched = _steps_touched(index, step, window)
    share = touched.astype(float)
    if not touched.any():
        return share
    start, end = _utc(window.start).value, _utc(window.end).value
    # The middle of each step decides how far along the ramp it is.
    middle = _ns(index) + step.value / 2
    up, down = pd.Timedelta(window.ramp_up).value, pd.Timedelta(window.ramp_down).value
    if up > 0:
        share = np.minimum(share, np.clip((middle - start) / up, 0.0, 1.0))
    if down > 0:
        share = np.minimum(share, np.clip((end - middle) / down, 0.0, 1.0))
    # A step that only partly overlaps a ramp still feels some of it.
    return np.where(touched, np.maximum(share, 0.0), 0.0)


def _learn(prepared: _Prepared, events: Sequence[EventWindow]) -> dict[str, float]:
    """Each event name's uplift from its past windows: actual ÷ baseline over each window (geometric mean), the
    median over windows, damped toward no change by `LEARNED_DAMPING`."""
    by_name: dict[str, list[float]] = {}
    end = prepared.index[-1] + prepared.step
    for window in events:
        if not window.name or _utc(window.start) >= end:
            continue
        touched = _steps_touched(prepared.index, prepared.step, window)
        actual = prepared.actual[touched]
        known = np.isfinite(actual)
        if not known.any():
            continue
        ratio = (actual[known] + 1.0) / (prepared.cleaned[touched][known] + 1.0)
        by_name.setdefault(window.name, []).append(float(np.mean(np.log(ratio))))
    # The median window, not the mean: one legendary final must not set the expectation for every game.
    return {name: float(np.exp(LEARNED_DAMPING * np.median(logs))) for name, logs in by_name.items()}


def _uplift(
    index: pd.DatetimeIndex,
    step: pd.Timedelta,
    events: Sequence[EventWindow],
    learned: dict[str, float],
) -> tuple[np.ndarray, list[EventWindow], dict[str, float]]:
    """The multiplier at each future step, the windows that could not be applied and the uplift used by name."""
    factor = np.ones(len(index))
    unapplied: list[EventWindow] = []
    used: dict[str, float] = {}
    for window in events:
        touched = _steps_touched(index, step, window)
        if not touched.any():
            continue
        if window.multiplier is not None:
            multiplier = float(window.multiplier)
            if not math.isfinite(multiplier) or multiplier <= 0:
                raise ValueError(f"event multiplier must be a positive number, not {window.multiplier!r}")
            curve = 1.0 + (multiplier - 1.0) * _ramp_curve(index, step, window)
            if window.name:
                used[window.name] = multiplier
        elif window.name in learned:
            used[window.name] = learned[window.name]
            curve = 1.0 + (learned[window.name] - 1.0) * _ramp_curve(index, step, window)
        else:
            unapplied.append(window)
            continue
        factor = np.where(touched, _combine(factor, curve), factor)
    return factor, unapplied, used


def _combine(factor: np.ndarray, curve: np.ndarray) -> np.ndarray:
    # Overlapping windows: the uplift furthest from no change wins (a surge over a lull, the bigger surge).
    return np.where(np.abs(np.log(curve)) > np.abs(np.log(factor)), curve, factor)


# ---------------------------------------------------------------------------------------------------------------
# The forecast


def forecast(
    history: pd.Series,
    horizon: int,
    *,
    events: Sequence[EventWindow] = (),
    level: float = 0.9,
    methods: Sequence[str] | None = None,
) -> Forecast:
    """Forecast `horizon` steps after the end of `history`, with an interval at `level`, laying the known
    `events` on top of the baseline. Past event windows are kept out of the baseline and teach each event name
    its uplift; future ones multiply the forecast over their window. The baseline model is the one of
    `methods` (`DEFAULT_METHODS` unless given) with the lowest MASE in a short rolling-origin backtest."""
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ValueError("horizon must be a positive whole number of steps")
    if not (isinstance(level, float | int) and 0.0 < float(level) < 1.0):
        raise ValueError("level must be between 0 and 1, e.g. 0.9")
    prepared = _prepare(history, events)
    step = prepared.step
    short, long = PERIODS[step]
    values = prepared.cleaned
    future = pd.date_range(prepared.index[-1] + step, periods=int(horizon), freq=step)
    chosen = list(methods) if methods is not None else list(DEFAULT_METHODS)
    unknown = sorted(set(chosen) - set(METHODS))
    if unknown or not chosen:
        raise ValueError(f"methods must be among {', '.join(METHODS)}")
    tested = backtest(values, short, long, int(horizon), chosen)
    if tested is None:
        method, scores = "seasonal_naive", {}
        errors = _naive_errors(values, short, int(horizon))
    else:
        scores = tested.scores
        best = min(chosen, key=lambda name: _finite_or_inf(scores[name]))
        first = _finite_or_inf(scores[chosen[0]])
        method = best if _finite_or_inf(scores[best]) < SWITCH_MARGIN * first else chosen[0]
        errors = tested.errors[method].reshape(1, -1)
    baseline = MODELS[method](values, short, long, int(horizon))
    lower, upper = _interval(baseline, errors, float(level))
    learned = _learn(prepared, events)
    factor, unapplied, used = _uplift(future, step, events, learned)
    cleaned = Cleaned(pd.Series(values, index=prepared.index), prepared.gaps, prepared.outliers)
    return Forecast(
        point=pd.Series(baseline * factor, index=future),
        lower=pd.Series(lower * factor, index=future),
        upper=pd.Series(upper * factor, index=future),
        baseline=pd.Series(baseline, index=future),
        method=method,
        level=float(level),
        scores=scores,
        cleaned=cleaned,
        unapplied=unapplied,
        uplifts=used,
    )


def realised_uplift(history: pd.Series, window: EventWindow) -> float | None:
    """How much bigger the traffic was over `window` than forecast from the history before it: the mean over
    the window (total actual ÷ total baseline forecast). None when the history does not cover the window or
    there is not enough history before it."""
    series = _validated(history)
    start, end = _utc(window.start), _utc(window.end)
    if end <= start:
        return None
    step = _step_of(series.index)
    index = pd.date_range(series.index[0], series.index[-1], freq=step)
    touched = _steps_touched(index, step, window)
    if not touched.any() or index[-1] + step < end or index[0] > start:
        return None
    first = int(np.flatnonzero(touched)[0])
    before = series[series.index < index[first]]
    actual = series.reindex(index[touched]).to_numpy(dtype=float)
    if np.isnan(actual).all():
        return None
    try:
        baseline = forecast(before, int(touched.sum())).baseline.to_numpy()
    except ValueError:
        return None
    known = np.isfinite(actual)
    expected = float(baseline[known].sum())
    if expected <= 0:
        return None
    return float(actual[known].sum() / expected)
