from django.urls import URLPattern, path

from steadyops.incidents import panic_views, triage_views

urlpatterns: list[URLPattern] = [
    path("panic/", panic_views.panic, name="incidents_panic"),
    path("panic/me-too/", panic_views.panic_me_too, name="incidents_panic_me_too"),
    path("panic/thanks/<int:pk>/", panic_views.panic_thanks, name="incidents_panic_thanks"),
    path("triage/", triage_views.triage_list, name="incidents_triage"),
    path("triage/<int:pk>/", triage_views.triage_signal, name="incidents_triage_signal"),
    path("triage/<int:pk>/accept/", triage_views.triage_accept, name="incidents_triage_accept"),
    path("triage/<int:pk>/merge/", triage_views.triage_merge, name="incidents_triage_merge"),
    path("triage/<int:pk>/decline/", triage_views.triage_decline, name="incidents_triage_decline"),
    path("presses/", triage_views.presses, name="incidents_presses"),
]
