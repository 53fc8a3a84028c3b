"""Headroom: a forecast peak against a service's capacity, and what to add by when. Pure: no Django.

The peak is the maximum of the forecast's upper bound at level 0.9 over the event: plans then cover a busy
version of the day, not the middle of the range, and a day nine in ten times no busier than that.

    usable per instance = per-instance capacity x target utilisation ÷ 100   (no target recorded: 100%)
    instances needed    = ceil(peak ÷ usable per instance) + k               (k from the "N+k" intent; blank: 0)
    shortfall           = max(0, needed - current instances)
    deadline            = the event's first day - provisioning lead time (days; none recorded: 0)
    headroom %          = (current x usable per instance - peak) ÷ peak x 100
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd

LEVEL = 0.9
_INTENT = re.compile(r"^N(?:\+(\d{1,3}))?$")


@dataclass(frozen=True)
class CapacityFacts:
    """What the catalog records for a service in one environment."""

    instances: int
    per_instance: float | None
    unit: str = ""
    target_utilisation: int | None = None
    redundancy_intent: str = ""
    lead_time_days: int | None = None
    pool_repurposable: bool = False


@dataclass(frozen=True)
class Assessment:
    """One service against one event: the figures and the plain recommendation."""

    verdict: str  # "late" | "short" | "unknown" | "enough", as in models.Verdict
    recommendation: str
    peak: float | None = None
    needed: int | None = None
    current: int | None = None
    shortfall: int = 0
    deadline: date | None = None
    headroom_pct: float | None = None
    pool_repurposable: bool = False


RANK = {"late": 0, "short": 1, "unknown": 2, "enough": 3}


def spare_instances(intent: str) -> int:
    """k in "N+k": how many instances may fail with no harm ("N" or blank: 0)."""
    match = _INTENT.match((intent or "").strip().upper())
    if match is None:
        return 0
    return int(match.group(1) or 0)


def peak_over(upper: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> float | None:
    """The highest upper bound from start (inclusive) to end (exclusive); None when the forecast misses it."""
    inside = upper[(upper.index >= start) & (upper.index < end)]
    if inside.empty:
        return None
    value = float(inside.max())
    return value if math.isfinite(value) else None


def short_date(day: date, today: date) -> str:
    """20 Nov — with the year when it is not this year's."""
    text = f"{day.day} {day:%b}"
    return text if day.year == today.year else f"{text} {day.year}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def usable_per_instance(facts: CapacityFacts) -> float | None:
    """What one instance should carry at the target utilisation; None when nobody recorded what it handles."""
    if facts.per_instance is None or facts.per_instance <= 0:
        return None
    utilisation = facts.target_utilisation if facts.target_utilisation else 100
    return facts.per_instance * utilisation / 100


def assess(
    *,
    service: str,
    peak: float | None,
    facts: CapacityFacts | None,
    event_start: date,
    today: date,
    peak_missing: str = "",
) -> Assessment:
    """Compare the event's peak with the service's capacity and say what to do, in plain words.

    peak_missing says why there is no peak (no history yet, units that do not match), when peak is None.
    """
    if facts is None:
        return Assessment(
            verdict="unknown",
            recommendation=f"Capacity unknown: record how many {service} instances run and what one handles",
        )
    usable = usable_per_instance(facts)
    if usable is None:
        return Assessment(
            verdict="unknown",
            recommendation=f"Capacity unknown: record what one {service} instance handles",
            current=facts.instances,
            pool_repurposable=facts.pool_repurposable,
        )
    if peak is None:
        return Assessment(
            verdict="unknown",
            recommendation=peak_missing or f"No forecast for {service} yet: import its traffic history",
            current=facts.instances,
            pool_repurposable=facts.pool_repurposable,
        )
    # A forecast of no traffic at all still leaves the spare instances the intent asks for.
    needed = math.ceil(peak / usable - 1e-9) + spare_instances(facts.redundancy_intent) if peak > 0 else 0
    needed = max(needed, spare_instances(facts.redundancy_intent))
    shortfall = max(0, needed - facts.instances)
    deadline = event_start - timedelta(days=facts.lead_time_days or 0)
    headroom = (facts.instances * usable - peak) / peak * 100 if peak > 0 else None
    figures = Assessment(
        verdict="enough",
        recommendation="",
        peak=peak,
        needed=needed,
        current=facts.instances,
        shortfall=shortfall,
        deadline=deadline,
        headroom_pct=headroom,
        pool_repurposable=facts.pool_repurposable,
    )
    if shortfall == 0:
        text = f"Enough: {round(headroom)}% headroom" if headroom is not None else "Enough: no traffic expected"
        return replace(figures, recommendation=text)
    instances = _plural(shortfall, f"{service} instance")
    if deadline < today:
        pool = " or use the shared pool" if facts.pool_repurposable else ""
        return replace(figures, verdict="late", recommendation=f"Deadline passed: add {instances} now{pool}")
    pool = " (or take them from the shared pool)" if facts.pool_repurposable else ""
    text = f"Add {instances} by {short_date(deadline, today)}{pool}"
    return replace(figures, verdict="short", recommendation=text)


def rank_key(verdict: str, deadline: date | None, shortfall: int, name: str) -> tuple[int, date, int, str]:
    """Shortfalls first, the nearest deadline first, then the largest shortfall."""
    return (RANK.get(verdict, len(RANK)), deadline or date.max, -shortfall, name)


def ranked(items: Iterable[tuple[str, Assessment]]) -> list[tuple[str, Assessment]]:
    """(service name, assessment) pairs, worst first."""
    return sorted(items, key=lambda pair: rank_key(pair[1].verdict, pair[1].deadline, pair[1].shortfall, pair[0]))


# --- "Ready for the event?" in plain words ------------------------------------------------------------------------

COLOUR = {"enough": "green", "short": "amber", "unknown": "amber", "late": "red"}


def readiness_line(
    *,
    service: str,
    verdict: str,
    shortfall: int,
    deadline: date | None,
    headroom_pct: float | None,
    pool_repurposable: bool,
    today: date,
) -> tuple[str, str]:
    """(green | amber | red, one sentence) for one service, for readers outside operations: servers, not
    instances; no formulas."""
    colour = COLOUR.get(verdict, "amber")
    servers = _plural(shortfall, "more server")
    if verdict == "enough":
        if headroom_pct is None:
            return colour, f"{service} is ready."
        return colour, (
            f"{service} is ready: it can take the busiest expected moment with {round(headroom_pct)}% to spare."
        )
    if verdict == "short":
        when = short_date(deadline, today) if deadline else "the event"
        return colour, f"{service} needs more room: operations will add {servers} by {when}."
    if verdict == "late":
        pool = ", borrowing them from a shared pool where it can" if pool_repurposable else ""
        return colour, (
            f"{service} may slow down at the busiest moment: it needs {servers}, and the usual time to add them "
            f"has passed. Operations is adding them now{pool}."
        )
    return colour, f"We cannot tell yet whether {service} is ready: operations is still collecting its figures."


def overall(colours: Iterable[str]) -> str:
    """The worst colour of all lines: red, then amber, then green; amber when there are none."""
    seen = set(colours)
    for colour in ("red", "amber", "green"):
        if colour in seen:
            return colour
    return "amber"
