from django.urls import URLPattern, path

from steadyops.demand import series_views

urlpatterns: list[URLPattern] = [
    path("series/", series_views.series_list, name="demand_series_list"),
    path("series/import/", series_views.series_import, name="demand_series_import"),
    path("series/prometheus/", series_views.series_create_prometheus, name="demand_series_create_prometheus"),
    path("series/<int:pk>/", series_views.series_detail, name="demand_series_detail"),
    path("series/<int:pk>/pull/", series_views.series_pull, name="demand_series_pull"),
    path("prometheus/new/", series_views.source_create, name="demand_prometheus_source_create"),
    path("prometheus/<int:pk>/", series_views.source_edit, name="demand_prometheus_source_edit"),
]
