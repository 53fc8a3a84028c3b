"""One error shape for every API answer that is not a success: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
)
from django.core.exceptions import (
    ValidationError as DjangoValidationError,
)
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from steadyops.core.busy import RETRY_AFTER_SECONDS, is_database_busy

if TYPE_CHECKING:
    from ninja import NinjaAPI

log = logging.getLogger("steadyops.api")

CONTENT_TYPE = "application/json; charset=utf-8"

# Every status the API may answer with besides success, and the code clients can branch on.
ERROR_CODES: dict[int, str] = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
    503: "busy",
}

DEFAULT_MESSAGES: dict[int, str] = {
    400: "The request could not be understood.",
    401: "Sign in, or send an API token in the header Authorization: Bearer sto_…",
    403: "You are not allowed to do this.",
    404: "There is nothing here.",
    405: "This address does not accept this method.",
    409: "This conflicts with a change made at the same time; fetch the latest version and try again.",
    413: "The request body is too large.",
    422: "Some of the values sent are not valid.",
    429: "Too many requests; wait a little and try again.",
    500: "Something went wrong on our side. It has been logged.",
    503: "steadyops is busy; nothing was changed. Try again in a moment.",
}

WWW_AUTHENTICATE = 'Bearer realm="steadyops"'


class ApiError(Exception):
    """An answer other than success, raised anywhere below an API operation."""

    def __init__(self, status: int, message: str = "", *, code: str = "", details: Any = None) -> None:
        self.status = status
        self.message = message or DEFAULT_MESSAGES.get(status, "")
        self.code = code or ERROR_CODES.get(status, "error")
        self.details = details
        super().__init__(self.message)


def field_error(field: str | None, message: str, location: str | None = None) -> dict[str, str | None]:
    """One entry of details on a 422: which value (field, and where it was sent) and what is wrong with it."""
    return {"field": field, "location": location, "message": message}


def error_response(status: int, message: str = "", *, code: str = "", details: Any = None) -> HttpResponse:
    body = {
        "error": {
            "code": code or ERROR_CODES.get(status, "error"),
            "message": message or DEFAULT_MESSAGES.get(status, ""),
            "details": details,
        }
    }
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE)
    if status == 401:
        response["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response


def _pydantic_details(errors: list[dict[str, Any]]) -> list[dict[str, str | None]]:
    details = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        location = loc[0] if loc else None
        # ninja nests body fields under the operation's argument name; clients only know the field names.
        parts = loc[2:] if location == "body" and len(loc) > 2 else loc[1:]
        details.append(field_error(".".join(parts) or None, str(error.get("msg", "Not valid.")), location))
    return details


def django_validation_details(exc: DjangoValidationError) -> list[dict[str, str | None]]:
    if hasattr(exc, "error_dict"):
        return [
            field_error(None if field == "__all__" else field, message)
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [field_error(None, message) for message in exc.messages]


def _on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(exc.status, exc.message, code=exc.code, details=exc.details)


def _on_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = _pydantic_details(exc.errors)
    first = details[0] if details else None
    message = DEFAULT_MESSAGES[422]
    if first is not None and first["field"]:
        message = f"{first['field']}: {first['message']}"
    return error_response(422, message, details=details)


def _on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    details = django_validation_details(exc)
    first = details[0] if details else None
    message = DEFAULT_MESSAGES[422]
    if first is not None:
        message = f"{first['field']}: {first['message']}" if first["field"] else str(first["message"])
    return error_response(422, message, details=details)


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code
    message = exc.message
    if status == 400 and message.startswith("Cannot parse request body"):
        message = "The request body is not valid JSON."
    elif isinstance(exc, AuthenticationError) and message == "Unauthorized":
        message = DEFAULT_MESSAGES[401]
    elif status == 429:
        message = DEFAULT_MESSAGES[429]
    return error_response(status, message)


def _on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(404)


def _on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(403, str(exc) or DEFAULT_MESSAGES[403])


def _on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(413)


def _on_integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    log.warning("integrity error on %s %s: %s", request.method, request.path, exc)
    return error_response(409)


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    if is_database_busy(exc):
        log.warning("database busy on %s %s: %s", request.method, request.path, exc)
        response = error_response(503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(500)


_HANDLERS: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
    (ApiError, _on_api_error),
    (NinjaValidationError, _on_ninja_validation),
    (DjangoValidationError, _on_django_validation),
    (HttpError, _on_http_error),
    (Http404, _on_not_found),
    (ObjectDoesNotExist, _on_not_found),
    (PermissionDenied, _on_permission_denied),
    (RequestDataTooBig, _on_too_big),
    (IntegrityError, _on_integrity_error),
    (Exception, _on_unexpected),
]


def install(api: NinjaAPI) -> None:
    """Answer every failure of api's operations in the one error shape."""
    for exc_class, handler in _HANDLERS:
        api.add_exception_handler(exc_class, handler)
