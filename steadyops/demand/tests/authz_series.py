"""Who may reach each metric history URL, and the world those URLs need."""

from __future__ import annotations

from dataclasses import dataclass

from steadyops.catalog import services as catalog
from steadyops.core.actor import Actor
from steadyops.demand import series_services
from steadyops.demand.models import MetricSeries, PrometheusSource
from steadyops.testing.authz import API_READ, OPERATOR_PAGE, SIGNED_IN_PAGE, Case, by_role, everyone
from steadyops.testing.personas import Personas

OPERATOR_FORM_ERROR = by_role(400, 400, 400, 403, 403, 302)
OPERATOR_POST = by_role(302, 302, 302, 403, 403, 302)
OPERATOR_API_CREATE = by_role(201, 201, 201, 403, 403, 401)
CSV = "timestamp,value\n2024-01-01T00:00:00Z,5\n2024-01-01T01:00:00Z,6\n"


@dataclass
class World:
    personas: Personas
    csv_series: MetricSeries  # shop / rps, imported from a file
    pulled_series: MetricSeries  # shop / errors, from Prometheus at an address nothing listens on
    source: PrometheusSource


def make_world(personas: Personas) -> World:
    admin = Actor(personas.admin)
    catalog.create_service(actor=admin, name="Shop", slug="shop", owner=personas.team_a, user_facing=True)
    series_services.import_csv(actor=admin, data=CSV, service="shop", metric="rps")
    source = series_services.create_source(
        actor=admin, name="Main", base_url="http://127.0.0.1:9", auth_header="Bearer secret"
    )
    pulled = series_services.create_prometheus_series(
        actor=admin, service=None, metric="errors", source=source, query="sum(up)", refresh_minutes=None
    )
    return World(personas, MetricSeries.objects.get(metric="rps"), pulled, source)


CASES: dict[str, list[Case]] = {
    "demand_series_list": [Case("GET", SIGNED_IN_PAGE)],
    "demand_series_detail": [
        Case("GET", SIGNED_IN_PAGE, kwargs=lambda w: {"pk": w.csv_series.pk}),
        Case("GET", SIGNED_IN_PAGE, kwargs=lambda w: {"pk": w.pulled_series.pk}),
        Case("GET", everyone(404, anonymous=302), kwargs=lambda w: {"pk": 999_999}),
    ],
    "demand_series_import": [Case("GET", OPERATOR_PAGE), Case("POST", OPERATOR_FORM_ERROR)],
    "demand_series_create_prometheus": [Case("GET", OPERATOR_PAGE), Case("POST", OPERATOR_FORM_ERROR)],
    "demand_series_pull": [
        # A series from a file cannot be pulled: operators are sent back to it with the reason.
        Case("POST", OPERATOR_POST, kwargs=lambda w: {"pk": w.csv_series.pk}),
        Case("GET", by_role(405, 405, 405, 405, 405, 302), kwargs=lambda w: {"pk": w.csv_series.pk}),
        Case("POST", by_role(404, 404, 404, 404, 404, 302), kwargs=lambda w: {"pk": 999_999}),
    ],
    "demand_prometheus_source_create": [Case("GET", OPERATOR_PAGE), Case("POST", OPERATOR_FORM_ERROR)],
    "demand_prometheus_source_edit": [
        Case("GET", OPERATOR_PAGE, kwargs=lambda w: {"pk": w.source.pk}),
        Case("POST", OPERATOR_FORM_ERROR, kwargs=lambda w: {"pk": w.source.pk}),
        Case(
            "POST",
            OPERATOR_POST,
            kwargs=lambda w: {"pk": w.source.pk},
            data=lambda w: {"name": "Main", "base_url": "http://127.0.0.1:9", "timeout_seconds": "5"},
        ),
    ],
    "api:demand_series": [Case("GET", API_READ, json=True)],
    "api:demand_series_one": [
        Case("GET", API_READ, json=True, kwargs=lambda w: {"series_id": w.csv_series.pk}),
        Case("GET", everyone(404, anonymous=401), json=True, kwargs=lambda w: {"series_id": 999_999}),
    ],
    "api:demand_series_points": [Case("GET", API_READ, json=True, kwargs=lambda w: {"series_id": w.csv_series.pk})],
    # The matrix sends JSON: those allowed get past authorization to "send CSV" (415).
    "api:demand_series_import_csv": [Case("POST", by_role(415, 415, 415, 403, 403, 401), json=True)],
    "api:demand_prometheus_sources": [
        Case("GET", API_READ, json=True),
        Case(
            "POST",
            OPERATOR_API_CREATE,
            json=True,
            data=lambda w: {"name": "Second", "base_url": "http://127.0.0.1:9"},
        ),
    ],
    "api:demand_series_prometheus": [
        Case(
            "POST",
            OPERATOR_API_CREATE,
            json=True,
            data=lambda w: {"service": "shop", "metric": "orders", "source": w.source.pk, "query": "sum(up)"},
        ),
    ],
    # A series from a file has nothing to pull: those allowed get past authorization to a 422.
    "api:demand_series_pull_now": [
        Case("POST", by_role(422, 422, 422, 403, 403, 401), json=True, kwargs=lambda w: {"series_id": w.csv_series.pk}),
    ],
}
