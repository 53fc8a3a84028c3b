"""The API's outer edge: bodies over the limit are refused before they are read, and Django's own error pages
(an unknown address, a method an address does not take, a crash) are answered in the API's error shape."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from steadyops.api.errors import error_response

API_PREFIX = "/api/"
# Headers of the original answer that still apply once its body is replaced.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class ApiBodyLimitMiddleware:
    """For /api/ paths: a Content-Length over settings.API_MAX_BODY_BYTES is a 413, and every error is JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        refused = self._refuse_body(request)
        if refused is not None:
            return refused
        return _in_error_shape(self.get_response(request))

    def _refuse_body(self, request: HttpRequest) -> HttpResponse | None:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            return error_response(400, "The Content-Length header is not a number.")
        if length < 0:
            return error_response(400, "The Content-Length header is not a number.")
        limit = settings.API_MAX_BODY_BYTES
        if length > limit:
            return error_response(413, f"The request body is larger than {limit} bytes.", details={"limit": limit})
        return None


def _in_error_shape(response: HttpResponseBase) -> HttpResponseBase:
    if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
        return response
    shaped = error_response(response.status_code)
    for header in KEPT_HEADERS:
        if header in response:
            shaped[header] = response[header]
    return shaped
