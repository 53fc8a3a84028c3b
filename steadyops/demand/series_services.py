"""Domain operations on metric history: reading it, importing CSV files, and pulling from Prometheus.

Pages, API, CLI, demo data and the scheduled refresh all go through these functions, which check permissions,
keep every import atomic and write the audit log in the same transaction.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import pandas as pd
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from steadyops.catalog.models import Capacity, Service
from steadyops.core import audit, permissions
from steadyops.core.actor import Actor
from steadyops.core.text import has_control_characters
from steadyops.demand import csvseries, prometheus
from steadyops.demand.models import MetricPoint, MetricSeries, PrometheusSource, SeriesImport, SeriesSource
from steadyops.demand.models.series import (
    ERROR_MAX,
    METRIC_MAX,
    QUERY_MAX,
    REFRESH_MAX_MINUTES,
    REFRESH_MIN_MINUTES,
    STEP_MAX_SECONDS,
    UNIT_MAX,
)

BATCH = 2000
FIRST_PULL = timedelta(days=90)
LEASE = timedelta(minutes=10)
CLAIM_BATCH = 10
SOURCE_FIELDS = ["name", "base_url", "timeout_seconds"]
SERIES_FIELDS = ["service", "metric", "unit", "source", "prometheus", "query", "step_seconds", "refresh_minutes"]
FILE_NAME_MAX = 200


# --- Reading ------------------------------------------------------------------------------------------------------


def history(series: MetricSeries, *, since: datetime | None = None) -> pd.Series:
    """The series' values as floats on a UTC DatetimeIndex, oldest first (one query); empty when it has no points."""
    points = MetricPoint.objects.filter(series=series)
    if since is not None:
        points = points.filter(at__gte=since)
    rows = list(points.order_by("at").values_list("at", "value"))
    if not rows:
        return pd.Series([], index=pd.DatetimeIndex([], tz=UTC), dtype="float64")
    index = pd.DatetimeIndex([at for at, _ in rows]).tz_convert(UTC)
    return pd.Series([float(value) for _, value in rows], index=index, dtype="float64")


def production_capacity(service: Service) -> Capacity | None:
    """The service's capacity in the first environment (production comes first)."""
    return (
        Capacity.objects.filter(service=service).select_related("environment").order_by("environment__position").first()
    )


def main_series(service: Service) -> MetricSeries | None:
    """The series headroom uses for a service: the one in the unit of its production capacity, else the first by
    metric name."""
    candidates = list(MetricSeries.objects.filter(service=service).order_by("metric", "id"))
    if not candidates:
        return None
    capacity = production_capacity(service)
    if capacity is not None and capacity.unit:
        for series in candidates:
            if series.unit.strip().lower() == capacity.unit.strip().lower():
                return series
    return candidates[0]


@dataclass(frozen=True)
class SeriesStats:
    points: int
    first: datetime | None
    last: datetime | None
    largest_gap: timedelta | None
    largest_gap_after: datetime | None


def stats(series: MetricSeries) -> SeriesStats:
    """How many points a series has, its first and last, and the longest stretch without a point."""
    moments = list(MetricPoint.objects.filter(series=series).order_by("at").values_list("at", flat=True))
    if not moments:
        return SeriesStats(0, None, None, None, None)
    gap, after = None, None
    for earlier, later in itertools.pairwise(moments):
        if gap is None or later - earlier > gap:
            gap, after = later - earlier, earlier
    return SeriesStats(len(moments), moments[0], moments[-1], gap, after)


def quality(series: MetricSeries) -> Any:
    """What the forecaster would do to the history (a forecast.Cleaned: gaps filled, outliers damped), or None
    when it cannot read the history yet (too short, or no regular step)."""
    from steadyops.demand import forecast

    values = history(series)
    if len(values) < 3:
        return None
    try:
        return forecast.clean(values)
    except (ValueError, ZeroDivisionError):
        return None


