"""The metric history pages: the list of series, one series, CSV upload, Prometheus servers and pulls."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.core.htmx import AuthenticatedHttpRequest, posted, redirect_after_form, render_htmx, require
from steadyops.demand import csvseries, series_services
from steadyops.demand.models import MetricSeries, PrometheusSource, SeriesImport
from steadyops.demand.series_forms import CsvUploadForm, PrometheusSeriesForm, PrometheusSourceForm

PAGE_SIZE = 50
READ_REFUSED = "Sign in to see metric history."
MANAGE_REFUSED = "Only operators and administrators change metric history."


def _errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


@login_required
def series_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), READ_REFUSED)
    context = {
        "page": Paginator(series_services.series_list(), PAGE_SIZE).get_page(request.GET.get("page")),
        "sources": PrometheusSource.objects.order_by("name")[:50],
        "imports": SeriesImport.objects.select_related("created_by")[:5],
        "can_manage": permissions.can_manage_metrics(request.user),
    }
    return render(request, "demand/series_list.html", context)


@login_required
def series_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_view(request.user), READ_REFUSED)
    series = get_object_or_404(MetricSeries.objects.select_related("service", "prometheus"), pk=pk)
    context = {
        "series": series,
        "stats": series_services.stats(series),
        "cleaned": series_services.quality(series),
        "imports": series.imports.select_related("created_by")[:10],
        "can_manage": permissions.can_manage_metrics(request.user),
    }
    return render(request, "demand/series_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def series_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_manage_metrics(request.user), MANAGE_REFUSED)
    form = CsvUploadForm(posted(request), request.FILES if request.method == "POST" else None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = request.POST.get("action") == "check"
        try:
            report = series_services.import_csv(
                actor=Actor.of_request(request),
                data=upload.read(csvseries.MAX_BYTES + 1),
                file_name=upload.name or "",
                default_zone=form.cleaned_data["timezone"],
                service=form.cleaned_data["service"],
                metric=form.cleaned_data["metric"],
                unit=form.cleaned_data["unit"],
                dry_run=dry_run,
            )
        except csvseries.CsvTooLarge as error:
            form.add_error("file", f"{error} Split it into several files.")
        except ValidationError as error:
            _errors(form, error)
        else:
            if report.saved:
                messages.success(request, report.summary)
                return redirect_after_form(request, reverse("demand_series_list"))
    status = 400 if form.errors or (report is not None and report.errors) else 200
    context = {"form": form, "report": report}
    return render_htmx(request, "demand/series_import.html", context, "upload", status)


@login_required
@require_POST
def series_pull(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    series = get_object_or_404(MetricSeries.objects.select_related("prometheus"), pk=pk)
    require(permissions.can_manage_metrics(request.user), MANAGE_REFUSED)
    back = reverse("demand_series_detail", args=[series.pk])
    try:
        report = series_services.pull(actor=Actor.of_request(request), series=series)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect_after_form(request, back)
    (messages.success if report.ok else messages.error)(request, report.summary)
    return redirect_after_form(request, back)


@login_required
@require_http_methods(["GET", "POST"])
def series_create_prometheus(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_manage_metrics(request.user), MANAGE_REFUSED)
    form = PrometheusSeriesForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            series = series_services.create_prometheus_series(actor=Actor.of_request(request), **form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, f"{series} is set up. Press “Pull now” to fetch its history.")
            return redirect_after_form(request, reverse("demand_series_detail", args=[series.pk]))
    no_sources = not PrometheusSource.objects.exists()
    status = 400 if form.errors else 200
    context = {"form": form, "no_sources": no_sources}
    return render_htmx(request, "demand/series_prometheus_form.html", context, "form", status)


@login_required
@require_http_methods(["GET", "POST"])
def source_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_manage_metrics(request.user), MANAGE_REFUSED)
    form = PrometheusSourceForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            source = series_services.create_source(
                actor=Actor.of_request(request),
                name=data["name"],
                base_url=data["base_url"],
                auth_header=data["auth_header"],
                timeout_seconds=data["timeout_seconds"],
            )
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, f"The Prometheus server {source.name} is added.")
            return redirect_after_form(request, reverse("demand_series_list"))
    status = 400 if form.errors else 200
    return render_htmx(request, "demand/series_source_form.html", {"form": form, "source": None}, "form", status)


@login_required
@require_http_methods(["GET", "POST"])
def source_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(PrometheusSource, pk=pk)
    require(permissions.can_manage_metrics(request.user), MANAGE_REFUSED)
    initial = {"name": source.name, "base_url": source.base_url, "timeout_seconds": source.timeout_seconds}
    form = PrometheusSourceForm(posted(request), initial=initial, editing=source)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            series_services.update_source(
                actor=Actor.of_request(request),
                source=source,
                name=data["name"],
                base_url=data["base_url"],
                timeout_seconds=data["timeout_seconds"],
                auth_header=data["auth_header"] or None,
                clear_auth=data["clear_auth"],
            )
        except (ValidationError, PermissionDenied) as error:
            _errors(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
        else:
            messages.success(request, "Saved.")
            return redirect_after_form(request, reverse("demand_series_list"))
    status = 400 if form.errors else 200
    return render_htmx(request, "demand/series_source_form.html", {"form": form, "source": source}, "form", status)
