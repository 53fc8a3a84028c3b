from django.conf import settings
from django.http import HttpRequest

from steadyops.core.navigation import navigation_for


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    return {
        "nav_groups": navigation_for(user) if user is not None and user.is_authenticated else [],
        "oidc_enabled": settings.OIDC_ENABLED,
        "oidc_provider_name": getattr(settings, "OIDC_PROVIDER_NAME", ""),
    }
