"""The notification cards on a person's home page."""

from __future__ import annotations

from django.urls import reverse

from steadyops.core import permissions
from steadyops.core.navigation import HomeCard
from steadyops.notify.models import Channel, DeliveryStatus, OutboxMessage


def cards(user: object) -> list[HomeCard]:
    if not permissions.can_view(user):  # type: ignore[arg-type]
        return []
    result: list[HomeCard] = []
    if not Channel.objects.filter(owner_id=user.pk, archived_at=None, enabled=True).exists():  # type: ignore[attr-defined]
        email = getattr(user, "email", "")
        line = (
            f"No channel yet: we email you at {email}."
            if email
            else "No channel yet, and no email address: you will not hear from steadyops."
        )
        result.append(
            HomeCard(
                title="Notifications",
                lines=[line],
                link_label="Add a chat or webhook channel",
                link_url=reverse("channel_create"),
                tone="info" if email else "warn",
            )
        )
    if permissions.can_manage_deliveries(user):  # type: ignore[arg-type]
        dead = OutboxMessage.objects.filter(status=DeliveryStatus.DEAD).count()
        if dead:
            result.append(
                HomeCard(
                    title="Notifications that could not be delivered",
                    lines=[f"{dead} notification{'s' if dead != 1 else ''} could not be delivered and wait for you."],
                    link_label="See them and send them again",
                    link_url=reverse("delivery_list") + "?status=dead",
                    tone="bad",
                )
            )
    return result
