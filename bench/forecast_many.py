"""Demand forecasts for a whole estate: 1,000 synthetic hourly series, 90 days of history, 14 days ahead.

Each series has its own level (1 to 10,000 requests/s), daily shape, weekend dip, trend and noise, a few missing
hours and a few spikes. steadyops's `forecast` (cleaning, backtest, model, interval) runs over all of them in a
process pool of one worker per core; the floor is the seasonal naive forecast (yesterday repeated) over the same
series in one process, the least any forecaster costs. Both are scored by MASE on the 14 days that follow. The
figures go to BENCHMARKS.md. Run with `python bench/forecast_many.py`.
"""

from __future__ import annotations

import datetime
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from report import machine, replace_section

from steadyops.demand.backtest import mase, seasonal_naive
from steadyops.demand.forecast import forecast

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261129
SERIES = 1000
HISTORY_DAYS = 90
AHEAD_DAYS = 14
TARGET_SECONDS = 60.0
START = pd.Timestamp("2026-06-01", tz="UTC")


def generate(number: int) -> tuple[pd.Series, np.ndarray]:
    """One series' history (with gaps and spikes) and the 14 days that follow it (clean)."""
    rng = np.random.default_rng(SEED + number)
    steps = 24 * (HISTORY_DAYS + AHEAD_DAYS)
    index = pd.date_range(START, periods=steps, freq="h")
    hours = np.arange(steps) % 24
    days = (np.arange(steps) // 24 + START.day_of_week) % 7
    level = 10 ** rng.uniform(0, 4)
    peak = rng.uniform(10, 20)
    daily = 1 + rng.uniform(0.2, 0.8) * np.cos(2 * np.pi * (hours - peak) / 24)
    weekend = np.where(days >= 5, rng.uniform(0.4, 1.1), 1.0)
    trend = 1 + rng.uniform(-0.3, 0.5) * np.arange(steps) / steps
    noise = np.exp(rng.normal(0, rng.uniform(0.02, 0.2), steps))
    values = level * daily * weekend * trend * noise
    history = pd.Series(values[: 24 * HISTORY_DAYS], index=index[: 24 * HISTORY_DAYS])
    spikes = rng.choice(len(history), size=rng.integers(0, 4), replace=False)
    history.iloc[spikes] *= rng.uniform(5, 20, len(spikes))
    missing = rng.choice(np.arange(1, len(history) - 1), size=rng.integers(0, 30), replace=False)
    return history.drop(history.index[missing]), values[24 * HISTORY_DAYS :]


def ours(number: int) -> tuple[float, str]:
    history, future = generate(number)
    result = forecast(history, 24 * AHEAD_DAYS)
    training = result.cleaned.series.to_numpy()
    return mase(future, result.point.to_numpy(), training, 24), result.method


def floor(number: int) -> float:
    history, future = generate(number)
    regular = history.reindex(pd.date_range(history.index[0], history.index[-1], freq="h")).interpolate()
    training = regular.to_numpy()
    return mase(future, seasonal_naive(training, 24, 168, 24 * AHEAD_DAYS), training, 24)


def main() -> None:
    workers = os.cpu_count() or 1
    began = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(ours, range(SERIES), chunksize=25))
    seconds = time.perf_counter() - began
    began = time.perf_counter()
    floors = [floor(number) for number in range(SERIES)]
    floor_seconds = time.perf_counter() - began
    scores = [score for score, _ in results]
    methods = pd.Series([method for _, method in results]).value_counts().to_dict()
    print(f"steadyops: {seconds:.1f} s for {SERIES:,} series, MASE {np.mean(scores):.3f}")
    print(f"seasonal naive: {floor_seconds:.1f} s, MASE {np.mean(floors):.3f}")
    lines = [
        f"- Date: {datetime.date.today().isoformat()}",
        f"- Machine: {machine()}",
        f"- Command: `python bench/forecast_many.py`, seed {SEED}",
        f"- {SERIES:,} synthetic hourly series, {HISTORY_DAYS} days of history (some hours missing, a few spikes), "
        f"{AHEAD_DAYS} days ahead; steadyops in a pool of {workers} processes, the floor in one",
        "",
        "| forecaster | seconds, all series | MASE over the next 14 days (mean) |",
        "|---|---:|---:|",
        f"| steadyops `forecast` (cleaning, backtest, model, interval) | {seconds:.1f} | {np.mean(scores):.3f} |",
        f"| floor: seasonal naive (yesterday repeated) | {floor_seconds:.1f} | {np.mean(floors):.3f} |",
        "",
        "- Models chosen: " + ", ".join(f"{method} {count}" for method, count in sorted(methods.items())),
        f"- Target, at most {TARGET_SECONDS:.0f} s: {'met' if seconds <= TARGET_SECONDS else 'not met'} "
        f"({seconds:.1f} s)",
    ]
    replace_section(
        ROOT / "BENCHMARKS.md",
        "\n".join(lines),
        script="bench/forecast_many.py",
        heading="Demand forecasts for 1,000 series (`bench/forecast_many.py`)",
    )
    print("Written to BENCHMARKS.md")


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != here]
    main()
