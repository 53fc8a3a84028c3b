"""Forms of the metric history pages: CSV upload, Prometheus servers, and series pulled from Prometheus."""

from __future__ import annotations

from functools import cache
from typing import Any, cast
from zoneinfo import ZoneInfo, available_timezones

from django import forms

from steadyops.catalog.models import Service
from steadyops.demand.csvseries import MAX_BYTES
from steadyops.demand.models import PrometheusSource
from steadyops.demand.models.series import QUERY_MAX, UNIT_MAX

STEPS = [
    (60, "Every minute"),
    (300, "Every 5 minutes"),
    (900, "Every 15 minutes"),
    (3600, "Every hour"),
    (86400, "Every day"),
]
REFRESHES = [
    ("", "Only when someone presses “Pull now”"),
    ("15", "Every 15 minutes"),
    ("60", "Every hour"),
    ("1440", "Every day"),
]


@cache
def zone_choices() -> list[tuple[str, str]]:
    return [("", "The timestamps say their zone")] + [(name, name) for name in sorted(available_timezones())]


def service_choices(blank: str) -> list[tuple[str, str]]:
    services = Service.objects.filter(archived_at=None).order_by("name").values_list("slug", "name")
    return [("", blank), *((slug, f"{name} ({slug})") for slug, name in services)]


class CsvUploadForm(forms.Form):
    """A CSV file of metric history and how to read it."""

    file = forms.FileField(
        label="CSV file",
        help_text=(
            "Columns timestamp and value (or ds and y), optionally service and metric. "
            f"At most {MAX_BYTES // 2**20} MiB."
        ),
    )
    service = forms.ChoiceField(label="Service", required=False, choices=())
    metric = forms.CharField(
        label="Metric",
        max_length=50,
        initial="requests_per_second",
        required=False,
        help_text="A short name such as requests_per_second, unless the file has a metric column.",
    )
    unit = forms.CharField(
        label="Unit",
        max_length=UNIT_MAX,
        required=False,
        help_text="For a new series; empty takes the unit of the service's capacity.",
    )
    timezone = forms.ChoiceField(
        label="Time zone of timestamps without one",
        required=False,
        choices=(),
        help_text="Dates without a time are midnight in this zone.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["service"]).choices = service_choices("The file has a service column")
        cast(forms.ChoiceField, self.fields["timezone"]).choices = zone_choices()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_BYTES // 2**20} MiB; split it into several files."
            )
        return upload

    def clean_timezone(self) -> ZoneInfo | None:
        name = self.cleaned_data.get("timezone")
        return ZoneInfo(name) if name else None


class PrometheusSourceForm(forms.Form):
    """A Prometheus server; the Authorization header is written once and never shown again."""

    name = forms.CharField(max_length=100, label="Name")
    base_url = forms.CharField(
        max_length=500, label="Address", help_text="Such as https://prometheus.example.com (without /api/v1)."
    )
    auth_header = forms.CharField(
        max_length=1000,
        required=False,
        label="Authorization header",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="The whole value, such as “Bearer abc…”. Kept secret: it is never shown again.",
    )
    clear_auth = forms.BooleanField(required=False, label="Remove the stored Authorization header")
    timeout_seconds = forms.IntegerField(min_value=1, max_value=120, initial=10, label="Give up after (seconds)")

    def __init__(self, *args: Any, editing: PrometheusSource | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing is None:
            del self.fields["clear_auth"]
        else:
            self.fields["auth_header"].help_text = (
                "A header is set. " if editing.auth_header else "No header is set. "
            ) + "Leave empty to keep it as it is."


class PrometheusSeriesForm(forms.Form):
    """A series pulled from Prometheus with a query returning one series."""

    service = forms.ChoiceField(label="Service", required=False, choices=())
    metric = forms.CharField(max_length=50, initial="requests_per_second", label="Metric")
    unit = forms.CharField(
        max_length=UNIT_MAX, required=False, label="Unit", help_text="Empty takes the unit of the service's capacity."
    )
    source = forms.ModelChoiceField(
        queryset=PrometheusSource.objects.all(), label="Prometheus server", empty_label=None
    )
    query = forms.CharField(
        max_length=QUERY_MAX,
        label="Query (PromQL)",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='It must return one series, for example sum(rate(http_requests_total{job="shop"}[5m])).',
    )
    step_seconds = forms.TypedChoiceField(choices=STEPS, coerce=int, initial=3600, label="One point")
    refresh_minutes = forms.TypedChoiceField(
        choices=REFRESHES, coerce=int, empty_value=None, required=False, initial="60", label="Fetch new points"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["service"]).choices = service_choices("The whole site")

    def clean_service(self) -> Service | None:
        slug = self.cleaned_data.get("service")
        return Service.objects.get(slug=slug) if slug else None
