"""Incident response figures, computed from plain facts (no database): how long until someone acknowledged,
declared, mitigated and resolved, how many reports each incident drew, and how often a triaged signal was a false
alarm.

Every duration is measured from the moment the problem was first noticed: the first report or alert of the
incident's signals, or the declaration when nothing came before it. "Time to declare" only counts incidents that
started from reports or alerts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from statistics import mean, median

TRIAGED = frozenset({"accepted", "merged", "declined"})
DECLINED = "declined"


@dataclass(frozen=True)
class IncidentFacts:
    """What the figures need to know about one incident."""

    declared_at: datetime
    first_seen_at: datetime | None = None
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    reports: int = 0
    services: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()

    @property
    def started_at(self) -> datetime:
        if self.first_seen_at is None:
            return self.declared_at
        return min(self.first_seen_at, self.declared_at)


@dataclass(frozen=True)
class SignalFacts:
    """One signal (a group of reports and alerts) and where it stands after triage."""

    status: str
    services: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()


@dataclass(frozen=True)
class Durations:
    """Median and mean of a set of durations, in seconds; None when there is nothing to measure."""

    count: int
    median_seconds: float | None
    mean_seconds: float | None


@dataclass(frozen=True)
class Figures:
    incidents: int
    acknowledge: Durations
    declare: Durations
    mitigate: Durations
    resolve: Durations
    reports: int
    reports_per_incident: float | None
    triaged_signals: int
    declined_signals: int
    false_alarm_rate: float | None = field(default=None)


def durations(seconds: Iterable[float]) -> Durations:
    values = sorted(seconds)
    if not values:
        return Durations(0, None, None)
    return Durations(len(values), float(median(values)), float(mean(values)))


def _since_start(facts: Iterable[IncidentFacts], moment: Callable[[IncidentFacts], datetime | None]) -> Durations:
    # A clock set slightly differently between two machines must not produce negative durations.
    return durations(
        max(0.0, (when - item.started_at).total_seconds()) for item in facts if (when := moment(item)) is not None
    )


def figures(incidents: Iterable[IncidentFacts], signals: Iterable[SignalFacts] = ()) -> Figures:
    """The figures for one set of incidents and signals."""
    facts = list(incidents)
    triaged = [signal for signal in signals if signal.status in TRIAGED]
    declined = sum(1 for signal in triaged if signal.status == DECLINED)
    reports = sum(item.reports for item in facts)
    declare = durations(
        max(0.0, (item.declared_at - item.first_seen_at).total_seconds())
        for item in facts
        if item.first_seen_at is not None
    )
    return Figures(
        incidents=len(facts),
        acknowledge=_since_start(facts, lambda item: item.acknowledged_at),
        declare=declare,
        mitigate=_since_start(facts, lambda item: item.mitigated_at),
        resolve=_since_start(facts, lambda item: item.resolved_at),
        reports=reports,
        reports_per_incident=reports / len(facts) if facts else None,
        triaged_signals=len(triaged),
        declined_signals=declined,
        false_alarm_rate=declined / len(triaged) if triaged else None,
    )


def by_service(incidents: Iterable[IncidentFacts], signals: Iterable[SignalFacts] = ()) -> dict[str, Figures]:
    """The figures of each service, by name; an incident on two services counts for both."""
    return _grouped(list(incidents), list(signals), lambda item: item.services)


def by_team(incidents: Iterable[IncidentFacts], signals: Iterable[SignalFacts] = ()) -> dict[str, Figures]:
    """The figures of each team owning an affected service, by name."""
    return _grouped(list(incidents), list(signals), lambda item: item.teams)


def _grouped(
    incidents: list[IncidentFacts],
    signals: list[SignalFacts],
    keys: Callable[[IncidentFacts | SignalFacts], tuple[str, ...]],
) -> dict[str, Figures]:
    everything: list[IncidentFacts | SignalFacts] = [*incidents, *signals]
    names = sorted({name for item in everything for name in keys(item)})
    return {
        name: figures(
            [item for item in incidents if name in keys(item)], [item for item in signals if name in keys(item)]
        )
        for name in names
    }


def duration_words(seconds: float | None) -> str:
    """A duration as people say it: "45 s", "12 min", "3 h 05 min", "2 d 4 h"."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes = whole // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"
