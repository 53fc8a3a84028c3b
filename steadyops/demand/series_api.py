"""The metric history API: series, their points, CSV imports, Prometheus servers and pulls.

Mounted under /api/v1/demand/ by the demand router. Thin: every change goes through series_services.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from steadyops.api.errors import ApiError, field_error
from steadyops.api.pagination import Page, PageParams, paginate
from steadyops.api.schemas import NO_NUL, Error, InputSchema, Slug
from steadyops.catalog.models import Service
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.demand import csvseries, series_services
from steadyops.demand.models import MetricPoint, MetricSeries, PrometheusSource
from steadyops.demand.models.series import QUERY_MAX, STEP_MAX_SECONDS, UNIT_MAX

router = Router()

MAX_ID = 2**31 - 1
POINTS_MAX = 10_000
CSV_TYPES = ("text/csv", "text/plain", "application/csv")


class SeriesOut(Schema):
    id: int
    service: str | None = Field(description="The service's slug; null for the whole site.")
    metric: str
    unit: str
    source: str = Field(description="csv or prometheus")
    prometheus: int | None = Field(description="The Prometheus server's id, for pulled series.")
    query: str
    step_seconds: int
    refresh_minutes: int | None
    last_pulled_at: datetime | None
    last_error: str
    last_skipped: int
    created_at: datetime

    @staticmethod
    def resolve_service(series: MetricSeries) -> str | None:
        return series.service.slug if series.service is not None else None

    @staticmethod
    def resolve_prometheus(series: MetricSeries) -> int | None:
        return series.prometheus_id


class SeriesListOut(SeriesOut):
    points: int
    first: datetime | None
    last: datetime | None

    @staticmethod
    def resolve_points(series: Any) -> int:
        return int(series.point_count)

    @staticmethod
    def resolve_first(series: Any) -> datetime | None:
        return series.first_at  # type: ignore[no-any-return]

    @staticmethod
    def resolve_last(series: Any) -> datetime | None:
        return series.last_at  # type: ignore[no-any-return]


class PointOut(Schema):
    at: datetime
    value: float


class PointsOut(Schema):
    items: list[PointOut]
    next_start: datetime | None = Field(description="Ask again from here for the next points; null at the end.")


class PointFilters(Schema):
    start: datetime | None = Field(None, description="From this moment (inclusive); with a time zone.")
    end: datetime | None = Field(None, description="Up to this moment (inclusive); with a time zone.")
    limit: int = Field(1000, ge=1, le=POINTS_MAX)


class ImportOptions(Schema):
    service: str = Field("", max_length=50, description="Service slug, unless the file has a service column.")
    metric: str = Field("", max_length=50, description="Metric name, unless the file has a metric column.")
    unit: str = Field("", max_length=UNIT_MAX, pattern=NO_NUL)
    timezone: str = Field("", max_length=64, description="IANA zone for timestamps without one, e.g. Europe/Berlin.")
    dry_run: bool = Field(False, description="Check and count; save nothing.")


class LineErrorOut(Schema):
    line: int
    message: str


class ImportOut(Schema):
    saved: bool
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    series: list[str]
    new_series: list[str]
    summary: str


class SourceIn(InputSchema):
    name: str = Field(min_length=1, max_length=100, pattern=NO_NUL)
    base_url: str = Field(min_length=1, max_length=500, pattern=NO_NUL)
    auth_header: str = Field("", max_length=1000, description="Write-only: never returned.")
    timeout_seconds: int = Field(10, ge=1, le=120)


class SourceOut(Schema):
    id: int
    name: str
    base_url: str
    auth_header_set: bool
    timeout_seconds: int
    created_at: datetime

    @staticmethod
    def resolve_auth_header_set(source: PrometheusSource) -> bool:
        return bool(source.auth_header)


class PrometheusSeriesIn(InputSchema):
    service: Slug | None = Field(None, description="Service slug; null for the whole site.")
    metric: str = Field(min_length=1, max_length=50)
    source: int = Field(ge=1, le=MAX_ID, description="The Prometheus server's id.")
    query: str = Field(min_length=1, max_length=QUERY_MAX, pattern=NO_NUL)
    unit: str = Field("", max_length=UNIT_MAX, pattern=NO_NUL)
    step_seconds: int = Field(3600, ge=1, le=STEP_MAX_SECONDS)
    refresh_minutes: int | None = Field(
        60, description="Pull every so many minutes (5 to 10080); null: only on demand."
    )


class PullOut(Schema):
    created: int
    updated: int
    unchanged: int
    skipped: int = Field(description="Values left out as gaps: NaN, infinite or negative.")
    start: datetime | None
    end: datetime | None
    summary: str


def _series(series_id: int) -> MetricSeries:
    if not 1 <= series_id <= MAX_ID:
        raise ApiError(404)
    return get_object_or_404(MetricSeries.objects.select_related("service", "prometheus"), pk=series_id)


def _readable(request: HttpRequest) -> None:
    if not permissions.can_view(request.user):  # type: ignore[arg-type]
        raise ApiError(403)


@router.get("/series", response=Page[SeriesListOut], url_name="demand_series")
def list_series(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """Every series with its number of points and its first and last moment."""
    _readable(request)
    return paginate(series_services.series_list(), paging)


@router.get("/series/{int:series_id}", response=SeriesOut, url_name="demand_series_one")
def get_series(request: HttpRequest, series_id: int) -> MetricSeries:
    """One series."""
    _readable(request)
    return _series(series_id)


@router.get("/series/{int:series_id}/points", response=PointsOut, url_name="demand_series_points")
def get_points(request: HttpRequest, series_id: int, filters: Query[PointFilters]) -> dict[str, Any]:
    """A series' points, oldest first, at most `limit` at a time; ask again from next_start for more."""
    _readable(request)
    series = _series(series_id)
    for name in ("start", "end"):
        moment = getattr(filters, name)
        if moment is not None and moment.tzinfo is None:
            message = "Give a time zone, such as 2024-01-01T00:00:00Z."
            raise ApiError(422, f"{name}: {message}", details=[field_error(name, message, "query")])
    points = MetricPoint.objects.filter(series=series).order_by("at")
    if filters.start is not None:
        points = points.filter(at__gte=filters.start)
    if filters.end is not None:
        points = points.filter(at__lte=filters.end)
    rows = list(points.values_list("at", "value")[: filters.limit + 1])
    next_start = rows[filters.limit][0] if len(rows) > filters.limit else None
    return {"items": [{"at": at, "value": value} for at, value in rows[: filters.limit]], "next_start": next_start}


