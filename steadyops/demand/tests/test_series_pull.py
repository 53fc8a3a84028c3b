"""Pulling Prometheus series through the service: ranges, upserts, failures recorded, leases, the schedule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from steadyops.catalog import services as catalog
from steadyops.catalog.models import Service
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.demand import prometheus, series_services, series_tasks
from steadyops.demand.models import MetricPoint, MetricSeries, PrometheusSource
from steadyops.demand.tests.test_prometheus_client import FakePrometheus, matrix
from steadyops.testing.personas import Personas

T0 = datetime(2024, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def fake() -> Iterator[FakePrometheus]:
    server = FakePrometheus()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def shop(personas: Personas) -> Service:
    return catalog.create_service(actor=Actor(personas.admin), name="Shop", slug="shop", owner=personas.team_a)


@pytest.fixture
def source(personas: Personas, fake: FakePrometheus) -> PrometheusSource:
    return series_services.create_source(
        actor=Actor(personas.admin), name="Main", base_url=fake.url, auth_header="Bearer top-secret"
    )


def make_series(personas: Personas, shop: Service, source: PrometheusSource, refresh: int | None = 60) -> MetricSeries:
    return series_services.create_prometheus_series(
        actor=Actor(personas.operator_a),
        service=shop,
        metric="rps",
        source=source,
        query="sum(rate(http_requests_total[5m]))",
        refresh_minutes=refresh,
    )


def ts(moment: datetime) -> float:
    return moment.timestamp()


def test_a_first_pull_asks_for_90_days_on_the_hour_grid(
    personas: Personas, shop: Service, source: PrometheusSource, fake: FakePrometheus
) -> None:
    series = make_series(personas, shop, source)
    now = T0 + timedelta(minutes=30)
    fake.replies = [(200, matrix([(ts(T0 - HOUR), "5"), (ts(T0), "6")]), 0)]
    report = series_services.pull(actor=Actor(personas.operator_b), series=series, now=now)
    assert (report.start, report.end) == (T0 - timedelta(days=90), T0)
    assert report.counts.created == 2
    params, headers = fake.requests[0]
    assert params["step"] == ["3600s"]
    assert headers["Authorization"] == "Bearer top-secret"
    series.refresh_from_db()
    assert series.last_pulled_at == now
    assert series.next_pull_at == now + HOUR
    assert report.summary == "2 points added, 0 changed, 0 already there."
    assert AuditEntry.objects.filter(action="metric_series.pull", object_id=str(series.pk)).count() == 1


def test_a_later_pull_starts_one_step_after_the_last_point_and_upserts(
    personas: Personas, shop: Service, source: PrometheusSource, fake: FakePrometheus
) -> None:
    series = make_series(personas, shop, source)
    MetricPoint.objects.create(series=series, at=T0, value=1)
    fake.replies = [(200, matrix([(ts(T0 + HOUR), "2"), (ts(T0 + 2 * HOUR), "NaN")]), 0)]
    report = series_services.pull(actor=Actor(personas.admin), series=series, now=T0 + 2 * HOUR + timedelta(seconds=5))
    assert (report.start, report.end) == (T0 + HOUR, T0 + 2 * HOUR)
    assert (report.counts.created, report.skipped) == (1, 1)
    assert "1 values left out as gaps" in report.summary
    assert MetricSeries.objects.get(pk=series.pk).last_skipped == 1
    assert list(series.points.order_by("at").values_list("value", flat=True)) == [1.0, 2.0]


def test_nothing_to_ask_for_yet_makes_no_request(
    personas: Personas, shop: Service, source: PrometheusSource, fake: FakePrometheus
) -> None:
    series = make_series(personas, shop, source)
    MetricPoint.objects.create(series=series, at=T0, value=1)
    report = series_services.pull(actor=Actor(personas.admin), series=series, now=T0 + timedelta(minutes=59))
    assert report.ok
    assert report.counts.created == 0
    assert fake.requests == []


def test_a_failed_pull_records_the_error_and_saves_nothing(
    personas: Personas, shop: Service, source: PrometheusSource, fake: FakePrometheus, monkeypatch: pytest.MonkeyPatch
) -> None:
    series = make_series(personas, shop, source)
    MetricPoint.objects.create(series=series, at=T0, value=1)
    monkeypatch.setattr(prometheus, "CHUNK_POINTS", 2)
    error = {"status": "error", "errorType": "execution", "error": "too many samples"}
    # The first chunk succeeds, the second fails: the first chunk's points must not be saved either.
    fake.replies = [(200, matrix([(ts(T0 + HOUR), "1")]), 0), (422, error, 0)]
    report = series_services.pull(actor=Actor(personas.admin), series=series, now=T0 + 4 * HOUR)
    assert len(fake.requests) == 2
    assert report.error == "Prometheus refused the query (execution): too many samples"
    assert report.summary.startswith("The pull failed; nothing was saved.")
    assert MetricPoint.objects.count() == 1
    series.refresh_from_db()
    assert series.last_error == "Prometheus refused the query (execution): too many samples"
    assert series.last_pulled_at is None
    assert AuditEntry.objects.filter(action="metric_series.pull_failed").count() == 1


@pytest.mark.parametrize("who", ["stakeholder", "viewer"])
def test_only_operators_pull(personas: Personas, shop: Service, source: PrometheusSource, who: str) -> None:
    series = make_series(personas, shop, source)
    with pytest.raises(PermissionDenied):
        series_services.pull(actor=Actor(getattr(personas, who)), series=series)


def test_a_csv_series_cannot_be_pulled(personas: Personas, shop: Service) -> None:
    series = MetricSeries.objects.create(service=shop, metric="rps")
    with pytest.raises(ValidationError):
        series_services.pull(actor=Actor(personas.admin), series=series)


def test_two_claims_never_get_the_same_series(personas: Personas, shop: Service, source: PrometheusSource) -> None:
    due = make_series(personas, shop, source)
    MetricSeries.objects.create(service=shop, metric="manual", source="prometheus", prometheus=source, query="x")
    first = series_services.claim_due("one")
    second = series_services.claim_due("two")
    assert [s.pk for s in first] == [due.pk]
    assert second == []
    # An expired lease is claimed again.
    later = timezone.now() + series_services.LEASE + timedelta(seconds=1)
    assert [s.pk for s in series_services.claim_due("two", now=later)] == [due.pk]
    series_services.release(first[0])
    assert MetricSeries.objects.get(pk=due.pk).lease_owner != ""  # the second claim's lease is kept


def test_the_scheduled_refresh_pulls_due_series_as_steadyops(
    personas: Personas, shop: Service, source: PrometheusSource, fake: FakePrometheus
) -> None:
    series = make_series(personas, shop, source)
    fake.replies = [(200, matrix([(ts(timezone.now() - HOUR), "4")]), 0)]
    series_tasks.refresh_series.call_local()
    series.refresh_from_db()
    assert series.points.count() == 1
    assert series.lease_owner == ""
    assert series.lease_expires_at is None
    assert series.next_pull_at is not None
    assert series.next_pull_at > timezone.now() + timedelta(minutes=59)
    entry = AuditEntry.objects.get(action="metric_series.pull")
    assert entry.actor_label == "system: scheduled metric pull"
    # Not due again until its refresh interval has passed.
    assert series_tasks.refresh_due_series() == []
    assert len(fake.requests) == 1


def test_a_scheduled_failure_is_recorded_and_the_series_waits_its_interval(
    personas: Personas, shop: Service, source: PrometheusSource, fake: FakePrometheus
) -> None:
    series = make_series(personas, shop, source)
    fake.replies = [(400, {"status": "error", "errorType": "bad_data", "error": "parse error"}, 0)]
    reports = series_tasks.refresh_due_series()
    assert [r.error for r in reports] == ["Prometheus refused the query (bad_data): parse error"]
    series.refresh_from_db()
    assert series.last_error == "Prometheus refused the query (bad_data): parse error"
    assert series.lease_owner == ""
    assert series_tasks.refresh_due_series() == []


def test_sources_keep_the_header_secret_in_the_audit_log(personas: Personas, source: PrometheusSource) -> None:
    entry = AuditEntry.objects.get(action="prometheus_source.create")
    assert "top-secret" not in str(entry.after)
    assert entry.after["auth_header"] == "set"
    series_services.update_source(
        actor=Actor(personas.admin), source=source, name="Main", base_url=source.base_url, timeout_seconds=5
    )
    source.refresh_from_db()
    assert source.auth_header == "Bearer top-secret"
    series_services.update_source(
        actor=Actor(personas.admin),
        source=source,
        name="Main",
        base_url=source.base_url,
        timeout_seconds=5,
        clear_auth=True,
    )
    source.refresh_from_db()
    assert source.auth_header == ""
    assert "top-secret" not in str(list(AuditEntry.objects.values_list("before", "after")))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"base_url": "ftp://x"}, "base_url"),
        ({"base_url": "javascript:alert(1)"}, "base_url"),
        ({"base_url": "http://x/?q=1"}, "base_url"),
        ({"auth_header": "Bearer a\r\nX-Evil: 1"}, "auth_header"),
        ({"name": "a\x1b[31m"}, "name"),
    ],
)
def test_bad_sources_are_refused(personas: Personas, fields: dict[str, str], field: str) -> None:
    values = {"name": "P", "base_url": "http://127.0.0.1:9090", **fields}
    with pytest.raises(ValidationError) as raised:
        series_services.create_source(actor=Actor(personas.admin), **values)
    assert field in raised.value.message_dict
    assert PrometheusSource.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"metric": "Bad Name"}, "metric"),
        ({"query": ""}, "query"),
        ({"query": "x" * 2001}, "query"),
        ({"step_seconds": 0}, "step_seconds"),
        ({"refresh_minutes": 1}, "refresh_minutes"),
    ],
)
def test_bad_prometheus_series_are_refused(
    personas: Personas, shop: Service, source: PrometheusSource, fields: dict[str, object], field: str
) -> None:
    values: dict[str, object] = {"metric": "rps", "query": "up", **fields}
    with pytest.raises(ValidationError) as raised:
        series_services.create_prometheus_series(actor=Actor(personas.admin), service=shop, source=source, **values)  # type: ignore[arg-type]
    assert field in raised.value.message_dict
    assert MetricSeries.objects.count() == 0


def test_a_metric_name_is_used_once_per_service(personas: Personas, shop: Service, source: PrometheusSource) -> None:
    make_series(personas, shop, source)
    with pytest.raises(ValidationError) as raised:
        make_series(personas, shop, source)
    assert "metric" in raised.value.message_dict
