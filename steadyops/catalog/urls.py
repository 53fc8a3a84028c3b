from django.urls import path

from steadyops.catalog import graph_views, resource_views, spof_views, system_views, views

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
    path("resources/", resource_views.resource_list, name="catalog_resource_list"),
    path("resources/new/", resource_views.resource_create, name="catalog_resource_create"),
    path("resources/<slug:slug>/", resource_views.resource_detail, name="catalog_resource_detail"),
    path("resources/<slug:slug>/edit/", resource_views.resource_edit, name="catalog_resource_edit"),
    path("resources/<slug:slug>/archive/", resource_views.resource_archive, name="catalog_resource_archive"),
    path(
        "resources/<slug:slug>/capacity/<slug:environment>/",
        resource_views.resource_capacity_edit,
        name="catalog_resource_capacity_edit",
    ),
    path("systems/", system_views.system_list, name="catalog_system_list"),
    path("spofs/", spof_views.spof_list, name="catalog_spof_list"),
    path("spofs/accept/", spof_views.spof_accept, name="catalog_spof_accept"),
    path("spofs/<int:pk>/withdraw/", spof_views.spof_withdraw, name="catalog_spof_withdraw"),
    path("what-if/", spof_views.what_if, name="catalog_what_if"),
    path("systems/new/", system_views.system_create, name="catalog_system_create"),
    path("systems/<slug:slug>/", system_views.system_detail, name="catalog_system_detail"),
    path("systems/<slug:slug>/edit/", system_views.system_edit, name="catalog_system_edit"),
    path("systems/<slug:slug>/archive/", system_views.system_archive, name="catalog_system_archive"),
    path("environments/", system_views.environment_list, name="catalog_environment_list"),
    path("environments/new/", system_views.environment_create, name="catalog_environment_create"),
    path("environments/<slug:slug>/edit/", system_views.environment_edit, name="catalog_environment_edit"),
    path("services/<slug:slug>/graph.svg", graph_views.service_graph, name="catalog_service_graph"),
    path("systems/<slug:slug>/graph.svg", graph_views.system_graph, name="catalog_system_graph"),
    path("graph/", graph_views.catalog_graph, name="catalog_graph"),
    path("graph.svg", graph_views.catalog_graph_svg, name="catalog_graph_svg"),
]
