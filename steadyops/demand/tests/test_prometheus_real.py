"""Pulling history from a real Prometheus (Debian's package), backfilled with promtool."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from steadyops.catalog import services as catalog
from steadyops.core.actor import Actor
from steadyops.demand import prometheus, series_services
from steadyops.demand.models import MetricPoint, MetricSeries
from steadyops.testing.personas import Personas

pytestmark = pytest.mark.integration

START = datetime(2024, 3, 1, tzinfo=UTC)
HOURS = 24 * 8


def value_at(hour: int) -> float:
    return float(100 + hour % 24 * 2 + hour // 24)


def openmetrics(hours: int = HOURS) -> str:
    lines = ["# HELP demand_rps Requests per second.", "# TYPE demand_rps gauge"]
    for hour in range(hours):
        stamp = int((START + timedelta(hours=hour)).timestamp())
        lines.append(f'demand_rps{{service="shop",zone="a"}} {value_at(hour)} {stamp}')
        lines.append(f'demand_rps{{service="shop",zone="b"}} 1 {stamp}')
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def test_it_pulls_the_exact_points_into_a_series(personas: Personas, prometheus_with: Callable[[str], str]) -> None:
    url = prometheus_with(openmetrics())
    admin = Actor(personas.admin)
    shop = catalog.create_service(actor=admin, name="Shop", slug="shop", owner=personas.team_a)
    source = series_services.create_source(actor=admin, name="Local", base_url=url)
    series = series_services.create_prometheus_series(
        actor=admin, service=shop, metric="rps", source=source, query='demand_rps{zone="a"}', step_seconds=3600
    )
    now = START + timedelta(hours=HOURS - 1, minutes=30)
    report = series_services.pull(actor=admin, series=series, now=now)
    assert report.error == ""
    assert report.counts.created == HOURS
    expected = [(START + timedelta(hours=hour), value_at(hour)) for hour in range(HOURS)]
    assert list(MetricPoint.objects.filter(series=series).order_by("at").values_list("at", "value")) == expected
    series.refresh_from_db()
    assert (series.last_pulled_at, series.last_error) == (now, "")

    again = series_services.pull(actor=admin, series=series, now=now + timedelta(hours=2))
    assert (again.counts.created, again.counts.updated, again.error) == (0, 0, "")
    assert again.start == START + timedelta(hours=HOURS)


def test_it_asks_in_chunks_over_eleven_thousand_steps_without_doubling_joins(
    prometheus_with: Callable[[str], str],
) -> None:
    url = prometheus_with(openmetrics())
    end = START + timedelta(hours=HOURS - 1)
    result = prometheus.query_range(url, 'demand_rps{zone="a"}', START, end, timedelta(minutes=1))
    steps = int((end - START) / timedelta(minutes=1)) + 1
    assert steps > 11_000
    assert result.requests == 2
    # A gauge sample at hour H is seen by the evaluations within the lookback after it: H, H+1m … H+4m (and H+5m on
    # Prometheus 2, whose lookback window is closed at its start).
    assert len({at for at, _ in result.points}) == len(result.points)
    assert all(value == value_at(int((at - START) / timedelta(hours=1))) for at, value in result.points)
    per_hour = {minute for at, _ in result.points if (minute := at.minute) >= 0}
    assert per_hour in ({0, 1, 2, 3, 4}, {0, 1, 2, 3, 4, 5})
    assert len(result.points) == HOURS * len(per_hour) - (len(per_hour) - 1)
    assert result.skipped == 0


def test_it_reports_prometheus_own_message_for_a_bad_query(prometheus_with: Callable[[str], str]) -> None:
    url = prometheus_with(openmetrics(hours=2))
    with pytest.raises(prometheus.PrometheusError) as raised:
        prometheus.query_range(url, "sum(", START, START + timedelta(hours=1), timedelta(hours=1))
    assert raised.value.error_type == "bad_data"
    assert raised.value.status == 400
    assert raised.value.message.startswith("Prometheus refused the query (bad_data): ")
    assert "parse error" in raised.value.message


def test_it_refuses_a_query_returning_several_series(prometheus_with: Callable[[str], str]) -> None:
    url = prometheus_with(openmetrics(hours=2))
    with pytest.raises(prometheus.PrometheusError, match="returns 2 series"):
        prometheus.query_range(url, "demand_rps", START, START + timedelta(hours=1), timedelta(hours=1))
    summed = prometheus.query_range(url, "sum(demand_rps)", START, START + timedelta(hours=1), timedelta(hours=1))
    assert summed.points == [(START, value_at(0) + 1), (START + timedelta(hours=1), value_at(1) + 1)]


def test_it_skips_and_counts_nan_and_infinite_values(prometheus_with: Callable[[str], str]) -> None:
    url = prometheus_with(openmetrics(hours=3))
    query = 'sum(demand_rps{zone="a"}) * 0 / (sum(demand_rps{zone="b"}) - 1)'
    result = prometheus.query_range(url, query, START, START + timedelta(hours=2), timedelta(hours=1))
    assert result.points == []
    assert result.skipped == 3
    inf = prometheus.query_range(url, "sum(demand_rps) / 0", START, START + timedelta(hours=2), timedelta(hours=1))
    assert (inf.points, inf.skipped) == ([], 3)


def test_a_failed_pull_saves_nothing_and_records_the_error(
    personas: Personas, prometheus_with: Callable[[str], str]
) -> None:
    url = prometheus_with(openmetrics(hours=3))
    admin = Actor(personas.admin)
    source = series_services.create_source(actor=admin, name="Local", base_url=url)
    series = series_services.create_prometheus_series(
        actor=admin, service=None, metric="rps", source=source, query="demand_rps", step_seconds=3600
    )
    report = series_services.pull(actor=admin, series=series, now=START + timedelta(hours=2))
    assert "returns 2 series" in report.error
    assert MetricPoint.objects.count() == 0
    stored = MetricSeries.objects.get(pk=series.pk)
    assert "returns 2 series" in stored.last_error
    assert stored.last_pulled_at is None
