from django.urls import URLPattern, path

from steadyops.incidents import incident_views as views

urlpatterns: list[URLPattern] = [
    path("", views.incident_list, name="incidents_list"),
    path("declare/", views.incident_declare, name="incidents_declare"),
    path("status/", views.status_page, name="incidents_status_page"),
    path("metrics/", views.metrics_page, name="incidents_metrics"),
    path("subscriptions/", views.subscriptions, name="incidents_subscriptions"),
    path("subscriptions/<int:pk>/delete/", views.subscription_delete, name="incidents_subscription_delete"),
    path("<int:number>/", views.incident_detail, name="incidents_detail"),
    path("<int:number>/status/", views.incident_status, name="incidents_change_status"),
    path("<int:number>/severity/", views.incident_severity, name="incidents_change_severity"),
    path("<int:number>/roles/", views.incident_roles, name="incidents_roles"),
    path("<int:number>/note/", views.incident_note, name="incidents_note"),
    path("<int:number>/update/", views.incident_update, name="incidents_update"),
    path("<int:number>/follow/", views.incident_follow, name="incidents_follow"),
    path("<int:number>/unfollow/", views.incident_unfollow, name="incidents_unfollow"),
]
