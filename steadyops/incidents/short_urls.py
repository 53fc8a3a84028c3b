from django.urls import URLPattern, path

from steadyops.incidents import incident_views, panic_views

# Short addresses at the root of the site: /panic and /status.
urlpatterns: list[URLPattern] = [
    path("panic", panic_views.panic, name="panic"),
    path("status", incident_views.status_page, name="status_page"),
]
