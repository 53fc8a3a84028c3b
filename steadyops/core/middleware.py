import logging
import time
from collections.abc import Callable

from csp.constants import HEADER
from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from steadyops.core import metrics
from steadyops.core.busy import RETRY_AFTER_SECONDS, is_database_busy
from steadyops.core.requestid import end_request, start_request

log = logging.getLogger("steadyops.request")


class RequestIdMiddleware:
    """Gives each request an id, carried in logs, audit entries and the X-Request-ID response header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = start_request(request.headers.get("X-Request-ID"))
        try:
            response = self.get_response(request)
        finally:
            end_request()
        response["X-Request-ID"] = request_id
        return response


class MetricsMiddleware:
    """Counts requests and measures latency for /metrics, and logs one line per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        method = request.method if request.method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD") else "OTHER"
        metrics.REQUESTS.labels(method=method, status=str(response.status_code)).inc()
        metrics.LATENCY.labels(method=method).observe(elapsed)
        if response.status_code >= 500 or _is_logged(request.path):
            log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
        return response


def _is_logged(path: str) -> bool:
    # Probes and static files would drown the log.
    return not path.startswith(("/static/", "/healthz", "/metrics"))


class DatabaseBusyMiddleware:
    """A page whose database was busy answers 503 with Retry-After: the change was rolled back, a retry is safe."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_busy(exception):
            return None
        log.warning("database busy on %s %s: %s", request.method, request.path, exception)
        response = render(request, "503.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


# JSON loads nothing: its answers get the strictest policy, which also keeps a JSON answer opened in a tab inert.
JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's Content-Security-Policy (settings.CONTENT_SECURITY_POLICY) on pages; JSON answers get
    JSON_POLICY, a fixed text, instead of a policy built for each answer (a twentieth of a panic report's time)."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if response.get("Content-Type", "").startswith("application/json"):
            if HEADER not in response:
                response[HEADER] = JSON_POLICY
            return response
        return super().process_response(request, response)
