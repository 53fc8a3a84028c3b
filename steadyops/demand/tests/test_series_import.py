"""Importing CSV history through the service: atomic, upserting, counted, audited; history() and main_series()."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from django.core.exceptions import PermissionDenied

from steadyops.catalog import services as catalog
from steadyops.catalog.models import Environment, Service
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.demand import series_services
from steadyops.demand.csvseries import CsvTooLarge
from steadyops.demand.models import MetricPoint, MetricSeries, SeriesImport
from steadyops.testing.personas import Personas

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def hourly(count: int, start: datetime = T0, value: float = 10.0) -> str:
    rows = [f"{(start + timedelta(hours=i)).isoformat()},{value + i}" for i in range(count)]
    return "timestamp,value\n" + "\n".join(rows) + "\n"


@pytest.fixture
def shop(personas: Personas) -> Service:
    return catalog.create_service(actor=Actor(personas.admin), name="Shop", slug="shop", owner=personas.team_a)


def test_it_imports_a_file_creating_the_series_and_counting(personas: Personas, shop: Service) -> None:
    report = series_services.import_csv(
        actor=Actor(personas.operator_b),
        data=hourly(3),
        file_name="C:\\exports\\shop.csv",
        service="shop",
        metric="rps",
    )
    assert report.errors == []
    assert (report.counts.created, report.counts.updated, report.counts.unchanged) == (3, 0, 0)
    assert report.new_series == ["shop / rps"]
    series = MetricSeries.objects.get(service=shop, metric="rps")
    assert series.source == "csv"
    assert series.unit == "requests/s"
    assert list(series.points.order_by("at").values_list("at", "value")) == [
        (T0, 10.0),
        (T0 + timedelta(hours=1), 11.0),
        (T0 + timedelta(hours=2), 12.0),
    ]
    record = SeriesImport.objects.get()
    assert (record.file_name, record.rows, record.created_points, record.created_by) == (
        "shop.csv",
        3,
        3,
        personas.operator_b,
    )
    assert list(record.series.all()) == [series]
    assert AuditEntry.objects.filter(action="metric_series.import", object_id=str(record.pk)).count() == 1
    assert AuditEntry.objects.filter(action="metric_series.create", object_id=str(series.pk)).count() == 1
    assert report.summary == "3 rows in 1 series: 3 points were added, 0 changed, 0 already there."


def test_it_upserts_on_a_second_import(personas: Personas, shop: Service) -> None:
    actor = Actor(personas.operator_a)
    series_services.import_csv(actor=actor, data=hourly(3), service="shop", metric="rps")
    text = "timestamp,value\n" + f"{T0.isoformat()},10\n{(T0 + timedelta(hours=1)).isoformat()},99\n"
    text += f"{(T0 + timedelta(hours=5)).isoformat()},1\n"
    report = series_services.import_csv(actor=actor, data=text, service="shop", metric="rps")
    assert (report.counts.created, report.counts.updated, report.counts.unchanged) == (1, 1, 1)
    assert report.new_series == []
    assert MetricPoint.objects.count() == 4
    assert MetricPoint.objects.get(at=T0 + timedelta(hours=1)).value == 99.0


def test_it_saves_nothing_when_one_row_is_bad(personas: Personas, shop: Service) -> None:
    text = hourly(5) + f"{(T0 + timedelta(hours=9)).isoformat()},-3\n"
    report = series_services.import_csv(actor=Actor(personas.admin), data=text, service="shop", metric="rps")
    assert [str(e) for e in report.errors] == ["line 7: '-3' is negative; traffic figures are zero or more"]
    assert report.summary == "1 problem; nothing was imported."
    assert MetricSeries.objects.count() == 0
    assert MetricPoint.objects.count() == 0
    assert SeriesImport.objects.count() == 0
    assert not AuditEntry.objects.filter(action__startswith="metric_series").exists()


def test_it_names_the_first_line_of_an_unknown_or_archived_service(personas: Personas, shop: Service) -> None:
    other = catalog.create_service(actor=Actor(personas.admin), name="Old", slug="old", owner=personas.team_a)
    Service.objects.filter(pk=other.pk).update(archived_at=T0)
    text = "timestamp,value,service\n2024-01-01T00:00Z,1,shop\n2024-01-01T00:00Z,1,nowhere\n2024-01-01T00:00Z,1,old\n"
    report = series_services.import_csv(actor=Actor(personas.admin), data=text, metric="rps")
    assert [str(e) for e in report.errors] == [
        "line 3: the service 'nowhere' does not exist in the catalog",
        "line 4: the service 'old' is archived in the catalog",
    ]
    assert MetricPoint.objects.count() == 0


def test_a_dry_run_counts_and_writes_nothing(personas: Personas, shop: Service) -> None:
    actor = Actor(personas.admin)
    series_services.import_csv(actor=actor, data=hourly(2), service="shop", metric="rps")
    report = series_services.import_csv(
        actor=actor, data=hourly(4, value=10), service="shop", metric="rps", dry_run=True
    )
    assert (report.counts.created, report.counts.updated, report.counts.unchanged) == (2, 0, 2)
    assert report.saved is False
    assert report.summary == "4 rows in 1 series: 2 points would be added, 0 changed, 2 already there."
    assert MetricPoint.objects.count() == 2
    assert SeriesImport.objects.count() == 1


@pytest.mark.parametrize("who", ["stakeholder", "viewer"])
def test_only_operators_import(personas: Personas, shop: Service, who: str) -> None:
    with pytest.raises(PermissionDenied):
        series_services.import_csv(actor=Actor(getattr(personas, who)), data=hourly(1), service="shop", metric="rps")
    assert MetricPoint.objects.count() == 0


def test_it_refuses_an_oversized_file(personas: Personas, shop: Service) -> None:
    with pytest.raises(CsvTooLarge):
        series_services.import_csv(
            actor=Actor(personas.admin), data=hourly(50), service="shop", metric="rps", max_bytes=200
        )
    assert MetricPoint.objects.count() == 0


def test_it_imports_more_points_than_one_batch(personas: Personas, shop: Service) -> None:
    count = series_services.BATCH * 2 + 7
    report = series_services.import_csv(actor=Actor(personas.admin), data=hourly(count), service="shop", metric="rps")
    assert report.counts.created == count
    assert MetricPoint.objects.count() == count


def test_history_is_a_utc_float_series_in_one_query(
    personas: Personas, shop: Service, django_assert_num_queries: object
) -> None:
    text = "timestamp,value\n2024-01-01T02:00+01:00,2\n2024-01-01T00:00Z,0\n2024-01-01T02:00Z,3\n"
    series_services.import_csv(actor=Actor(personas.admin), data=text, service="shop", metric="rps")
    series = MetricSeries.objects.get()
    with django_assert_num_queries(1):  # type: ignore[operator]
        values = series_services.history(series)
    expected = pd.Series(
        [0.0, 2.0, 3.0],
        index=pd.DatetimeIndex(["2024-01-01T00:00Z", "2024-01-01T01:00Z", "2024-01-01T02:00Z"]).tz_convert("UTC"),
    )
    pd.testing.assert_series_equal(values, expected)
    assert str(values.index.tz) == "UTC"
    since = series_services.history(series, since=T0 + timedelta(hours=1))
    assert list(since) == [2.0, 3.0]


def test_history_of_an_empty_series_is_empty(personas: Personas, shop: Service) -> None:
    series = MetricSeries.objects.create(service=shop, metric="rps")
    values = series_services.history(series)
    assert values.empty
    assert values.dtype == "float64"
    assert str(values.index.tz) == "UTC"


def test_main_series_prefers_the_unit_of_production_capacity(personas: Personas, shop: Service) -> None:
    assert series_services.main_series(shop) is None
    first = MetricSeries.objects.create(service=shop, metric="a_jobs", unit="jobs/min")
    matching = MetricSeries.objects.create(service=shop, metric="b_requests", unit="Requests/s")
    assert series_services.main_series(shop) == first
    admin = Actor(personas.admin)
    production = Environment.objects.get(slug="production")  # made by the catalog's migrations
    catalog.set_capacity(
        actor=admin,
        component=shop,
        environment=production,
        instances=2,
        per_instance_capacity=Decimal(5),
        unit="requests/s",
    )
    assert series_services.main_series(shop) == matching


def test_stats_give_count_first_last_and_largest_gap(personas: Personas, shop: Service) -> None:
    text = "timestamp,value\n2024-01-01T00:00Z,1\n2024-01-01T01:00Z,1\n2024-01-01T05:00Z,1\n2024-01-01T06:00Z,1\n"
    series_services.import_csv(actor=Actor(personas.admin), data=text, service="shop", metric="rps")
    stats = series_services.stats(MetricSeries.objects.get())
    assert stats.points == 4
    assert stats.first == T0
    assert stats.last == T0 + timedelta(hours=6)
    assert stats.largest_gap == timedelta(hours=4)
    assert stats.largest_gap_after == T0 + timedelta(hours=1)
