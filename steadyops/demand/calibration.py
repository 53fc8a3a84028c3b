"""How good someone's traffic estimates have been: their past events' estimate against what was measured.

The events form shows the sentence next to the size question, so the next estimate can lean the right way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from steadyops.accounts.models import User

# How many past events the sentence speaks of, at most.
LAST = 3
# Estimates within this share of what happened count as "about right".
ABOUT_RIGHT = 0.10
# How many events are read to find LAST with both figures; events without a measurement are skipped.
SCAN = 50

_COUNT_WORDS = {1: "", 2: " two", 3: " three"}


@dataclass(frozen=True)
class Estimate:
    """One past event: the uplift it was registered with and the uplift measured afterwards."""

    estimated: float
    realised: float
    own: bool = True


def _percent(share: float) -> int:
    return round(abs(share) * 100)


def calibration_wording(estimates: Sequence[Estimate]) -> str | None:
    """The plain sentence for up to LAST past estimates (newest first), or None when there is nothing to compare.

    Each estimate's error is (estimated - realised) ÷ realised: -0.4 means it was 40% lower than what happened.
    """
    usable = [e for e in estimates if e.realised > 0 and e.estimated > 0][:LAST]
    if not usable:
        return None
    errors = [(e.estimated - e.realised) / e.realised for e in usable]
    owner = "Your" if all(e.own for e in usable) else "Your team's"
    noun = "estimate was" if len(usable) == 1 else "estimates were"
    subject = f"{owner} last{_COUNT_WORDS[len(usable)]} {noun}"
    mean = sum(errors) / len(errors)
    if all(abs(error) <= ABOUT_RIGHT for error in errors):
        return f"{subject} about right (within {_percent(ABOUT_RIGHT)}%)."
    if all(error < 0 for error in errors):
        return f"{subject} {_percent(mean)}% low."
    if all(error > 0 for error in errors):
        return f"{subject} {_percent(mean)}% high."
    if mean < -ABOUT_RIGHT:
        return f"{subject} {_percent(mean)}% low on average."
    if mean > ABOUT_RIGHT:
        return f"{subject} {_percent(mean)}% high on average."
    lowest, highest = min(errors), max(errors)
    return f"{subject} off both ways: from {_percent(lowest)}% low to {_percent(highest)}% high."


def past_estimates(user: User | AnonymousUser | None) -> list[Estimate]:
    """The newest past events of this person and of their current teams that have both an estimate and a
    measurement, newest first (at most LAST)."""
    from steadyops.demand.models import DemandEvent, EventStatus

    if user is None or not user.is_authenticated or user.pk is None:
        return []
    team_ids = list(user.memberships.filter(team__archived_at=None).values_list("team_id", flat=True))
    events = (
        DemandEvent.objects.exclude(status=EventStatus.CANCELLED)
        .filter(Q(created_by_id=user.pk) | Q(team_id__in=team_ids))
        .filter(ends_at__lt=timezone.now(), realised_uplift__isnull=False)
        .order_by("-starts_at", "-pk")[:SCAN]
    )
    found: list[Estimate] = []
    for event in events:
        estimated = event.uplift()
        if estimated is None or event.realised_uplift is None:
            continue
        found.append(Estimate(estimated=estimated, realised=event.realised_uplift, own=event.created_by_id == user.pk))
        if len(found) == LAST:
            break
    return found


def calibration_for(user: User | AnonymousUser | None) -> str | None:
    """E.g. "Your last three estimates were 40% low." — or None when there is nothing to compare yet."""
    return calibration_wording(past_estimates(user))
