"""Demand forecast accuracy and speed on a real traffic series: steadyops against Prophet and seasonal naive.

Data: the daily page views of the English Wikipedia article "Peyton Manning" (2007-12-10 to 2016-01-20, some
days missing) and the playoff and Super Bowl dates that drive its spikes, read in place from
`../shared/data/` beside the repository.

Split: rolling origin over the last 364 days (13 folds), each forecasting 28 days from a cutoff with everything
before it as history, refitted at every cutoff. MASE per fold (absolute error over the days with data, divided by
the in-sample mean absolute error of the weekly seasonal naive forecast on that fold's history), averaged over
the folds, for: steadyops with the events known, steadyops without them, seasonal naive (the last week
repeated), and Prophet with the same events as holidays (their windows from the file), fitted on log(y) as in
Prophet's own example on this series.

Events: the last year holds a single event window, so the error inside event windows is also measured over
every event in the series from its second season on: a forecast made 7 days before the window opens (28 days
ahead), scored on the window's days, with and without the events known, and Prophet's on the same cutoffs.

Prophet runs in its own virtualenv (bench/.venv-prophet, created here from bench/requirements-prophet.txt when
missing) as a child process with JSON in and out; it times its own fits. Run with `python bench/forecast.py`.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
import time
import venv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from report import machine, replace_section

from steadyops.demand.backtest import mase_scale, seasonal_naive
from steadyops.demand.forecast import EventWindow, forecast

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data"
SERIES_CSV = DATA / "wikipedia_peyton_manning_daily.csv"
EVENTS_CSV = DATA / "wikipedia_peyton_manning_events.csv"
PEER_VENV = ROOT / "bench" / ".venv-prophet"
PEER_REQUIREMENTS = ROOT / "bench" / "requirements-prophet.txt"
HORIZON = 28
FOLDS = 13
EVENT_LEAD = 7  # days between the cutoff and an event window's first day in the event evaluation
PERIOD = 7
TARGET_EVENT_GAIN = 0.30
TARGET_SPEEDUP = 20.0


def load() -> tuple[pd.Series, pd.DataFrame, list[EventWindow]]:
    frame = pd.read_csv(SERIES_CSV)
    series = pd.Series(
        frame["y"].to_numpy(dtype=float), index=pd.DatetimeIndex(pd.to_datetime(frame["ds"])).tz_localize("UTC")
    ).sort_index()
    holidays = pd.read_csv(EVENTS_CSV).rename(
        columns={
            "event": "holiday",
            "date": "ds",
            "lower_window_days": "lower_window",
            "upper_window_days": "upper_window",
        }
    )
    # Prophet's lower_window is zero or negative (days before the date); the file gives days before as a count.
    holidays["lower_window"] = -holidays["lower_window"].abs()
    windows = [
        EventWindow(
            start=pd.Timestamp(row.ds, tz="UTC") + pd.Timedelta(days=int(row.lower_window)),
            end=pd.Timestamp(row.ds, tz="UTC") + pd.Timedelta(days=int(row.upper_window) + 1),
            name=str(row.holiday),
        )
        for row in holidays.itertuples()
    ]
    return series, holidays, windows


def regular(history: pd.Series) -> np.ndarray:
    """Daily values with missing days interpolated: what the seasonal naive forecast and the MASE scale need."""
    index = pd.date_range(history.index[0], history.index[-1], freq="D")
    return history.reindex(index).interpolate().to_numpy()


@dataclass
class Fold:
    cutoff: pd.Timestamp
    truth: pd.Series
    scale: float
    forecasts: dict[str, np.ndarray]
    seconds: dict[str, float]
    methods: dict[str, str]


def steadyops_fold(series: pd.Series, windows: list[EventWindow], cutoff: pd.Timestamp, horizon: int) -> Fold:
    history = series[series.index < cutoff]
    future = pd.date_range(cutoff, periods=horizon, freq="D")
    truth = series.reindex(future)
    training = regular(history)
    forecasts: dict[str, np.ndarray] = {}
    seconds: dict[str, float] = {}
    methods: dict[str, str] = {}
    for name, events in (("with events", windows), ("without events", [])):
        began = time.perf_counter()
        result = forecast(history, horizon, events=events)
        seconds[name] = time.perf_counter() - began
        forecasts[name] = result.point.reindex(future).to_numpy()
        methods[name] = result.method
    forecasts["seasonal naive"] = seasonal_naive(training, PERIOD, PERIOD, horizon)
    return Fold(cutoff, truth, mase_scale(training, PERIOD), forecasts, seconds, methods)


def ensure_peer() -> Path:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print(f"Creating {PEER_VENV} for Prophet", flush=True)
        venv.create(PEER_VENV, with_pip=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-r", str(PEER_REQUIREMENTS)],
            check=True,
        )
    return python


def run_peer(series: pd.Series, holidays: pd.DataFrame, cutoffs: list[pd.Timestamp]) -> dict[str, dict]:
    job = {
        "ds": [d.strftime("%Y-%m-%d") for d in series.index],
        "y": series.tolist(),
        "holidays": holidays[["holiday", "ds", "lower_window", "upper_window"]].to_dict("records"),
        "cutoffs": [c.strftime("%Y-%m-%d") for c in cutoffs],
        "horizon": HORIZON,
    }
    answer = subprocess.run(
        [str(ensure_peer()), str(ROOT / "bench" / "prophet_peer.py")],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=True,
    )
    return {result["cutoff"]: result for result in json.loads(answer.stdout)["results"]}


def absolute_errors(truth: pd.Series, predicted: np.ndarray) -> np.ndarray:
    actual = truth.to_numpy(dtype=float)
    known = np.isfinite(actual)
    return np.abs(actual[known] - predicted[known])


def main() -> None:
    started = time.monotonic()
    series, holidays, windows = load()
    last = series.index[-1]
    cutoffs = [last + pd.Timedelta(days=1) - pd.Timedelta(days=HORIZON * k) for k in range(FOLDS, 0, -1)]
    event_days = {window.start for window in windows}
    first_season_end = series.index[0] + pd.Timedelta(days=365)
    event_cutoffs = sorted(
        {day - pd.Timedelta(days=EVENT_LEAD) for day in event_days if first_season_end < day <= last}
    )
    folds = [steadyops_fold(series, windows, cutoff, HORIZON) for cutoff in cutoffs]
    event_folds = [steadyops_fold(series, windows, cutoff, HORIZON) for cutoff in event_cutoffs]
    print("steadyops done", flush=True)
    peer = run_peer(series, holidays, [*cutoffs, *event_cutoffs])
    for fold in [*folds, *event_folds]:
        result = peer[fold.cutoff.strftime("%Y-%m-%d")]
        fold.forecasts["Prophet"] = np.asarray(result["yhat"], dtype=float)
        fold.seconds["Prophet"] = float(result["seconds"])
    names = ["with events", "without events", "seasonal naive", "Prophet"]
    labels = {
        "with events": "steadyops, events known",
        "without events": "steadyops, no events",
        "seasonal naive": "seasonal naive (last week repeated)",
        "Prophet": "Prophet, events as holidays",
    }
    scores = {
        name: float(np.mean([np.mean(absolute_errors(f.truth, f.forecasts[name])) / f.scale for f in folds]))
        for name in names
    }
    fold_scores = {
        name: [np.mean(absolute_errors(f.truth, f.forecasts[name])) / f.scale for f in folds] for name in names
    }
    ours_seconds = float(np.mean([f.seconds["with events"] for f in [*folds, *event_folds]]))
    peer_seconds = float(np.mean([f.seconds["Prophet"] for f in [*folds, *event_folds]]))

    def window_error(fold_list: list[Fold], name: str) -> float:
        errors = []
        for fold in fold_list:
            inside = np.zeros(len(fold.truth), dtype=bool)
            for window in windows:
                inside |= (fold.truth.index >= window.start) & (fold.truth.index < window.end)
            truth = fold.truth[inside]
            errors.extend(absolute_errors(truth, fold.forecasts[name][inside]).tolist())
        return float(np.mean(errors)) if errors else float("nan")

    last_year_windows = {name: window_error(folds, name) for name in names}
    all_windows = {name: window_error(event_folds, name) for name in names}

    def gain(errors: dict[str, float]) -> float:
        return 1.0 - errors["with events"] / errors["without events"]

    methods: dict[str, int] = {}
    for fold in folds:
        methods[fold.methods["with events"]] = methods.get(fold.methods["with events"], 0) + 1
    rows = [
        "| forecast | MASE (mean of 13 folds) | worst fold | mean absolute error inside event windows, last year | "
        f"same, all {len(event_cutoffs)} event cutoffs |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in names:
        rows.append(
            f"| {labels[name]} | {scores[name]:.3f} | {max(fold_scores[name]):.3f} | "
            f"{last_year_windows[name]:,.0f} | {all_windows[name]:,.0f} |"
        )
    print("\n".join(rows))
    ratio = peer_seconds / ours_seconds
    accurate = scores["with events"] <= scores["Prophet"]
    lines = [
        f"- Date: {datetime.date.today().isoformat()}",
        f"- Machine: {machine()}",
        f"- Command: `python bench/forecast.py`, run took {time.monotonic() - started:.0f} s",
        f'- Data: Wikipedia page views of "Peyton Manning", {series.index[0]:%Y-%m-%d} to {last:%Y-%m-%d} '
        f"({len(series):,} days with data), {len(windows)} event windows (playoffs, Super Bowls)",
        f"- Split: {FOLDS} folds of {HORIZON} days over the last {FOLDS * HORIZON} days, refitted at each cutoff; "
        f"MASE scaled by the weekly seasonal naive error on each fold's history. Event cutoffs: {EVENT_LEAD} days "
        "before each event window from the second season on, 28 days ahead, scored on the window's days",
        "- steadyops's chosen baseline model per fold (events known): "
        + ", ".join(f"{method} {count}" for method, count in sorted(methods.items())),
        "",
        *rows,
        "",
        f"- Fit + predict per series (mean over {len(folds) + len(event_folds)} cutoffs): steadyops "
        f"{ours_seconds * 1000:.0f} ms, Prophet {peer_seconds * 1000:.0f} ms: Prophet takes {ratio:.1f} times as long",
        f"- Events known lower the error inside event windows by {gain(last_year_windows):.0%} in the last year "
        f"(one window) and by {gain(all_windows):.0%} over all {len(event_cutoffs)} event cutoffs",
        "",
        f"Targets: MASE at most Prophet's: {'met' if accurate else 'not met'} ({scores['with events']:.3f} against "
        f"{scores['Prophet']:.3f}); at least {TARGET_SPEEDUP:.0f} times as fast as Prophet: "
        f"{'met' if ratio >= TARGET_SPEEDUP else 'not met'} ({ratio:.1f} times); error inside event windows at least "
        f"{TARGET_EVENT_GAIN:.0%} lower with events known: "
        f"{'met' if gain(all_windows) >= TARGET_EVENT_GAIN else 'not met'} ({gain(all_windows):.0%} over all event "
        f"cutoffs, {gain(last_year_windows):.0%} in the last year).",
    ]
    print("\n".join(lines))
    replace_section(
        ROOT / "BENCHMARKS.md",
        "\n".join(lines),
        script="bench/forecast.py",
        heading="Demand forecast against Prophet (`bench/forecast.py`)",
    )
    print("Written to BENCHMARKS.md")


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != here]
    main()
