"""Request types for views, so the type checker knows what the middleware and login_required guarantee."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from steadyops.accounts.models import User


class HtmxHttpRequest(HttpRequest):
    """A request that passed django-htmx's middleware, which sets ``request.htmx``."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request to a view behind login_required: its user is signed in, never anonymous."""

    user: User
