from django.urls import URLPattern, path

from steadyops.demand import event_views as views

urlpatterns: list[URLPattern] = [
    path("events/", views.event_list, name="demand_event_list"),
    path("events/new/", views.event_create, name="demand_event_create"),
    path("events/<int:pk>/", views.event_detail, name="demand_event_detail"),
    path("events/<int:pk>/edit/", views.event_edit, name="demand_event_edit"),
    path("events/<int:pk>/cancel/", views.event_cancel, name="demand_event_cancel"),
    path("events/<int:pk>/triage/", views.event_triage, name="demand_event_triage"),
    path("events/<int:pk>/comments/", views.event_comment, name="demand_event_comment"),
    path("calendar/", views.calendar, name="demand_calendar"),
    path("calendar/feeds/", views.calendar_feeds, name="demand_calendar_feeds"),
    path("calendar/feeds/<int:pk>/revoke/", views.calendar_feed_revoke, name="demand_calendar_feed_revoke"),
    path("calendar/feed/<str:token>.ics", views.ical_feed, name="demand_ical_feed"),
]
