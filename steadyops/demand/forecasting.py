"""The forecast of a stored metric series, with the traffic events that touch its service.

This is the glue between the database and the pure forecaster (steadyops.demand.forecast): it loads the history,
turns registered events into event windows, and asks for the forecast. The CLI, the API and the headroom findings
all come through forecast_series.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pandas as pd
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from steadyops.demand import forecast

if TYPE_CHECKING:
    from steadyops.demand.models import DemandEvent, MetricSeries

# A forecast reaches at most this far past the last measured point; further out the seasonal pattern says little.
HORIZON_MAX_DAYS = 400
# With no horizon and no end date, forecast two weeks.
HORIZON_DEFAULT_DAYS = 14
# History older than this is not read: a year and a bit covers yearly events like Black Friday.
HISTORY_DAYS = 400

_YEAR = re.compile(r"(?:^|-)(?:19|20)\d{2}(?=-|$)")


class ForecastUnavailable(ValueError):
    """The series cannot be forecast as asked: no history, or a horizon out of range."""


def event_name(title: str) -> str:
    """The name that groups recurring events: the title as a slug, without years ("Black Friday 2025" and
    "Black Friday 2026" are both "black-friday"), so the forecaster learns one from the other."""
    slug = _YEAR.sub("", slugify(title)).strip("-")
    return re.sub(r"-{2,}", "-", slug) or "event"


def events_touching(series: MetricSeries) -> Q:
    """The events that bring traffic to a series: those naming its service and whole-site ones. A whole-site
    series (no service) only sees whole-site events, as an event on one service says little about the total."""
    if series.service_id is None:
        return Q(whole_site=True)
    return Q(whole_site=True) | Q(services__id=series.service_id)


def relevant_events(series: MetricSeries, *, since: datetime | None = None) -> list[DemandEvent]:
    """The non-cancelled events that touch the series and end after since (all of them when since is None)."""
    from steadyops.demand.models import DemandEvent, EventStatus

    query = DemandEvent.objects.exclude(status=EventStatus.CANCELLED).filter(events_touching(series))
    if since is not None:
        query = query.filter(ends_at__gte=since)
    return list(query.distinct().order_by("starts_at", "pk"))


def timestamp(moment: datetime) -> pd.Timestamp:
    """A moment as a UTC pandas timestamp, as the forecaster wants it."""
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def window_for(event: DemandEvent, *, multiplier: float | None) -> forecast.EventWindow:
    """The event as the forecaster sees it."""
    return forecast.EventWindow(
        start=timestamp(event.starts_at),
        end=timestamp(event.ends_at),
        multiplier=multiplier,
        name=event_name(event.title),
        ramp_up=pd.Timedelta(hours=event.ramp_up_hours),
        ramp_down=pd.Timedelta(hours=event.ramp_down_hours),
    )


def _peak_multiplier(event: DemandEvent, baseline: pd.Series) -> float | None:
    """For an event given as an expected peak: that peak ÷ the normal peak over its window."""
    if event.expected_peak is None:
        return None
    inside = baseline[(baseline.index >= timestamp(event.starts_at)) & (baseline.index < timestamp(event.ends_at))]
    if inside.empty:
        return None
    normal = float(inside.max())
    if not math.isfinite(normal) or normal <= 0:
        return None
    return max(1.0, event.expected_peak / normal)


def _multiplier(event: DemandEvent, now: datetime) -> float | None:
    # A past event the forecaster learns from is best described by what was measured, not by the guess.
    if event.ends_at < now and event.realised_uplift is not None:
        return event.realised_uplift
    return event.uplift()


def step_of(series: MetricSeries, history: pd.Series) -> pd.Timedelta:
    """The series' step: the shortest spacing of its latest points (gaps only widen spacing), else the step it
    was set up with."""
    if len(history.index) >= 2:
        spacing = pd.Series(history.index[-49:]).diff().dropna()
        shortest = pd.Timedelta(spacing.min())
        if shortest > pd.Timedelta(0):
            return shortest
    return pd.Timedelta(seconds=series.step_seconds or 3600)


def horizon_steps(*, last: pd.Timestamp, step: pd.Timedelta, horizon: int | None, until: datetime | None) -> int:
    """How many steps to forecast: horizon as given, or enough to reach until; refused when out of range."""
    limit = int(pd.Timedelta(days=HORIZON_MAX_DAYS) / step)
    if horizon is None:
        if until is None:
            horizon = int(pd.Timedelta(days=HORIZON_DEFAULT_DAYS) / step)
        else:
            horizon = math.ceil((timestamp(until) - last) / step)
            if horizon < 1:
                horizon = 1
    if horizon < 1 or horizon > limit:
        raise ForecastUnavailable(
            f"The horizon must be between 1 and {limit} steps ({HORIZON_MAX_DAYS} days) after the last measured point."
        )
    return horizon


def load_history(series: MetricSeries, *, now: datetime | None = None) -> pd.Series:
    """The series' measured history, the last HISTORY_DAYS of it."""
    from steadyops.demand.series_services import history

    since = (now or timezone.now()) - timedelta(days=HISTORY_DAYS)
    return history(series, since=since)


def forecast_series(
    series: MetricSeries,
    *,
    horizon: int | None = None,
    until: datetime | None = None,
    level: float = 0.9,
    events: Iterable[DemandEvent] | None = None,
    history: pd.Series | None = None,
) -> forecast.Forecast:
    """Forecast a series `horizon` steps (or up to `until`) past its last point, with the non-cancelled events that
    touch its service (or the whole site), at the given interval level.

    Events given as an uplift (multiplier or rough size) pass their figure; past events pass the measured uplift
    when there is one; events given as an expected peak pass that peak ÷ the normal peak over their window (so the
    forecast reaches it); events of unknown size pass none, and the forecaster learns one from past events of the
    same name. `events` and `history` let a caller that already loaded them avoid loading them again.
    """
    now = timezone.now()
    if history is None:
        history = load_history(series, now=now)
    if history.empty:
        raise ForecastUnavailable("There is no measured history for this series yet: import some or pull it first.")
    step = step_of(series, history)
    last = pd.Timestamp(history.index[-1])
    steps = horizon_steps(last=last, step=step, horizon=horizon, until=until)
    first = pd.Timestamp(history.index[0]).to_pydatetime()
    chosen: Sequence[DemandEvent] = list(events) if events is not None else relevant_events(series, since=first)
    windows: list[forecast.EventWindow] = []
    by_peak: list[DemandEvent] = []
    for event in chosen:
        if event.ends_at <= first:
            continue
        multiplier = _multiplier(event, now)
        if multiplier is None and event.expected_peak is not None and event.uplift() is None:
            by_peak.append(event)
            continue
        windows.append(window_for(event, multiplier=multiplier))
    if by_peak:
        # The baseline only depends on the history, so one extra run prices every peak-sized event.
        try:
            plain = forecast.forecast(history, steps, events=windows, level=level)
        except ValueError as error:
            raise ForecastUnavailable(f"This series cannot be forecast yet: {error}.") from error
        windows += [window_for(event, multiplier=_peak_multiplier(event, plain.baseline)) for event in by_peak]
        windows.sort(key=lambda window: window.start)
    try:
        return forecast.forecast(history, steps, events=windows, level=level)
    except ValueError as error:
        raise ForecastUnavailable(f"This series cannot be forecast yet: {error}.") from error