def series_list() -> QuerySet[MetricSeries]:
    """Every series with its point count, first and last moment, in one query."""
    return (
        MetricSeries.objects.select_related("service", "prometheus")
        .annotate(point_count=Count("points"), first_at=Min("points__at"), last_at=Max("points__at"))
        .order_by("service__name", "metric", "id")
    )


# --- Writing points -----------------------------------------------------------------------------------------------


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Counts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


def _compare(series: MetricSeries | None, values: dict[datetime, float]) -> tuple[Counts, dict[datetime, float]]:
    """How values differ from what the series holds, and the points to write."""
    if series is None or series.pk is None or not values:
        return Counts(created=len(values)), dict(values)
    existing = dict(
        MetricPoint.objects.filter(series=series, at__gte=min(values), at__lte=max(values)).values_list("at", "value")
    )
    existing = {at.astimezone(UTC): value for at, value in existing.items()}
    counts = Counts()
    changed: dict[datetime, float] = {}
    for at, value in values.items():
        old = existing.get(at)
        if old is None:
            counts.created += 1
            changed[at] = value
        elif old != value:
            counts.updated += 1
            changed[at] = value
        else:
            counts.unchanged += 1
    return counts, changed


def _batches(items: Iterable[tuple[datetime, float]], size: int) -> Iterator[list[tuple[datetime, float]]]:
    batch: list[tuple[datetime, float]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _upsert(series: MetricSeries, values: dict[datetime, float]) -> None:
    """Write points, replacing the value of any already stored at the same moment. Runs inside the caller's
    transaction."""
    for batch in _batches(sorted(values.items()), BATCH):
        MetricPoint.objects.bulk_create(
            [MetricPoint(series=series, at=at, value=value) for at, value in batch],
            update_conflicts=True,
            unique_fields=["series", "at"],
            update_fields=["value"],
        )


# --- CSV import ---------------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did (or, on a dry run or with errors, would do). With errors, nothing was saved."""

    rows: int = 0
    counts: Counts = field(default_factory=Counts)
    series: list[str] = field(default_factory=list)
    new_series: list[str] = field(default_factory=list)
    errors: list[csvseries.LineError] = field(default_factory=list)
    stopped_early: bool = False
    dry_run: bool = False
    record: SeriesImport | None = None

    @property
    def saved(self) -> bool:
        return not self.errors and not self.dry_run

    @property
    def summary(self) -> str:
        if self.errors:
            more = " (and perhaps more: reading stopped)" if self.stopped_early else ""
            many = len(self.errors)
            return f"{many} problem{'s' if many != 1 else ''}{more}; nothing was imported."
        verb = "would be" if self.dry_run else "were"
        counts = self.counts
        return (
            f"{self.rows} rows in {len(self.series)} series: {counts.created} points {verb} added, "
            f"{counts.updated} changed, {counts.unchanged} already there."
        )


def import_csv(
    *,
    actor: Actor,
    data: bytes | str,
    file_name: str = "",
    default_zone: tzinfo | None = None,
    service: str = "",
    metric: str = "",
    unit: str = "",
    dry_run: bool = False,
    max_bytes: int = csvseries.MAX_BYTES,
) -> ImportReport:
    """Import a CSV file of metric history, all of it or nothing.

    Series are created when new (their service must exist); points already stored at the same moment take the
    file's value. Raises PermissionDenied, and csvseries.CsvTooLarge over max_bytes; any problem in the file is
    returned in the report's errors, named by line, and then nothing is saved.
    """
    _require(permissions.can_manage_metrics(actor.user), "Only operators and administrators import metric history.")
    unit = _plain(unit, "unit", UNIT_MAX)
    parsed = csvseries.parse(
        data, default_zone=default_zone, service=service, metric=metric.strip().lower(), max_bytes=max_bytes
    )
    report = ImportReport(rows=parsed.rows, errors=list(parsed.errors), stopped_early=parsed.stopped_early)
    report.dry_run = dry_run
    if report.errors:
        return report
    services = {s.slug: s for s in Service.objects.filter(slug__in={key[0] for key in parsed.series})}
    for (slug, _), rows in parsed.series.items():
        found = services.get(slug)
        if found is None or found.archived_at is not None:
            why = "is archived" if found is not None else "does not exist"
            report.errors.append(
                csvseries.LineError(min(rows.lines.values()), f"the service {slug!r} {why} in the catalog")
            )
    if report.errors:
        report.errors.sort(key=lambda error: error.line)
        return report
    with transaction.atomic():
        existing = {
            (s.service.slug, s.metric): s  # type: ignore[union-attr]
            for s in MetricSeries.objects.select_related("service").filter(
                service__slug__in=list(services), metric__in={key[1] for key in parsed.series}
            )
        }
        plans: list[tuple[tuple[str, str], MetricSeries | None, dict[datetime, float]]] = []
        for key, rows in parsed.series.items():
            series = existing.get(key)
            counts, changed = _compare(series, rows.values)
            report.counts.add(counts)
            report.series.append(f"{key[0]} / {key[1]}")
            if series is None:
                report.new_series.append(f"{key[0]} / {key[1]}")
            plans.append((key, series, changed))
        if dry_run:
            return report
        record = SeriesImport.objects.create(
            created_by=actor.user,
            file_name=_file_name(file_name),
            rows=report.rows,
            created_points=report.counts.created,
            updated_points=report.counts.updated,
            unchanged_points=report.counts.unchanged,
        )
        touched = []
        for (slug, metric_name), series, changed in plans:
            if series is None:
                series = _new_series(
                    actor=actor,
                    service=services[slug],
                    metric=metric_name,
                    unit=unit or _capacity_unit(services[slug]),
                    source=SeriesSource.CSV,
                )
            _upsert(series, changed)
            touched.append(series)
        record.series.set(touched)
        audit.record(
            actor=actor,
            action="metric_series.import",
            obj=record,
            after={
                "file_name": record.file_name,
                "rows": report.rows,
                "created": report.counts.created,
                "updated": report.counts.updated,
                "unchanged": report.counts.unchanged,
                "series": [series.pk for series in touched],
            },
        )
        report.record = record
    return report


def _file_name(name: str) -> str:
    cleaned = "".join(char if char.isprintable() else "?" for char in name.replace("\\", "/").rsplit("/", 1)[-1])
    return cleaned[:FILE_NAME_MAX]


def _capacity_unit(service: Service) -> str:
    capacity = production_capacity(service)
    return capacity.unit if capacity is not None and capacity.unit else "requests/s"


def _new_series(
    *,
    actor: Actor,
    service: Service | None,
    metric: str,
    unit: str,
    source: str,
    prometheus_source: PrometheusSource | None = None,
    query: str = "",
    step_seconds: int = 3600,
    refresh_minutes: int | None = None,
) -> MetricSeries:
    series = MetricSeries(
        service=service,
        metric=metric,
        unit=unit,
        source=source,
        prometheus=prometheus_source,
        query=query,
        step_seconds=step_seconds,
        refresh_minutes=refresh_minutes,
        created_by=actor.user,
        next_pull_at=timezone.now() if refresh_minutes else None,
    )
    series.full_clean(validate_constraints=False)
    series.save()
    audit.record(actor=actor, action="metric_series.create", obj=series, after=audit.snapshot(series, SERIES_FIELDS))
    return series


# --- Validation ---------------------------------------------------------------------------------------------------


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _plain(value: str, field_name: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError({field_name: f"At most {limit} characters; this has {len(value)}."})
    if has_control_characters(value):
        raise ValidationError({field_name: "Use plain text, without control characters."})
    return value


def _metric(value: str) -> str:
    value = (value or "").strip().lower()
    if not csvseries.SLUG_RE.match(value):
        raise ValidationError(
            {"metric": f"Use a short name of at most {METRIC_MAX} lowercase letters, digits, - and _."}
        )
    return value


def _base_url(value: str) -> str:
    value = (value or "").strip()
    if not value.lower().startswith(("http://", "https://")):
        raise ValidationError({"base_url": "Give the address of Prometheus, starting with http:// or https://."})
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValidationError({"base_url": "This is not a web address."}) from None
    if "?" in value or "#" in value:
        raise ValidationError({"base_url": "Give the address without ? or #: steadyops adds /api/v1/query_range."})
    return value.rstrip("/")


def _auth_header(value: str) -> str:
    value = (value or "").strip()
    if len(value) > 1000:
        raise ValidationError({"auth_header": "At most 1000 characters."})
    if any(char in value for char in "\r\n\x00") or has_control_characters(value):
        raise ValidationError({"auth_header": "A header value is one line of plain text."})
    return value


# --- Prometheus sources -------------------------------------------------------------------------------------------


def _source_after(source: PrometheusSource) -> dict[str, Any]:
    # The header is a secret: the audit log says only whether one is set.
    return {**audit.snapshot(source, SOURCE_FIELDS), "auth_header": "set" if source.auth_header else ""}


def create_source(
    *, actor: Actor, name: str, base_url: str, auth_header: str = "", timeout_seconds: int = 10
) -> PrometheusSource:
    """Add a Prometheus server to pull history from. The Authorization header value is kept and never shown."""
    _require(permissions.can_manage_metrics(actor.user), "Only operators and administrators add Prometheus servers.")
    name = _plain(name, "name", 100)
    if not name:
        raise ValidationError({"name": "Give it a name."})
    source = PrometheusSource(
        name=name,
        base_url=_base_url(base_url),
        auth_header=_auth_header(auth_header),
        timeout_seconds=timeout_seconds,
        created_by=actor.user,
    )
    with transaction.atomic():
        if PrometheusSource.objects.filter(name__iexact=name).exists():
            raise ValidationError({"name": "Another Prometheus server has this name."})
        source.full_clean(exclude=["base_url"], validate_constraints=False)
        source.save()
        audit.record(actor=actor, action="prometheus_source.create", obj=source, after=_source_after(source))
    return source


def update_source(
    *,
    actor: Actor,
    source: PrometheusSource,
    name: str,
    base_url: str,
    timeout_seconds: int,
    auth_header: str | None = None,
    clear_auth: bool = False,
) -> PrometheusSource:
    """Change a Prometheus server. auth_header None keeps the stored one; clear_auth removes it."""
    _require(permissions.can_manage_metrics(actor.user), "Only operators and administrators change Prometheus servers.")
    name = _plain(name, "name", 100)
    if not name:
        raise ValidationError({"name": "Give it a name."})
    url = _base_url(base_url)
    header = _auth_header(auth_header) if auth_header else None
    with transaction.atomic():
        source = PrometheusSource.objects.select_for_update().get(pk=source.pk)
        if PrometheusSource.objects.filter(name__iexact=name).exclude(pk=source.pk).exists():
            raise ValidationError({"name": "Another Prometheus server has this name."})
        before = _source_after(source)
        changed_auth = clear_auth or header is not None
        source.name, source.base_url, source.timeout_seconds = name, url, timeout_seconds
        if clear_auth:
            source.auth_header = ""
        elif header is not None:
            source.auth_header = header
        source.full_clean(exclude=["base_url"], validate_constraints=False)
        source.save()
        after = _source_after(source)
        if before != after or changed_auth:
            audit.record(
                actor=actor,
                action="prometheus_source.update",
                obj=source,
                before=before,
                after={**after, "auth_header_changed": changed_auth},
            )
    return source


# --- Prometheus series and pulls ----------------------------------------------------------------------------------


def create_prometheus_series(
    *,
    actor: Actor,
    service: Service | None,
    metric: str,
    source: PrometheusSource,
    query: str,
    unit: str = "",
    step_seconds: int = 3600,
    refresh_minutes: int | None = 60,
) -> MetricSeries:
    """Add a series whose points are pulled from Prometheus with a query that returns one series."""
    _require(permissions.can_manage_metrics(actor.user), "Only operators and administrators set up Prometheus pulls.")
    metric = _metric(metric)
    query = (query or "").strip()
    if not query:
        raise ValidationError({"query": "Give the PromQL query."})
    if len(query) > QUERY_MAX or "\x00" in query:
        raise ValidationError({"query": f"A query is at most {QUERY_MAX} characters of plain text."})
    if not 1 <= step_seconds <= STEP_MAX_SECONDS:
        raise ValidationError({"step_seconds": f"The step is between 1 second and {STEP_MAX_SECONDS} seconds."})
    if refresh_minutes is not None and not REFRESH_MIN_MINUTES <= refresh_minutes <= REFRESH_MAX_MINUTES:
        raise ValidationError(
            {
                "refresh_minutes": (
                    f"Pull every {REFRESH_MIN_MINUTES} to {REFRESH_MAX_MINUTES} minutes, or leave it empty."
                )
            }
        )
    if service is not None and service.archived_at is not None:
        raise ValidationError({"service": f"{service.name} is archived."})
    unit = _plain(unit, "unit", UNIT_MAX) or (_capacity_unit(service) if service is not None else "requests/s")
    with transaction.atomic():
        taken = MetricSeries.objects.filter(metric=metric)
        taken = taken.filter(service=service) if service is not None else taken.filter(service__isnull=True)
        if taken.exists():
            raise ValidationError({"metric": "This service already has a series with this metric name."})
        return _new_series(
            actor=actor,
            service=service,
            metric=metric,
            unit=unit,
            source=SeriesSource.PROMETHEUS,
            prometheus_source=source,
            query=query,
            step_seconds=step_seconds,
            refresh_minutes=refresh_minutes,
        )


@dataclass(frozen=True)
class PullReport:
    """What one pull did: the points written, the values left out as gaps, or why it failed."""

    counts: Counts
    skipped: int
    error: str = ""
    start: datetime | None = None
    end: datetime | None = None

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def summary(self) -> str:
        if self.error:
            return f"The pull failed; nothing was saved. {self.error}"
        gaps = f", {self.skipped} values left out as gaps (not a number, infinite or negative)" if self.skipped else ""
        counts = self.counts
        return f"{counts.created} points added, {counts.updated} changed, {counts.unchanged} already there{gaps}."


def _on_grid(moment: datetime, step: int) -> datetime:
    seconds = int(moment.timestamp()) // step * step
    return datetime.fromtimestamp(seconds, tz=UTC)


def pull_range(series: MetricSeries, now: datetime) -> tuple[datetime, datetime]:
    """The moments to ask for: from the step after the last stored point (or 90 days back) to now, on the grid of
    whole steps since 1970 so that every pull asks for the same moments."""
    step = series.step_seconds
    last = MetricPoint.objects.filter(series=series).aggregate(last=Max("at"))["last"]
    if last is None:
        start = _on_grid(now - FIRST_PULL, step)
    else:
        # Points imported from a file may lie off the grid: the first moment asked for is after the last one.
        start = _on_grid(last.astimezone(UTC) + timedelta(seconds=2 * step - 1), step)
    return start, _on_grid(now, step)


def pull(*, actor: Actor, series: MetricSeries, now: datetime | None = None, **client: Any) -> PullReport:
    """Pull new points for a Prometheus series and store them, all or nothing.

    A failure is recorded on the series (last_error) and returned; it is not raised. client is passed to
    prometheus.query_range (a session or sleep for tests).
    """
    if actor.user is not None or not actor.system:
        _require(permissions.can_manage_metrics(actor.user), "Only operators and administrators pull metric history.")
    if series.source != SeriesSource.PROMETHEUS or series.prometheus_id is None:
        raise ValidationError("This series is imported from CSV files; it has no Prometheus query to pull.")
    source: PrometheusSource = series.prometheus  # type: ignore[assignment]
    now = now or timezone.now()
    start, end = pull_range(series, now)
    next_pull = now + timedelta(minutes=series.refresh_minutes) if series.refresh_minutes else None
    if end < start:
        report = PullReport(Counts(), 0, start=start, end=end)
        _finish(series, now=now, error="", skipped=0, next_pull=next_pull)
        return report
    try:
        result = prometheus.query_range(
            source.base_url,
            series.query,
            start,
            end,
            timedelta(seconds=series.step_seconds),
            auth=source.auth_header or None,
            timeout=source.timeout_seconds,
            **client,
        )
    except prometheus.PrometheusError as failure:
        _finish(series, now=now, error=failure.message, skipped=0, next_pull=next_pull)
        if actor.user is not None:
            with transaction.atomic():
                audit.record(
                    actor=actor, action="metric_series.pull_failed", obj=series, after={"error": failure.message}
                )
        return PullReport(Counts(), 0, error=failure.message, start=start, end=end)
    values = dict(result.points)
    with transaction.atomic():
        counts, changed = _compare(series, values)
        _upsert(series, changed)
        _finish(series, now=now, error="", skipped=result.skipped, next_pull=next_pull, pulled=True)
        if changed or actor.user is not None:
            audit.record(
                actor=actor,
                action="metric_series.pull",
                obj=series,
                after={
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "created": counts.created,
                    "updated": counts.updated,
                    "skipped": result.skipped,
                },
            )
    return PullReport(counts, result.skipped, start=start, end=end)


def _finish(
    series: MetricSeries, *, now: datetime, error: str, skipped: int, next_pull: datetime | None, pulled: bool = False
) -> None:
    fields: dict[str, Any] = {"last_error": error[:ERROR_MAX], "last_skipped": skipped, "next_pull_at": next_pull}
    if pulled:
        fields["last_pulled_at"] = now
    MetricSeries.objects.filter(pk=series.pk).update(**fields)
    for name, value in fields.items():
        setattr(series, name, value)


def _due(now: datetime) -> Q:
    lease_free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)
    scheduled = Q(source=SeriesSource.PROMETHEUS, refresh_minutes__isnull=False, prometheus__isnull=False)
    return scheduled & (Q(next_pull_at__isnull=True) | Q(next_pull_at__lte=now)) & lease_free


def claim_due(worker: str, *, limit: int = CLAIM_BATCH, now: datetime | None = None) -> list[MetricSeries]:
    """Lease up to limit series that are due a scheduled pull to this worker, so no other worker pulls them too.

    The claim is a conditional UPDATE; a worker that dies leaves its lease to expire and the series is claimed
    again.
    """
    now = now or timezone.now()
    owner = f"{worker[:60]}/{uuid.uuid4().hex[:16]}"
    with transaction.atomic():
        candidates = MetricSeries.objects.filter(_due(now)).order_by("next_pull_at", "id")
        if connection.vendor == "postgresql":
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        MetricSeries.objects.filter(_due(now), id__in=ids).update(lease_owner=owner, lease_expires_at=now + LEASE)
    return list(MetricSeries.objects.select_related("prometheus", "service").filter(lease_owner=owner).order_by("id"))


def release(series: MetricSeries) -> None:
    """Give back a claimed series' lease, only if it is still this claim's."""
    MetricSeries.objects.filter(pk=series.pk, lease_owner=series.lease_owner).update(
        lease_owner="", lease_expires_at=None
    )


def pull_due(worker: str, *, limit: int = 100, **client: Any) -> list[PullReport]:
    """Claim and pull every series due a scheduled pull (at most limit), as steadyops itself."""
    actor = Actor.system_actor("scheduled metric pull")
    reports: list[PullReport] = []
    while len(reports) < limit:
        claimed = claim_due(worker, limit=min(CLAIM_BATCH, limit - len(reports)))
        if not claimed:
            break
        for series in claimed:
            try:
                reports.append(pull(actor=actor, series=series, **client))
            finally:
                release(series)
    return reports
