from django.urls import path

from steadyops.catalog import views

urlpatterns = [
    path("", views.service_list, name="catalog_service_list"),
    path("services/new/", views.service_create, name="catalog_service_create"),
    path("services/<slug:slug>/", views.service_detail, name="catalog_service_detail"),
    path("services/<slug:slug>/edit/", views.service_edit, name="catalog_service_edit"),
    path("services/<slug:slug>/archive/", views.service_archive, name="catalog_service_archive"),
    path("services/<slug:slug>/dependencies/add/", views.dependency_add, name="catalog_dependency_add"),
    path(
        "services/<slug:slug>/capacity/<slug:environment>/",
        views.service_capacity_edit,
        name="catalog_service_capacity_edit",
    ),
    path("dependencies/<int:pk>/remove/", views.dependency_remove, name="catalog_dependency_remove"),
    path("resources/", views.resource_list, name="catalog_resource_list"),
    path("resources/new/", views.resource_create, name="catalog_resource_create"),
    path("resources/<slug:slug>/", views.resource_detail, name="catalog_resource_detail"),
    path("resources/<slug:slug>/edit/", views.resource_edit, name="catalog_resource_edit"),
    path(
        "resources/<slug:slug>/capacity/<slug:environment>/",
        views.resource_capacity_edit,
        name="catalog_resource_capacity_edit",
    ),
    path("systems/", views.system_list, name="catalog_system_list"),
    path("systems/new/", views.system_create, name="catalog_system_create"),
    path("systems/<slug:slug>/", views.system_detail, name="catalog_system_detail"),
]