@router.post(
    "/series/import",
    response={200: ImportOut, 201: ImportOut, 413: Error, 415: Error},
    url_name="demand_series_import_csv",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
                },
            },
        }
    },
)
def import_csv(request: HttpRequest, options: Query[ImportOptions]) -> Status:
    """Import a CSV file (a text/csv body, or a multipart upload named file), all or nothing.

    A problem in the file is a 422 whose details name each line; a saved import is a 201, a dry run a 200.
    """
    if not permissions.can_manage_metrics(request.user):  # type: ignore[arg-type]
        raise ApiError(403, "Only operators and administrators import metric history.")
    data, name = _csv_body(request)
    zone = None
    if options.timezone:
        try:
            zone = ZoneInfo(options.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            message = "This is not a time zone name such as Europe/Berlin or UTC."
            raise ApiError(422, f"timezone: {message}", details=[field_error("timezone", message, "query")]) from None
    limit = min(csvseries.MAX_BYTES, settings.API_MAX_BODY_BYTES)
    try:
        report = series_services.import_csv(
            actor=Actor.of_request(request),
            data=data,
            file_name=name,
            default_zone=zone,
            service=options.service,
            metric=options.metric,
            unit=options.unit,
            dry_run=options.dry_run,
            max_bytes=limit,
        )
    except csvseries.CsvTooLarge as error:
        raise ApiError(413, str(error), details={"limit": limit}) from None
    if report.errors:
        details = [field_error(f"line {e.line}" if e.line else None, e.message, "body") for e in report.errors]
        raise ApiError(422, report.summary + " " + str(report.errors[0]), details=details)
    body = {
        "saved": report.saved,
        "dry_run": report.dry_run,
        "rows": report.rows,
        "created": report.counts.created,
        "updated": report.counts.updated,
        "unchanged": report.counts.unchanged,
        "series": report.series,
        "new_series": report.new_series,
        "summary": report.summary,
    }
    return Status(201 if report.saved else 200, body)


def _csv_body(request: HttpRequest) -> tuple[bytes, str]:
    content_type = (request.content_type or "").lower()
    if content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            message = "Send the CSV file in a form field named file."
            raise ApiError(422, f"file: {message}", details=[field_error("file", message, "body")])
        if upload.size is not None and upload.size > csvseries.MAX_BYTES:
            raise ApiError(413, "The file is larger than the import limit.")
        return upload.read(csvseries.MAX_BYTES + 1), upload.name or ""
    if content_type in CSV_TYPES:
        return request.body, ""
    raise ApiError(
        415, "Send the CSV as a text/csv body or a multipart/form-data upload named file.", code="unsupported"
    )


@router.get("/prometheus-sources", response=Page[SourceOut], url_name="demand_prometheus_sources")
def list_sources(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """Prometheus servers history is pulled from. Authorization headers are never returned."""
    _readable(request)
    return paginate(PrometheusSource.objects.order_by("name", "pk"), paging)


@router.post("/prometheus-sources", response={201: SourceOut}, url_name="demand_prometheus_sources")
def create_source(request: HttpRequest, payload: SourceIn) -> Status:
    """Add a Prometheus server. The Authorization header value is kept secret."""
    source = series_services.create_source(actor=Actor.of_request(request), **payload.dict())
    return Status(201, source)


@router.post("/series/prometheus", response={201: SeriesOut}, url_name="demand_series_prometheus")
def create_prometheus_series(request: HttpRequest, payload: PrometheusSeriesIn) -> Status:
    """Add a series pulled from Prometheus with a query that returns one series."""
    service = None
    if payload.service is not None:
        service = Service.objects.filter(slug=payload.service).first()
        if service is None:
            message = "There is no service with this slug."
            raise ApiError(422, f"service: {message}", details=[field_error("service", message, "body")])
    source = PrometheusSource.objects.filter(pk=payload.source).first()
    if source is None:
        message = "There is no Prometheus server with this id."
        raise ApiError(422, f"source: {message}", details=[field_error("source", message, "body")])
    series = series_services.create_prometheus_series(
        actor=Actor.of_request(request),
        service=service,
        metric=payload.metric,
        source=source,
        query=payload.query,
        unit=payload.unit,
        step_seconds=payload.step_seconds,
        refresh_minutes=payload.refresh_minutes,
    )
    return Status(201, _series(series.pk))


@router.post("/series/{int:series_id}/pull", response={200: PullOut, 502: Error}, url_name="demand_series_pull_now")
def pull_now(request: HttpRequest, series_id: int) -> dict[str, Any]:
    """Fetch new points from Prometheus now. A failure from Prometheus is a 502 with its message; nothing is saved."""
    series = _series(series_id)
    report = series_services.pull(actor=Actor.of_request(request), series=series)
    if report.error:
        raise ApiError(502, report.summary, code="upstream_error")
    counts = report.counts
    return {
        "created": counts.created,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "skipped": report.skipped,
        "start": report.start,
        "end": report.end,
        "summary": report.summary,
    }
