"""The demo's metric history: a year of hourly points per customer-facing service, loaded once."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from steadyops.catalog import services as catalog
from steadyops.catalog.models import Service
from steadyops.core import demo
from steadyops.core.actor import Actor
from steadyops.demand import demo_series, series_services
from steadyops.demand.demo_events import previous_black_friday
from steadyops.demand.models import MetricPoint, MetricSeries
from steadyops.testing.personas import Personas


@pytest.fixture
def organisation(personas: Personas) -> demo.DemoOrganisation:
    admin = Actor(personas.admin)
    for slug in ("storefront-web", "checkout"):
        catalog.create_service(actor=admin, name=slug, slug=slug, owner=personas.team_a, user_facing=True)
    return demo.DemoOrganisation(actor=Actor.cli(personas.admin, "demo"), teams={}, people={})


def test_it_loads_a_year_of_hourly_history_once(organisation: demo.DemoOrganisation) -> None:
    demo_series.load_demand_history(organisation)
    expected = demo_series.HOURS - sum(length for _, length in demo_series.GAPS)
    for slug in ("storefront-web", "checkout"):
        series = MetricSeries.objects.get(service__slug=slug, metric="requests_per_second")
        assert series.unit == "requests/s"
        assert series.points.count() == expected
    assert organisation.created == {"points of metric history": 2 * expected}
    demo_series.load_demand_history(organisation)
    assert MetricPoint.objects.count() == 2 * expected


def test_the_history_has_a_black_friday_spike_and_gaps(organisation: demo.DemoOrganisation) -> None:
    demo_series.load_demand_history(organisation)
    values = series_services.history(MetricSeries.objects.get(service__slug="checkout"))
    zone = ZoneInfo("Europe/Paris")
    friday = previous_black_friday(datetime.now(UTC).astimezone(zone).date())
    local = values.tz_convert(zone)
    on_friday = local[local.index.date == friday]
    week_before = local[(local.index.date < friday) & (local.index.date >= friday.replace(day=1))]
    assert on_friday.max() > 3.5 * week_before.max()
    assert series_services.stats(MetricSeries.objects.get(service__slug="checkout")).largest_gap is not None
    assert (values >= 0).all()


def test_it_skips_services_the_catalog_does_not_have(personas: Personas) -> None:
    organisation = demo.DemoOrganisation(actor=Actor.cli(personas.admin, "demo"), teams={}, people={})
    demo_series.load_demand_history(organisation)
    assert not Service.objects.exists()
    assert MetricSeries.objects.count() == 0
