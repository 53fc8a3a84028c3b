import csv
import hmac
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from steadyops.core import metrics as metrics_module
from steadyops.core import permissions
from steadyops.core.forms import AuditFilterForm
from steadyops.core.htmx import AuthenticatedHttpRequest
from steadyops.core.models import AuditEntry, WorkerHeartbeat
from steadyops.core.navigation import home_cards_for

AUDIT_PAGE_SIZE = 50
WORKER_STALE_AFTER = timedelta(seconds=120)
# Spreadsheets run a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_AUDIT_COLUMNS = (
    "id",
    "created_at",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "request_id",
)


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"cards": home_cards_for(request.user)})


def _audit_filter(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEntry]]:
    if not permissions.can_view_audit(request.user):
        raise PermissionDenied("Only administrators can read the audit log.")
    object_types = list(AuditEntry.objects.order_by("object_type").values_list("object_type", flat=True).distinct())
    form = AuditFilterForm(request.GET, object_types=object_types)
    entries = AuditEntry.objects.all()
    return form, (form.filter(entries) if form.is_valid() else entries.none())


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    if value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _changes(entry: AuditEntry) -> list[tuple[str, str | None, str | None]]:
    """The fields that differ between before and after, as (field, before, after); None where a side has no value."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    missing = object()
    rows = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key, missing), after.get(key, missing)
        if old == new:
            continue
        # On creation, empty fields say nothing.
        if old is missing and new in (None, ""):
            continue
        rows.append((key, None if old is missing else _shown(old), None if new is missing else _shown(new)))
    return rows


@login_required
@require_GET
def audit_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, entries = _audit_filter(request)
    page = Paginator(entries.only(*_AUDIT_COLUMNS), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(entry, _changes(entry)) for entry in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    template = "core/audit_list.html#results" if request.htmx else "core/audit_list.html"
    return render(request, template, context, status=200 if form.is_valid() else 400)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_rows(entries: QuerySet[AuditEntry]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(
        ["time", "actor", "action", "object_type", "object_id", "object", "before", "after", "request_id"]
    )
    for entry in entries.only(*_AUDIT_COLUMNS).iterator(chunk_size=500):
        yield writer.writerow(
            [
                _safe_cell(value)
                for value in (
                    entry.created_at.isoformat(),
                    entry.actor_label,
                    entry.action,
                    entry.object_type,
                    entry.object_id,
                    entry.object_repr,
                    "" if entry.before is None else json.dumps(entry.before, sort_keys=True),
                    "" if entry.after is None else json.dumps(entry.after, sort_keys=True),
                    entry.request_id,
                )
            ]
        )


@login_required
@require_GET
def audit_export(request: AuthenticatedHttpRequest) -> HttpResponse | StreamingHttpResponse:
    form, entries = _audit_filter(request)
    if not form.is_valid():
        return render(
            request, "core/audit_list.html", {"form": form, "page": None, "rows": [], "query": ""}, status=400
        )
    response = StreamingHttpResponse(_csv_rows(entries), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="steadyops-audit-{stamp}.csv"'
    return response


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database, worker = "ok", "missing"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        latest = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
        if latest is not None:
            worker = "ok" if timezone.now() - latest <= WORKER_STALE_AFTER else "stale"
    except DatabaseError:
        database = "error"
    healthy = database == "ok" and worker == "ok"
    return JsonResponse({"database": database, "worker": worker}, status=200 if healthy else 503)


@never_cache
def healthz_live(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    expected = settings.METRICS_TOKEN
    if expected:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
            response = HttpResponse("A valid metrics token is needed.\n", status=401, content_type="text/plain")
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    return HttpResponse(metrics_module.render(), content_type=CONTENT_TYPE_LATEST)
