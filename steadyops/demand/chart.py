"""One picture per service: its recent traffic, the forecast with its range, its capacity, and the events ahead.

Drawn with matplotlib's SVG backend on the server (no JavaScript, no CDN) and cached: the cache key changes when
a new point arrives, the capacity is edited or an event changes, so a cached picture is never stale.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from steadyops.demand import forecasting, headroom

if TYPE_CHECKING:
    from steadyops.catalog.models import Capacity, Service
    from steadyops.demand.models import DemandEvent, MetricSeries

VERSION = 1
CACHE_SECONDS = 24 * 60 * 60
HISTORY_WEEKS = 8
# The forecast is drawn two weeks ahead, or up to the end of the last event within this many days.
AHEAD_DAYS = 14
AHEAD_MAX_DAYS = 120

HISTORY_COLOUR = "#1f4e79"
FORECAST_COLOUR = "#b35c00"
BAND_COLOUR = "#f2c894"
CAPACITY_COLOUR = "#a11d1d"
EVENT_COLOUR = "#7a5195"


@dataclass(frozen=True)
class ChartEvent:
    title: str
    start: pd.Timestamp
    end: pd.Timestamp


@dataclass
class ChartData:
    """Everything the picture shows, already computed: the drawing itself reads nothing else."""

    title: str
    unit: str
    zone: str
    history: pd.Series
    point: pd.Series | None = None
    lower: pd.Series | None = None
    upper: pd.Series | None = None
    capacity: float | None = None
    events: list[ChartEvent] = field(default_factory=list)
    problem: str = ""


def usable_capacity(capacity: Capacity | None) -> float | None:
    """What the service can carry at its target utilisation: instances x per instance x utilisation."""
    if capacity is None:
        return None
    per_instance = headroom.usable_per_instance(
        headroom.CapacityFacts(
            instances=capacity.instances,
            per_instance=float(capacity.per_instance_capacity) if capacity.per_instance_capacity is not None else None,
            target_utilisation=capacity.target_utilisation,
        )
    )
    return None if per_instance is None else capacity.instances * per_instance


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _local(moment: pd.Timestamp, zone: str) -> str:
    return moment.tz_convert(zone).strftime("%-d %b %H:%M")


def describe(data: ChartData) -> list[str]:
    """The picture in plain sentences, shown next to it and used as its text alternative."""
    lines: list[str] = []
    unit = f" {data.unit}" if data.unit else ""
    if data.history.empty:
        lines.append("No traffic has been recorded yet.")
    else:
        top = data.history.idxmax()
        lines.append(
            f"Over the last {HISTORY_WEEKS} weeks traffic peaked at {_number(float(data.history.max()))}{unit} "
            f"on {_local(pd.Timestamp(top), data.zone)}."
        )
    if data.upper is not None and data.point is not None and not data.upper.empty:
        top = data.upper.idxmax()
        lines.append(
            f"The forecast peaks at {_number(float(data.point.max()))}{unit}; on a busy version of the days ahead "
            f"at {_number(float(data.upper.max()))}{unit} (around {_local(pd.Timestamp(top), data.zone)})."
        )
    elif data.problem:
        lines.append(data.problem + ".")
    if data.capacity is not None:
        lines.append(f"What the service can carry at its target load: {_number(data.capacity)}{unit}.")
    else:
        lines.append("Its capacity is not recorded, so no capacity line is drawn.")
    for event in data.events:
        lines.append(f"{event.title}: {_local(event.start, data.zone)} to {_local(event.end, data.zone)}.")
    return lines


def render_svg(data: ChartData) -> str:
    """The picture as an SVG document, text kept as text so it stays sharp and searchable."""
    zone = ZoneInfo(data.zone)
    figure = Figure(figsize=(9, 3.6), dpi=100)
    FigureCanvasSVG(figure)
    axes = figure.add_subplot()
    if not data.history.empty:
        axes.plot(
            data.history.index.tz_convert(zone), data.history.to_numpy(), color=HISTORY_COLOUR, lw=1, label="Measured"
        )
    if data.point is not None and data.lower is not None and data.upper is not None and not data.point.empty:
        index = data.point.index.tz_convert(zone)
        axes.fill_between(
            index, data.lower.to_numpy(), data.upper.to_numpy(), color=BAND_COLOUR, lw=0, label="Forecast range (90%)"
        )
        axes.plot(index, data.point.to_numpy(), color=FORECAST_COLOUR, lw=1, label="Forecast")
    if data.capacity is not None:
        axes.axhline(data.capacity, color=CAPACITY_COLOUR, lw=1.5, ls="--", label="Capacity at target load")
    for number, event in enumerate(data.events):
        axes.axvspan(
            event.start.tz_convert(zone),
            event.end.tz_convert(zone),
            color=EVENT_COLOUR,
            alpha=0.15,
            lw=0,
            label="Traffic event" if number == 0 else None,
        )
        axes.annotate(
            event.title,
            xy=(mdates.date2num(event.start.tz_convert(zone)), 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -10),
            textcoords="offset points",
            fontsize=8,
            color=EVENT_COLOUR,
        )
    axes.set_title(data.title, fontsize=11, loc="left")
    axes.set_ylabel(data.unit or "traffic")
    axes.set_ylim(bottom=0)
    locator = mdates.AutoDateLocator(tz=zone, maxticks=8)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%-d %b", tz=zone))
    axes.grid(True, color="#dddddd", lw=0.5)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="upper left", fontsize=8, frameon=False, ncols=3)
    figure.tight_layout()
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "steadyops"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    # A title and description inside the picture, for screen readers that open it directly.
    heading = f"<title>{escape(data.title)}</title><desc>{escape(' '.join(describe(data)))}</desc>"
    start = svg.find(">", svg.find("<svg")) + 1
    return svg[:start] + heading + svg[start:]


# --- Reading the data ---------------------------------------------------------------------------------------------


def _cache_key(
    service: Service, series: MetricSeries | None, capacity: Capacity | None, events: list[DemandEvent], last: str
) -> str:
    data = [
        VERSION,
        service.pk,
        service.name,
        series.pk if series else None,
        series.unit if series else None,
        last,
        capacity.updated_at.isoformat() if capacity else None,
        [[e.pk, e.updated_at.isoformat()] for e in events],
        settings.TIME_ZONE,
        timezone.localdate().isoformat(),
    ]
    return "demand:chart:" + hashlib.sha256(json.dumps(data, separators=(",", ":")).encode()).hexdigest()


def _last_point(series: MetricSeries | None) -> str:
    if series is None:
        return ""
    last = series.points.order_by("-at").values_list("at", flat=True).first()
    return last.isoformat() if last else ""


def chart_data(
    service: Service,
    *,
    series: MetricSeries | None,
    capacity: Capacity | None,
    events: list[DemandEvent],
    now: datetime | None = None,
) -> ChartData:
    """Load and forecast what the picture of one service shows."""
    now = now or timezone.now()
    unit = series.unit if series else (capacity.unit if capacity else "")
    data = ChartData(
        title=f"{service.name}: traffic, forecast and capacity",
        unit=unit,
        zone=settings.TIME_ZONE,
        history=pd.Series(dtype=float),
        capacity=usable_capacity(capacity),
    )
    data.events = [
        ChartEvent(e.title, forecasting.timestamp(e.starts_at), forecasting.timestamp(e.ends_at))
        for e in events
        if e.starts_at < now + timedelta(days=AHEAD_MAX_DAYS)
    ]
    if series is None:
        data.problem = f"No traffic history for {service.name} yet"
        return data
    history = forecasting.load_history(series, now=now)
    if history.empty:
        data.problem = f"No traffic history for {service.name} yet"
        return data
    last = pd.Timestamp(history.index[-1])
    data.history = history[history.index > last - pd.Timedelta(weeks=HISTORY_WEEKS)]
    ahead = [e.end for e in data.events]
    until = max([last + pd.Timedelta(days=AHEAD_DAYS), *[end + pd.Timedelta(days=1) for end in ahead]])
    try:
        result = forecasting.forecast_series(series, until=until.to_pydatetime(), history=history)
    except ValueError as error:
        data.problem = f"No forecast: {error}"
        return data
    data.point, data.lower, data.upper = result.point, result.lower, result.upper
    # Events already over before the drawn history are not worth a stripe.
    first = data.history.index[0]
    data.events = [e for e in data.events if e.end >= first]
    return data


def service_chart(
    service: Service, *, series: MetricSeries | None, capacity: Capacity | None, events: list[DemandEvent]
) -> tuple[str, list[str]]:
    """The service's picture and its text alternative, from the cache when nothing it shows has changed."""
    key = _cache_key(service, series, capacity, events, _last_point(series))
    cached = cache.get(key)
    if cached is not None:
        svg, lines = cached
        return svg, list(lines)
    data = chart_data(service, series=series, capacity=capacity, events=events)
    svg, lines = render_svg(data), describe(data)
    cache.set(key, (svg, lines), CACHE_SECONDS)
    return svg, lines
