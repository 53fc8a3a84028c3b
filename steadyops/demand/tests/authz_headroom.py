"""Who may reach the headroom pages and API, and the world they are checked in.

The world: a production environment; "checkout" (owned by team_b) with 2 instances of 50 requests/s at an 80%
target load, N+1, three days to add instances, a shared pool; eight weeks of hourly traffic that peaks at 30
requests/s every day; and "Black Friday" ten days after the last point, six times the usual traffic, on
checkout. The forecast's busy-day peak over Black Friday is then 180 requests/s, which needs 6 instances.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from django.utils import timezone

from steadyops.catalog import services as catalog
from steadyops.catalog.models import Capacity, Environment, Service
from steadyops.core.actor import Actor
from steadyops.demand import event_services
from steadyops.demand.models import DemandEvent, MetricPoint, MetricSeries
from steadyops.testing.authz import API_READ, SIGNED_IN_PAGE, Case, by_role, everyone
from steadyops.testing.personas import Personas

WEEKS = 8


@dataclass
class World:
    personas: Personas
    service: Service
    capacity: Capacity
    series: MetricSeries
    event: DemandEvent
    last_point: datetime


def daily_traffic(end: datetime, weeks: int = WEEKS) -> pd.Series:
    """Hourly traffic ending at end (a whole hour): 20 requests/s on average, 10 at night, 30 at the daily peak."""
    index = pd.date_range(end=pd.Timestamp(end), periods=weeks * 7 * 24, freq="h")
    hours = index.hour.to_numpy()
    return pd.Series(20 + 10 * np.sin((hours - 6) * 2 * np.pi / 24), index=index)


def add_series(service: Service, traffic: pd.Series, *, unit: str = "requests/s") -> MetricSeries:
    series = MetricSeries.objects.create(service=service, metric="requests_per_second", unit=unit)
    MetricPoint.objects.bulk_create(
        [MetricPoint(series=series, at=at.to_pydatetime(), value=float(v)) for at, v in traffic.items()]
    )
    return series


def production() -> Environment:
    return Environment.objects.get_or_create(slug="production", defaults={"name": "Production"})[0]


def set_checkout_capacity(personas: Personas, service: Service, *, instances: int = 2) -> Capacity:
    return catalog.set_capacity(
        actor=Actor(user=personas.admin),
        component=service,
        environment=production(),
        instances=instances,
        per_instance_capacity=Decimal("50"),
        unit="requests/s",
        target_utilisation=80,
        redundancy_intent="N+1",
        provisioning_lead_time_days=3,
        pool_repurposable=True,
    )


def register(
    personas: Personas, *, title: str, start: datetime, services: list[Service], **size: object
) -> DemandEvent:
    fields: dict[str, Any] = {"size_kind": "multiplier", "multiplier": Decimal("6")}
    fields.update(size)
    return event_services.register_event(
        actor=Actor(user=personas.stakeholder),
        title=title,
        starts_at=start,
        ends_at=start + timedelta(days=1),
        timezone="UTC",
        services=services,
        contact="Maria in marketing",
        team=personas.marketing,
        **fields,
    )


def make_world(personas: Personas, *, with_capacity: bool = True, with_event: bool = True) -> World:
    admin = Actor(user=personas.admin)
    production()
    service = catalog.create_service(actor=admin, name="Checkout", owner=personas.team_b, user_facing=True)
    capacity = set_checkout_capacity(personas, service) if with_capacity else None
    last = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    series = add_series(service, daily_traffic(last))
    start = (last + timedelta(days=10)).replace(hour=0)
    event = register(personas, title="Black Friday", start=start, services=[service]) if with_event else None
    return World(personas, service, capacity, series, event, last)  # type: ignore[arg-type]


RECOMPUTE = by_role(302, 302, 302, 403, 403, 302)
RECOMPUTE_API = by_role(200, 200, 200, 403, 403, 401)

CASES: dict[str, list[Case]] = {
    "demand_headroom": [Case("GET", SIGNED_IN_PAGE)],
    "demand_headroom_recompute": [
        Case("POST", RECOMPUTE),
        Case("GET", by_role(405, 405, 405, 405, 405, 302)),
    ],
    "demand_service_demand": [
        Case("GET", SIGNED_IN_PAGE, kwargs=lambda w: {"slug": "checkout"}),
        Case("GET", everyone(404, anonymous=302), kwargs=lambda w: {"slug": "nothing-here"}),
    ],
    "demand_service_chart": [Case("GET", SIGNED_IN_PAGE, kwargs=lambda w: {"slug": "checkout"})],
    "demand_event_readiness": [Case("GET", SIGNED_IN_PAGE, kwargs=lambda w: {"pk": w.event.pk})],
    "api:demand_headroom_findings": [Case("GET", API_READ, json=True)],
    "api:demand_headroom_recompute_api": [Case("POST", RECOMPUTE_API, json=True)],
    "api:demand_series_forecast": [
        Case("GET", API_READ, json=True, kwargs=lambda w: {"series_id": w.series.pk}, query="?horizon=48"),
        Case(
            "GET",
            everyone(422, anonymous=401),
            json=True,
            kwargs=lambda w: {"series_id": w.series.pk},
            query="?horizon=0",
        ),
    ],
}
SYSTEM_NAME = "headroom"
