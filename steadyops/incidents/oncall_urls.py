from django.urls import URLPattern, path

from steadyops.incidents import oncall_views as views

urlpatterns: list[URLPattern] = [
    path("oncall/", views.oncall_now, name="incidents_oncall_now"),
    path("oncall/rotations/new/", views.rotation_create, name="incidents_oncall_rotation_create"),
    path("oncall/rotations/<int:pk>/", views.rotation_detail, name="incidents_oncall_rotation_detail"),
    path("oncall/rotations/<int:pk>/edit/", views.rotation_edit, name="incidents_oncall_rotation_edit"),
    path("oncall/rotations/<int:pk>/archive/", views.rotation_archive, name="incidents_oncall_rotation_archive"),
    path("oncall/rotations/<int:pk>/overrides/new/", views.override_create, name="incidents_oncall_override_create"),
    path("oncall/overrides/<int:pk>/cancel/", views.override_cancel, name="incidents_oncall_override_cancel"),
    path("oncall/rotations/<int:pk>/calendar/", views.rotation_feed, name="incidents_oncall_feed_create"),
    path("oncall/rotations/<int:pk>/calendar/stop/", views.rotation_feed_revoke, name="incidents_oncall_feed_revoke"),
    path("oncall/calendar/<str:token>.ics", views.ical_feed, name="incidents_oncall_ical_feed"),
    path("oncall/my-shifts.ics", views.my_shifts, name="incidents_oncall_my_shifts"),
    path("oncall/page/", views.page_now, name="incidents_oncall_page_now"),
    path("oncall/pages/", views.page_list, name="incidents_oncall_page_list"),
    path("oncall/pages/<int:pk>/", views.page_detail, name="incidents_oncall_page_detail"),
    path("oncall/pages/<int:pk>/acknowledge/", views.page_acknowledge, name="incidents_oncall_page_acknowledge"),
    path("oncall/pages/<int:pk>/resolve/", views.page_resolve, name="incidents_oncall_page_resolve"),
    path("page-action/<str:action>/<str:token>/", views.page_action, name="incidents_page_action"),
    path("escalation/", views.escalation_list, name="incidents_escalation_list"),
    path("escalation/new/", views.escalation_create, name="incidents_escalation_create"),
    path("escalation/<int:pk>/", views.escalation_detail, name="incidents_escalation_detail"),
    path("escalation/<int:pk>/edit/", views.escalation_edit, name="incidents_escalation_edit"),
    path("escalation/<int:pk>/archive/", views.escalation_archive, name="incidents_escalation_archive"),
]
