"""Request types and small helpers shared by every module's views: htmx partials, redirects after forms, refusals."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from steadyops.accounts.models import User


class HtmxHttpRequest(HttpRequest):
    """A request that passed django-htmx's middleware, which sets ``request.htmx``."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request to a view behind login_required: its user is signed in, never anonymous."""

    user: User


def require(allowed: bool, message: str) -> None:
    """Refuse with a 403 page that says why, unless allowed."""
    if not allowed:
        raise PermissionDenied(message)


def posted(request: HttpRequest) -> Any:
    """The submitted data for a form on POST, None on GET (an unbound form)."""
    return request.POST if request.method == "POST" else None


def render_htmx(
    request: HtmxHttpRequest, template: str, context: dict[str, Any], partial: str, status: int = 200
) -> HttpResponse:
    """The whole page, or only the named partial when htmx asks for it."""
    name = f"{template}#{partial}" if request.htmx else template
    return render(request, name, context, status=status)


def redirect_after_form(request: HtmxHttpRequest, url: str) -> HttpResponse:
    """After a successful form: go to the next page, telling htmx to load it whole rather than swap it in."""
    return HttpResponseClientRedirect(url) if request.htmx else HttpResponseRedirect(url)
