"""Metric history: the series of traffic figures forecasts are made from, and where they come from."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

__all__ = ["MetricPoint", "MetricSeries", "PrometheusSource", "SeriesImport", "SeriesSource"]

METRIC_MAX = 50
UNIT_MAX = 30
QUERY_MAX = 2000
ERROR_MAX = 2000
STEP_MIN_SECONDS = 1
STEP_MAX_SECONDS = 7 * 24 * 3600
REFRESH_MIN_MINUTES = 5
REFRESH_MAX_MINUTES = 7 * 24 * 60


class SeriesSource(models.TextChoices):
    CSV = "csv", "Imported from CSV files"
    PROMETHEUS = "prometheus", "Pulled from Prometheus"


class PrometheusSource(models.Model):
    """A Prometheus server steadyops reads history from, with the Authorization header it needs, if any.

    The header value is a secret: it is stored as given, sent only to this server, and never shown again.
    """

    name = models.CharField(max_length=100, unique=True)
    base_url = models.URLField(max_length=500, help_text="Such as https://prometheus.example.com")
    auth_header = models.CharField(
        max_length=1000, blank=True, help_text="The whole Authorization header value, such as 'Bearer abc…'."
    )
    timeout_seconds = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="prometheus_sources"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_auth(self) -> bool:
        return bool(self.auth_header)


class MetricSeries(models.Model):
    """One measured figure over time for a service (or the whole site), such as checkout's requests per second.

    Its points come from CSV files or from a Prometheus query pulled on a schedule. The unit is compared with the
    service's recorded capacity, so that a forecast can be set against what the service can handle.
    """

    service = models.ForeignKey(
        "catalog.Service",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="metric_series",
        help_text="Empty: the whole site.",
    )
    metric = models.SlugField(max_length=METRIC_MAX, help_text="Such as requests_per_second.")
    unit = models.CharField(max_length=UNIT_MAX, blank=True, default="requests/s")
    source = models.CharField(max_length=16, choices=SeriesSource.choices, default=SeriesSource.CSV)
    prometheus = models.ForeignKey(
        PrometheusSource, null=True, blank=True, on_delete=models.PROTECT, related_name="series"
    )
    query = models.TextField(blank=True, max_length=QUERY_MAX, help_text="PromQL returning one series.")
    step_seconds = models.PositiveIntegerField(
        default=3600, validators=[MinValueValidator(STEP_MIN_SECONDS), MaxValueValidator(STEP_MAX_SECONDS)]
    )
    refresh_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(REFRESH_MIN_MINUTES), MaxValueValidator(REFRESH_MAX_MINUTES)],
        help_text="Pull new points this often. Empty: only when asked.",
    )
    last_pulled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, max_length=ERROR_MAX)
    last_skipped = models.PositiveIntegerField(
        default=0, help_text="Values left out of the last pull because they were not a number, infinite or negative."
    )
    next_pull_at = models.DateTimeField(null=True, blank=True, db_index=True)
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["service__name", "metric", "id"]
        verbose_name_plural = "metric series"
        constraints = [
            models.UniqueConstraint(fields=["service", "metric"], name="metric_series_unique_service_metric"),
            # NULLs never collide in a unique constraint, so the whole site's series need their own.
            models.UniqueConstraint(
                fields=["metric"], condition=Q(service__isnull=True), name="metric_series_unique_site_metric"
            ),
            models.CheckConstraint(
                condition=Q(source="csv") | Q(prometheus__isnull=False), name="metric_series_prometheus_has_source"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service.slug if self.service_id else 'whole site'} / {self.metric}"  # type: ignore[union-attr]

    @property
    def service_label(self) -> str:
        return self.service.name if self.service is not None else "Whole site"


class MetricPoint(models.Model):
    """One measured value of a series at one moment (stored in UTC). Values are finite and never negative."""

    series = models.ForeignKey(MetricSeries, on_delete=models.CASCADE, related_name="points")
    at = models.DateTimeField()
    value = models.FloatField()

    class Meta:
        ordering = ["series", "at"]
        # The unique constraint's index is the (series, at) index every history read uses.
        constraints = [
            models.UniqueConstraint(fields=["series", "at"], name="metric_point_unique_series_at"),
            models.CheckConstraint(condition=Q(value__gte=0), name="metric_point_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.series_id} {self.at.isoformat()} = {self.value}"


class SeriesImport(models.Model):
    """One CSV file imported into metric history: who sent it, when, and what it changed."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=200, blank=True)
    rows = models.PositiveIntegerField(default=0)
    created_points = models.PositiveIntegerField(default=0)
    updated_points = models.PositiveIntegerField(default=0)
    unchanged_points = models.PositiveIntegerField(default=0)
    series: models.ManyToManyField[MetricSeries, models.Model] = models.ManyToManyField(
        MetricSeries, blank=True, related_name="imports"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name or 'CSV'} ({self.rows} rows)"
