from django.urls import URLPattern, path

from steadyops.demand import headroom_views

urlpatterns: list[URLPattern] = [
    path("headroom/", headroom_views.headroom_list, name="demand_headroom"),
    path("headroom/recompute/", headroom_views.headroom_recompute, name="demand_headroom_recompute"),
    path("services/<slug:slug>/", headroom_views.service_demand, name="demand_service_demand"),
    path("services/<slug:slug>/chart.svg", headroom_views.service_chart, name="demand_service_chart"),
    path("events/<int:pk>/readiness/", headroom_views.event_readiness, name="demand_event_readiness"),
]
