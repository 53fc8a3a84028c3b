from django.contrib import admin
from django.urls import include, path

from steadyops.api.api import api

admin.site.site_header = "steadyops administration"
admin.site.site_title = "steadyops"

urlpatterns = [
    # First: API calls (alert webhooks, panic reports) are the busiest paths, and no page shares their prefix.
    path("api/v1/", api.urls),
    path("", include("steadyops.core.urls")),
    path("", include("steadyops.accounts.urls")),
    path("notifications/", include("steadyops.notify.urls")),
    path("catalog/", include("steadyops.catalog.urls")),
    path("demand/", include("steadyops.demand.urls")),
    path("consensus/", include("steadyops.consensus.urls")),
    path("incidents/", include("steadyops.incidents.urls")),
    path("", include("steadyops.incidents.short_urls")),
    path("admin/", admin.site.urls),
]
