"""The demand module's cards on a person's home page.

People who can register traffic events see their teams' upcoming ones and where each stands; operators see the
open headroom shortfalls of services their teams own.
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from steadyops.core import permissions
from steadyops.core.navigation import HomeCard
from steadyops.demand.models import DemandEvent, EventStatus, FindingStatus, HeadroomFinding, Verdict

SHOWN = 5


def _more(lines: list[str], total: int) -> list[str]:
    return [*lines, f"and {total - len(lines)} more"] if total > len(lines) else lines


def event_cards(user: object) -> list[HomeCard]:
    """Upcoming traffic events registered by the person or for one of their teams."""
    if not permissions.can_take_part(user):  # type: ignore[arg-type]
        return []
    teams = permissions.current_team_ids(user)  # type: ignore[arg-type]
    ours = (
        DemandEvent.objects.filter(Q(created_by_id=user.pk) | Q(team_id__in=teams))  # type: ignore[attr-defined]
        .exclude(status=EventStatus.CANCELLED)
        .filter(ends_at__gte=timezone.now())
        .order_by("starts_at")
    )
    events = list(ours[: SHOWN + 1])
    if not events:
        return [
            HomeCard(
                title="Busy days ahead",
                empty_hint="Planning a sale, a newsletter or a TV spot? Tell operations, so the site keeps up.",
                link_label="Tell operations about a busy day",
                link_url=reverse("demand_event_create"),
            )
        ]
    lines = [
        f"{timezone.localtime(event.starts_at):%d %b}: {event.title} ({event.get_status_display()})"
        for event in events[:SHOWN]
    ]
    return [
        HomeCard(
            title="Your busy days ahead",
            lines=_more(lines, ours.count()) if len(events) > SHOWN else lines,
            link_label="See every event",
            link_url=reverse("demand_event_list"),
            tone="info",
        )
    ]


def headroom_cards(user: object) -> list[HomeCard]:
    """Operators: services of their teams that lack capacity for an upcoming event."""
    if not permissions.is_operator(user):  # type: ignore[arg-type]
        return []
    teams = permissions.current_team_ids(user)  # type: ignore[arg-type]
    if not teams:
        return []
    short = (
        HeadroomFinding.objects.filter(
            status=FindingStatus.OPEN,
            verdict__in=(Verdict.SHORT, Verdict.LATE),
            service__owner_id__in=teams,
        )
        .select_related("service", "event")
        .order_by("deadline", "pk")
    )
    findings = list(short[: SHOWN + 1])
    if not findings:
        return []
    lines = [f"{finding.event.title}: {finding.recommendation}" for finding in findings[:SHOWN]]
    return [
        HomeCard(
            title="Not enough capacity for busy days ahead",
            lines=_more(lines, short.count()) if len(findings) > SHOWN else lines,
            link_label="See the headroom",
            link_url=reverse("demand_headroom"),
            tone="warn",
        )
    ]
