"""Django admin for the catalog, read only: changes go through the catalog pages and services."""

from django.contrib import admin

from steadyops.catalog.models import AcceptedRisk, Capacity, Dependency, Environment, Resource, Service, System
from steadyops.core.admin import ReadOnlyAdmin


@admin.register(System)
class SystemAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "owner", "archived_at"]
    search_fields = ["name", "slug"]


@admin.register(Service)
class ServiceAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "owner", "tier", "lifecycle", "user_facing", "system", "archived_at"]
    list_filter = ["tier", "lifecycle", "user_facing"]
    search_fields = ["name", "slug"]


@admin.register(Resource)
class ResourceAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "kind", "owner", "archived_at"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]


@admin.register(Dependency)
class DependencyAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "hard", "degrades"]
    list_filter = ["hard", "degrades"]


@admin.register(Environment)
class EnvironmentAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "position"]


@admin.register(Capacity)
class CapacityAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "instances", "zones", "regions", "per_instance_capacity", "unit"]
    list_filter = ["environment"]


@admin.register(AcceptedRisk)
class AcceptedRiskAdmin(ReadOnlyAdmin):
    list_display = ["component_key", "kind", "dependent_key", "environment", "accepted_by", "expires_on", "archived_at"]
    list_filter = ["kind", "environment"]
