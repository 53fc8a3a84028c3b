from django.contrib import admin

from steadyops.core.admin import ReadOnlyAdmin
from steadyops.notify.models import Channel, OutboxMessage, Preference


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
