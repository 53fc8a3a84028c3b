"""The metric history pages: list, detail, CSV upload with preview, Prometheus servers and series, pull now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from steadyops.catalog import services as catalog
from steadyops.catalog.models import Service
from steadyops.core.actor import Actor
from steadyops.demand import csvseries, series_services
from steadyops.demand.models import MetricPoint, MetricSeries, PrometheusSource
from steadyops.demand.tests.test_prometheus_client import FakePrometheus, matrix
from steadyops.testing.personas import Personas

T0 = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def shop(personas: Personas) -> Service:
    return catalog.create_service(actor=Actor(personas.admin), name="Shop", slug="shop", owner=personas.team_a)


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def upload(text: str | bytes, name: str = "history.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text, content_type="text/csv")


GOOD = "timestamp,value\n2024-01-01T00:00Z,5\n2024-01-01T01:00Z,6\n"


def test_the_list_shows_each_series_in_bounded_queries(
    personas: Personas, shop: Service, django_assert_max_num_queries: object
) -> None:
    for index in range(12):
        series = MetricSeries.objects.create(service=shop, metric=f"m{index}")
        MetricPoint.objects.create(series=series, at=T0, value=index)
    client = signed_in(personas.viewer)
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        response = client.get(reverse("demand_series_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('href="/demand/series/') == 12
    assert "Import a CSV file" not in body


def test_the_detail_shows_counts_gap_and_the_forecast_link(personas: Personas, shop: Service) -> None:
    hours = [hour for hour in range(60) if hour not in (30, 31, 32)]
    text = "timestamp,value\n" + "".join(f"{(T0 + timedelta(hours=h)).isoformat()},5\n" for h in hours)
    series_services.import_csv(actor=Actor(personas.admin), data=text, service="shop", metric="rps")
    series = MetricSeries.objects.get()
    response = signed_in(personas.stakeholder).get(reverse("demand_series_detail", args=[series.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<dt>Points</dt><dd>57</dd>" in body
    assert "4:00:00 after 2 Jan 2024 05:00" in body
    assert "1 gap filled from the same hours of nearby days, 0 unusual points damped" in body
    assert reverse("demand_service_demand", kwargs={"slug": "shop"}) in body
    assert "Pull now" not in body


def test_checking_a_file_shows_counts_and_saves_nothing(personas: Personas, shop: Service) -> None:
    response = signed_in(personas.operator_b).post(
        reverse("demand_series_import"),
        {"file": upload(GOOD), "service": "shop", "metric": "rps", "timezone": "", "action": "check"},
    )
    assert response.status_code == 200
    assert "2 rows in 1 series: 2 points would be added, 0 changed, 0 already there." in response.content.decode()
    assert MetricSeries.objects.count() == 0


def test_importing_a_file_saves_it_and_goes_to_the_list(personas: Personas, shop: Service) -> None:
    client = signed_in(personas.operator_a)
    response = client.post(
        reverse("demand_series_import"),
        {"file": upload(GOOD), "service": "shop", "metric": "rps", "timezone": "", "action": "import"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("demand_series_list")
    assert MetricPoint.objects.count() == 2
    assert "2 points were added" in client.get(response["Location"]).content.decode()


def test_a_bad_file_is_named_by_line_and_saves_nothing(personas: Personas, shop: Service) -> None:
    text = GOOD + "2024-01-01 02:00,7\n2024-01-01T03:00Z,NaN\n"
    response = signed_in(personas.admin).post(
        reverse("demand_series_import"),
        {"file": upload(text), "service": "shop", "metric": "rps", "timezone": "", "action": "import"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "line 4: &#x27;2024-01-01 02:00&#x27; has no time zone" in body
    assert "line 5: &#x27;NaN&#x27; is not a finite number" in body
    assert "2 problems; nothing was imported." in body
    assert MetricPoint.objects.count() == 0


def test_the_time_zone_select_reads_zoneless_timestamps(personas: Personas, shop: Service) -> None:
    signed_in(personas.admin).post(
        reverse("demand_series_import"),
        {"file": upload("ds,y\n2024-07-01,3\n"), "service": "shop", "metric": "rps", "timezone": "Europe/Berlin"},
    )
    assert list(MetricPoint.objects.values_list("at", flat=True)) == [datetime(2024, 6, 30, 22, tzinfo=UTC)]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "Select a valid choice"),
        ({"service": "<script>"}, "service", "Select a valid choice"),
        ({"file": None}, "file", "This field is required"),
    ],
)
def test_bad_form_values_are_refused(
    personas: Personas, shop: Service, fields: dict[str, object], field: str, message: str
) -> None:
    data: dict[str, object] = {"file": upload(GOOD), "service": "shop", "metric": "rps", "timezone": "", **fields}
    data = {key: value for key, value in data.items() if value is not None}
    response = signed_in(personas.admin).post(reverse("demand_series_import"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert MetricPoint.objects.count() == 0


def test_an_oversized_file_gets_a_clear_message(
    personas: Personas, shop: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csvseries, "MAX_BYTES", 40)
    monkeypatch.setattr("steadyops.demand.series_forms.MAX_BYTES", 40)
    response = signed_in(personas.admin).post(
        reverse("demand_series_import"), {"file": upload(GOOD), "service": "shop", "metric": "rps", "timezone": ""}
    )
    assert response.status_code == 400
    assert "The file is larger than" in response.content.decode()
    assert MetricPoint.objects.count() == 0


def test_a_file_that_is_not_utf8_is_named(personas: Personas, shop: Service) -> None:
    data = "timestamp,value\n2024-01-01T00:00Z,1 é\n".encode("utf-16")
    response = signed_in(personas.admin).post(
        reverse("demand_series_import"), {"file": upload(data), "service": "shop", "metric": "rps", "timezone": ""}
    )
    assert response.status_code == 400
    assert "line 1: this line is not UTF-8 text" in response.content.decode()


@pytest.mark.parametrize("who", ["stakeholder", "viewer"])
def test_only_operators_reach_the_forms(personas: Personas, who: str) -> None:
    client = signed_in(getattr(personas, who))
    for name in ("demand_series_import", "demand_series_create_prometheus", "demand_prometheus_source_create"):
        assert client.get(reverse(name)).status_code == 403


def test_the_source_secret_is_never_shown_back(personas: Personas) -> None:
    client = signed_in(personas.operator_a)
    response = client.post(
        reverse("demand_prometheus_source_create"),
        {"name": "Main", "base_url": "http://127.0.0.1:9", "auth_header": "Bearer hunter2", "timeout_seconds": "5"},
    )
    assert response.status_code == 302
    source = PrometheusSource.objects.get()
    assert source.auth_header == "Bearer hunter2"
    page = client.get(reverse("demand_prometheus_source_edit", args=[source.pk])).content.decode()
    assert "hunter2" not in page
    assert "A header is set." in page
    assert "hunter2" not in client.get(reverse("demand_series_list")).content.decode()
    response = client.post(
        reverse("demand_prometheus_source_edit", args=[source.pk]),
        {"name": "Main", "base_url": "http://127.0.0.1:9", "auth_header": "", "timeout_seconds": "7"},
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert (source.auth_header, source.timeout_seconds) == ("Bearer hunter2", 7)


def test_a_bad_source_address_is_refused_next_to_its_field(personas: Personas) -> None:
    response = signed_in(personas.admin).post(
        reverse("demand_prometheus_source_create"),
        {"name": "x", "base_url": "file:///etc/passwd", "timeout_seconds": "5"},
    )
    assert response.status_code == 400
    assert "starting with http:// or https://" in response.content.decode()
    assert PrometheusSource.objects.count() == 0


def test_setting_up_a_prometheus_series_and_pulling_now(personas: Personas, shop: Service) -> None:
    fake = FakePrometheus()
    try:
        source = series_services.create_source(actor=Actor(personas.admin), name="Main", base_url=fake.url)
        client = signed_in(personas.operator_b)
        response = client.post(
            reverse("demand_series_create_prometheus"),
            {
                "service": "shop",
                "metric": "rps",
                "source": source.pk,
                "query": "sum(rate(x[5m]))",
                "step_seconds": "3600",
                "refresh_minutes": "",
            },
        )
        assert response.status_code == 302
        series = MetricSeries.objects.get()
        assert (series.refresh_minutes, series.next_pull_at) == (None, None)
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
        fake.replies = [(200, matrix([(hour.timestamp(), "9")]), 0)]
        response = client.post(reverse("demand_series_pull", args=[series.pk]), follow=True)
        assert "1 points added, 0 changed, 0 already there." in response.content.decode()
        fake.replies = [(400, {"status": "error", "errorType": "bad_data", "error": "parse error"}, 0)]
        series.points.all().delete()
        response = client.post(reverse("demand_series_pull", args=[series.pk]), follow=True)
        assert "The pull failed; nothing was saved. Prometheus refused the query (bad_data): parse error" in (
            response.content.decode()
        )
    finally:
        fake.stop()


def test_pulling_a_csv_series_explains_why_not(personas: Personas, shop: Service) -> None:
    series = MetricSeries.objects.create(service=shop, metric="rps")
    response = signed_in(personas.admin).post(reverse("demand_series_pull", args=[series.pk]), follow=True)
    assert "it has no Prometheus query to pull" in response.content.decode()
