"""Django admin for core: the audit log and worker heartbeats, read only."""

from django.contrib import admin
from django.http import HttpRequest

from steadyops.core.models import AuditEntry, WorkerHeartbeat


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changes go through the steadyops pages and services, which check and audit them; the admin only looks."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_label", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_repr", "object_id", "request_id"]
    date_hierarchy = "created_at"


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["name", "seen_at", "started_at"]
