from django.contrib import admin
from django.http import HttpRequest

from steadyops.notify.models import Channel, OutboxMessage, Preference


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changes go through the notification pages, which audit them; the admin only looks."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Channel)
class ChannelAdmin(ReadOnlyAdmin):
    list_display = ["name", "owner", "kind", "enabled", "archived_at"]
    list_filter = ["kind", "enabled"]
    search_fields = ["name", "owner__username"]
    exclude = ["secret", "target"]


@admin.register(Preference)
class PreferenceAdmin(ReadOnlyAdmin):
    list_display = ["user", "quiet_start", "quiet_end", "time_zone"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "event", "kind", "status", "attempts", "next_attempt_at", "delivered_at"]
    list_filter = ["status", "kind"]
    search_fields = ["event", "idempotency_key"]
    exclude = ["target"]
