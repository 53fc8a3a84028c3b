"""The metric history API: series, points, CSV import (text/csv and multipart), sources, Prometheus series, pull."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from steadyops.api.testing import assert_error, client_for, send
from steadyops.catalog import services as catalog
from steadyops.catalog.models import Service
from steadyops.core.actor import Actor
from steadyops.demand import series_services
from steadyops.demand.models import MetricPoint, MetricSeries, PrometheusSource
from steadyops.demand.tests.test_prometheus_client import FakePrometheus, matrix
from steadyops.testing.personas import Personas

BASE = "/api/v1/demand"
T0 = datetime(2024, 1, 1, tzinfo=UTC)
GOOD = "timestamp,value\n2024-01-01T00:00Z,5\n2024-01-01T01:00Z,6\n"


@pytest.fixture
def shop(personas: Personas) -> Service:
    return catalog.create_service(actor=Actor(personas.admin), name="Shop", slug="shop", owner=personas.team_a)


def csv_post(client: object, body: str | bytes, query: str = "?service=shop&metric=rps") -> object:
    return client.post(f"{BASE}/series/import{query}", data=body, content_type="text/csv")  # type: ignore[attr-defined]


def test_it_imports_a_text_csv_body(personas: Personas, shop: Service) -> None:
    response = csv_post(client_for(personas.operator_a), GOOD)
    assert response.status_code == 201  # type: ignore[attr-defined]
    assert response.json() == {  # type: ignore[attr-defined]
        "saved": True,
        "dry_run": False,
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "series": ["shop / rps"],
        "new_series": ["shop / rps"],
        "summary": "2 rows in 1 series: 2 points were added, 0 changed, 0 already there.",
    }
    assert MetricPoint.objects.count() == 2


def test_it_imports_a_multipart_upload_as_a_dry_run(personas: Personas, shop: Service) -> None:
    client = client_for(personas.admin)
    upload = SimpleUploadedFile("h.csv", GOOD.encode(), content_type="text/csv")
    response = client.post(f"{BASE}/series/import?service=shop&metric=rps&dry_run=true", {"file": upload})
    assert response.status_code == 200
    assert (response.json()["saved"], response.json()["created"]) == (False, 2)
    assert MetricPoint.objects.count() == 0


def test_a_bad_file_is_a_422_naming_each_line_and_saves_nothing(personas: Personas, shop: Service) -> None:
    response = csv_post(client_for(personas.admin), GOOD + "2024-01-01T02:00Z,-1\n2024-01-01T00:00Z,1\n")
    error = assert_error(response, 422, "invalid")
    assert error["details"] == [
        {"field": "line 4", "location": "body", "message": "'-1' is negative; traffic figures are zero or more"},
        {
            "field": "line 5",
            "location": "body",
            "message": "2024-01-01T00:00:00+00:00 for shop / rps is already on line 2",
        },
    ]
    assert MetricSeries.objects.count() == 0


@override_settings(API_MAX_BODY_BYTES=1024)
def test_an_oversized_body_is_a_413(personas: Personas, shop: Service) -> None:
    body = "timestamp,value\n" + "".join(f"{1700000000 + i * 3600},1\n" for i in range(100))
    assert_error(csv_post(client_for(personas.admin), body), 413, "too_large")
    assert MetricPoint.objects.count() == 0


@pytest.mark.parametrize(
    ("query", "body", "status", "code"),
    [
        ("?service=shop&metric=rps&timezone=Mars/Base", GOOD, 422, "invalid"),
        ("?service=shop&metric=rps&timezone=../../etc/passwd", GOOD, 422, "invalid"),
        ("?service=nowhere&metric=rps", GOOD, 422, "invalid"),
        ("?service=shop&metric=rps", "ds,y\n", 422, "invalid"),
        ("?service=shop&metric=rps", "timestamp,value\n2024-01-01 00:00,1\n", 422, "invalid"),
        ("?service=shop&metric=rps", "timestamp,value\n2024-01-01T00:00Z,1\n".encode("utf-16"), 422, "invalid"),
        ("?service=shop&metric=" + "m" * 51, GOOD, 422, "invalid"),
    ],
)
def test_bad_imports_are_refused(
    personas: Personas, shop: Service, query: str, body: str | bytes, status: int, code: str
) -> None:
    assert_error(csv_post(client_for(personas.admin), body, query), status, code)
    assert MetricPoint.objects.count() == 0


def test_a_json_body_is_a_415(personas: Personas, shop: Service) -> None:
    response = send(client_for(personas.admin), "POST", f"{BASE}/series/import?service=shop&metric=rps", {"a": 1})
    assert_error(response, 415, "unsupported")


def test_a_multipart_without_file_is_a_422(personas: Personas, shop: Service) -> None:
    response = client_for(personas.admin).post(f"{BASE}/series/import?service=shop", {"other": "x"})
    assert_error(response, 422, "invalid")


@pytest.mark.parametrize("who", ["stakeholder", "viewer"])
def test_only_operators_import(personas: Personas, shop: Service, who: str) -> None:
    assert_error(csv_post(client_for(getattr(personas, who)), GOOD), 403, "forbidden")


def test_list_get_and_points_with_a_cursor(personas: Personas, shop: Service) -> None:
    text = "timestamp,value\n" + "".join(f"{(T0 + timedelta(hours=i)).isoformat()},{i}\n" for i in range(5))
    series_services.import_csv(actor=Actor(personas.admin), data=text, service="shop", metric="rps")
    series = MetricSeries.objects.get()
    client = client_for(personas.viewer, scopes=["read"])
    listed = client.get(f"{BASE}/series").json()
    assert listed["count"] == 1
    item = listed["items"][0]
    assert (item["service"], item["metric"], item["points"], item["first"]) == (
        "shop",
        "rps",
        5,
        "2024-01-01T00:00:00Z",
    )
    assert client.get(f"{BASE}/series/{series.pk}").json()["source"] == "csv"
    page = client.get(f"{BASE}/series/{series.pk}/points?limit=2&start=2024-01-01T01:00:00Z").json()
    assert page == {
        "items": [{"at": "2024-01-01T01:00:00Z", "value": 1.0}, {"at": "2024-01-01T02:00:00Z", "value": 2.0}],
        "next_start": "2024-01-01T03:00:00Z",
    }
    last = client.get(f"{BASE}/series/{series.pk}/points?start=2024-01-01T03:00:00Z&end=2024-01-01T04:00:00Z").json()
    assert (len(last["items"]), last["next_start"]) == (2, None)
    assert_error(client.get(f"{BASE}/series/{series.pk}/points?start=2024-01-01T03:00:00"), 422, "invalid")
    assert_error(client.get(f"{BASE}/series/{series.pk}/points?limit=10001"), 422, "invalid")
    assert_error(client.get(f"{BASE}/series/999999"), 404, "not_found")
    assert_error(client.get(f"{BASE}/series/99999999999"), 404, "not_found")


def test_sources_and_prometheus_series_and_pull_now(personas: Personas, shop: Service) -> None:
    fake = FakePrometheus()
    try:
        client = client_for(personas.operator_b)
        response = send(
            client,
            "POST",
            f"{BASE}/prometheus-sources",
            {"name": "Main", "base_url": fake.url, "auth_header": "Bearer z"},
        )
        assert response.status_code == 201
        body = response.json()
        assert body["auth_header_set"] is True
        assert "auth_header" not in body
        assert "Bearer z" not in client.get(f"{BASE}/prometheus-sources").content.decode()
        payload = {"service": "shop", "metric": "rps", "source": body["id"], "query": "up", "refresh_minutes": None}
        response = send(client, "POST", f"{BASE}/series/prometheus", payload)
        assert response.status_code == 201
        series_id = response.json()["id"]
        assert response.json()["source"] == "prometheus"
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        fake.replies = [(200, matrix([(hour.timestamp(), "3"), ((hour - timedelta(hours=1)).timestamp(), "+Inf")]), 0)]
        pulled = send(client, "POST", f"{BASE}/series/{series_id}/pull")
        assert pulled.status_code == 200
        assert (pulled.json()["created"], pulled.json()["skipped"]) == (1, 1)
        fake.replies = [(400, {"status": "error", "errorType": "bad_data", "error": "parse error"}, 0)]
        MetricPoint.objects.all().delete()
        error = assert_error(send(client, "POST", f"{BASE}/series/{series_id}/pull"), 502, "upstream_error")
        assert (
            error["message"]
            == "The pull failed; nothing was saved. Prometheus refused the query (bad_data): parse error"
        )
        assert MetricPoint.objects.count() == 0
    finally:
        fake.stop()


@pytest.mark.parametrize(
    "payload",
    [
        {"service": "nowhere", "metric": "rps", "source": 1, "query": "up"},
        {"service": "shop", "metric": "rps", "source": 424242, "query": "up"},
        {"service": "shop", "metric": "Bad Metric", "source": 1, "query": "up"},
        {"service": "shop", "metric": "rps", "source": 1, "query": ""},
        {"service": "shop", "metric": "rps", "source": 1, "query": "up", "extra": 1},
        {"service": "shop", "metric": "rps", "source": 1, "query": "up", "refresh_minutes": 1},
    ],
)
def test_bad_prometheus_series_are_422(personas: Personas, shop: Service, payload: dict[str, object]) -> None:
    source = series_services.create_source(actor=Actor(personas.admin), name="P", base_url="http://127.0.0.1:9")
    payload = {**payload, "source": source.pk if payload["source"] == 1 else payload["source"]}
    assert_error(send(client_for(personas.admin), "POST", f"{BASE}/series/prometheus", payload), 422, "invalid")
    assert MetricSeries.objects.count() == 0


def test_bad_sources_are_422_and_not_saved(personas: Personas) -> None:
    client = client_for(personas.admin)
    for payload in (
        {"name": "P", "base_url": "gopher://x"},
        {"name": "", "base_url": "http://x"},
        {"name": "P", "base_url": "http://x", "auth_header": "a\nb"},
    ):
        assert_error(send(client, "POST", f"{BASE}/prometheus-sources", payload), 422, "invalid")
    assert PrometheusSource.objects.count() == 0
