"""The demo's metric history: a year of hourly requests per second for the customer-facing services, with a
daily and weekly rhythm, slow growth, noise, a few gaps, and last year's Black Friday at five times a normal day."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from steadyops.catalog.models import Service
from steadyops.core import demo
from steadyops.demand import series_services
from steadyops.demand.demo_events import ZONE, previous_black_friday
from steadyops.demand.models import MetricSeries

METRIC = "requests_per_second"
UNIT = "requests/s"  # the unit of the demo catalog's production capacity for these services
HOURS = 365 * 24
BLACK_FRIDAY_UPLIFT = 5.0
# service slug, busiest normal hour in requests/s a year ago, seed
SERVICES: list[tuple[str, float, int]] = [("storefront-web", 260.0, 11), ("checkout", 34.0, 12)]
# (days before now, hours long): outages of the metrics pipeline, left as gaps
GAPS: list[tuple[int, int]] = [(200, 6), (95, 3), (31, 12)]


def hourly_history(*, peak: float, seed: int, end: datetime, zone: ZoneInfo) -> list[tuple[datetime, float]]:
    """A year of synthetic hourly traffic ending at end (a whole hour, UTC)."""
    rng = np.random.default_rng(seed)
    moments = [end - timedelta(hours=HOURS - 1 - i) for i in range(HOURS)]
    local = [moment.astimezone(zone) for moment in moments]
    hour = np.array([m.hour + m.minute / 60 for m in local])
    weekday = np.array([m.weekday() for m in local])
    # Quiet at night, a lunchtime bump and an evening peak around 21:00.
    daily = 0.25 + 0.45 * np.exp(-((hour - 12.5) ** 2) / 8) + 0.75 * np.exp(-((hour - 21) ** 2) / 6)
    weekly = np.where(weekday >= 5, 1.15, 1.0) * np.where(weekday == 0, 0.95, 1.0)
    growth = 1 + 0.3 * np.arange(HOURS) / HOURS
    noise = rng.normal(1.0, 0.05, HOURS).clip(0.8, 1.2)
    values = peak * daily / daily.max() * weekly * growth * noise
    friday = previous_black_friday(end.astimezone(zone).date())
    uplift = np.array([BLACK_FRIDAY_UPLIFT if m.date() == friday else 1.0 for m in local])
    values = values * uplift
    keep = np.ones(HOURS, dtype=bool)
    for days_ago, length in GAPS:
        start = HOURS - days_ago * 24
        keep[start : start + length] = False
    return [(moments[i], round(float(values[i]), 2)) for i in range(HOURS) if keep[i]]


def load_demand_history(organisation: demo.DemoOrganisation) -> None:
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    zone = ZoneInfo(ZONE)
    for slug, peak, seed in SERVICES:
        service = Service.objects.filter(slug=slug).first()
        if service is None:
            continue
        existing = MetricSeries.objects.filter(service=service, metric=METRIC).first()
        if existing is not None and existing.points.exists():
            continue
        text = io.StringIO()
        text.write("timestamp,value\n")
        for moment, value in hourly_history(peak=peak, seed=seed, end=end, zone=zone):
            text.write(f"{int(moment.timestamp())},{value}\n")
        report = series_services.import_csv(
            actor=organisation.actor,
            data=text.getvalue(),
            file_name=f"{slug}-requests-per-second.csv",
            service=slug,
            metric=METRIC,
            unit=UNIT,
        )
        if report.errors:
            raise RuntimeError(f"demo history for {slug}: {report.errors[0]}")
        organisation.count("points of metric history", report.counts.created)
