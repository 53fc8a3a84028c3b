"""The incidents module's cards on a person's home page: what is broken right now, and, for operators, what waits
in the triage queue."""

from __future__ import annotations

from django.urls import reverse

from steadyops.core import permissions
from steadyops.core.navigation import HomeCard
from steadyops.incidents.models import Incident, IncidentStatus, Signal, SignalStatus

SHOWN = 5


def cards(user: object) -> list[HomeCard]:
    if not permissions.can_view(user):  # type: ignore[arg-type]
        return []
    result = [_open_incidents()]
    if permissions.can_triage_signals(user):  # type: ignore[arg-type]
        result.extend(_triage())
    return result


def _open_incidents() -> HomeCard:
    open_incidents = Incident.objects.exclude(status=IncidentStatus.RESOLVED).order_by("severity", "-declared_at")
    shown = list(open_incidents[: SHOWN + 1])
    if not shown:
        return HomeCard(
            title="Problems right now",
            empty_hint="Nothing is known to be broken. If something looks broken to you, press the panic button.",
            link_label="The status page",
            link_url=reverse("incidents_status_page"),
            tone="ok",
        )
    lines = [f"{incident.key} {incident.get_severity_display().split(':')[0]}: {incident.title}" for incident in shown]
    if len(shown) > SHOWN:
        lines = [*lines[:SHOWN], f"and {open_incidents.count() - SHOWN} more"]
    return HomeCard(
        title="Problems right now",
        lines=lines,
        link_label="What customers see, and what to tell them",
        link_url=reverse("incidents_status_page"),
        tone="warn",
    )


def _triage() -> list[HomeCard]:
    waiting = Signal.objects.filter(status__in=(SignalStatus.OPEN, SignalStatus.PAGED), incident=None).count()
    if not waiting:
        return []
    return [
        HomeCard(
            title="Reports waiting for a decision",
            lines=[f"{waiting} group{'s' if waiting != 1 else ''} of reports and alerts in the triage queue"],
            link_label="Accept, merge or decline them",
            link_url=reverse("incidents_triage"),
            tone="warn",
        )
    ]
