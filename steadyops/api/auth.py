"""Who is calling the API, and whether they may call this operation.

Two ways in: an API token (``Authorization: Bearer sto_…``) or the browser's session cookie, which must then carry
a CSRF token on every change. Each operation needs one scope; ``scoped()`` builds the authentication for it:

    @router.post("/gate", auth=scoped("changes:gate"))

Without ``auth=``, an operation needs ``read`` for GET and ``write`` for anything else.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from steadyops.accounts import scopes, services
from steadyops.core import permissions

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def scope_for_method(method: str) -> str:
    return scopes.READ if method.upper() in SAFE_METHODS else scopes.WRITE


class _ScopedAuth(AuthBase):
    def __init__(self, scope: str | None = None) -> None:
        if scope is not None and scope not in scopes.SCOPES:
            raise ValueError(f"Unknown scope {scope!r}; add it to steadyops/accounts/scopes.py first.")
        self.scope = scope
        super().__init__()

    def needed_scope(self, request: HttpRequest) -> str:
        return self.scope or scope_for_method(request.method or "GET")


class TokenAuth(_ScopedAuth):
    """An API token in the Authorization header; the token must hold the operation's scope."""

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization")
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise AuthenticationError(message="Send the API token as: Authorization: Bearer sto_…")
        token = services.authenticate_token(raw.strip())
        if token is None:
            raise AuthenticationError(
                message="This API token is not valid: it is mistyped, revoked, or its owner can no longer sign in."
            )
        needed = self.needed_scope(request)
        if not (scopes.grants(token.scopes, needed) and permissions.allowed_scopes(token.user, [needed])):
            raise AuthorizationError(message=f"This API token does not have the scope '{needed}' that this needs.")
        request.user = token.user
        request.api_token = token  # type: ignore[attr-defined]
        return token.user


class SessionAuth(_ScopedAuth):
    """A signed-in browser. Changes need Django's CSRF token, as on any form; the person's role gives the scopes."""

    openapi_type = "apiKey"
    openapi_in = "cookie"
    # ninja's docs page sends the CSRF token when an API's authentication says it needs it.
    csrf = True

    def __init__(self, scope: str | None = None) -> None:
        self.openapi_name = settings.SESSION_COOKIE_NAME
        super().__init__(scope)

    def __call__(self, request: HttpRequest) -> Any:
        if "Authorization" in request.headers:
            # A request that names a token is judged by its token alone, never by a cookie it also carries.
            return None
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return None
        csrf_needed = request.method not in SAFE_METHODS and not getattr(request, "_ninja_csrf_exempt", False)
        if csrf_needed and check_csrf(request) is not None:
            raise AuthorizationError(
                message="The CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header."
            )
        needed = self.needed_scope(request)
        if not permissions.allowed_scopes(user, [needed]):
            raise AuthorizationError(message=f"Your role does not allow '{needed}'.")
        request.api_token = None  # type: ignore[attr-defined]
        return user


def scoped(scope: str | None = None) -> list[AuthBase]:
    """Authentication for an operation that needs scope; None means read for GET and write for changes."""
    return [TokenAuth(scope), SessionAuth(scope)]
