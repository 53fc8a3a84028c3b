"""Schedule maths for on-call rotations: who is on call at an instant, and the shifts between two instants.

Pure: no database, no requests. Hand-offs happen at a local wall-clock time in the rotation's time zone, so a daily
rotation handing over at 09:00 in Europe/Berlin hands over at 09:00 in winter and in summer; its shifts on the two
days of a DST change are 23 and 25 hours long. Custom periods count real hours from the first hand-off instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

T = TypeVar("T")

DAILY = "daily"
WEEKLY = "weekly"
CUSTOM = "custom"
PERIODS = (DAILY, WEEKLY, CUSTOM)
MAX_PERIOD_HOURS = 24 * 28
# Bounds the work of a single shifts() call: 8 weeks of one-hour shifts is 1,344.
MAX_SHIFTS = 5000


@dataclass(frozen=True)
class Schedule(Generic[T]):
    """A rotation's turn-taking: members in order take shifts of one period each, starting at the first hand-off."""

    period: str
    handoff_time: time
    zone: ZoneInfo
    starts_on: date
    members: Sequence[T]
    period_hours: int | None = None

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"Unknown period {self.period!r}.")
        if self.period == CUSTOM and not (self.period_hours and 1 <= self.period_hours <= MAX_PERIOD_HOURS):
            raise ValueError(f"A custom period needs 1 to {MAX_PERIOD_HOURS} hours.")


@dataclass(frozen=True)
class Cover(Generic[T]):
    """An override: who covers the rotation from starts_at (included) to ends_at (excluded)."""

    who: T
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Shift(Generic[T]):
    """A stretch of time one person is on call; override is True when they cover for the turn-holder."""

    who: T
    starts_at: datetime
    ends_at: datetime
    override: bool = False


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    # fold=0: a hand-off time that happens twice (clocks go back) is taken the first time; one that does not
    # exist (clocks go forward) falls an hour later in local time. Either way instants stay in order.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def first_handoff(schedule: Schedule[T]) -> datetime:
    """The instant the first shift starts (UTC)."""
    return _local(schedule.starts_on, schedule.handoff_time, schedule.zone)


def shift_start(schedule: Schedule[T], index: int) -> datetime:
    """The instant shift number index starts (UTC); shift 0 starts at the first hand-off."""
    if schedule.period == CUSTOM:
        assert schedule.period_hours is not None
        return first_handoff(schedule) + timedelta(hours=schedule.period_hours * index)
    days = index if schedule.period == DAILY else 7 * index
    return _local(schedule.starts_on + timedelta(days=days), schedule.handoff_time, schedule.zone)


def shift_index(schedule: Schedule[T], at: datetime) -> int:
    """The number of the shift under way at an instant; negative before the first hand-off."""
    at = at.astimezone(UTC)
    if schedule.period == CUSTOM:
        assert schedule.period_hours is not None
        elapsed = at - first_handoff(schedule)
        return int(elapsed // timedelta(hours=schedule.period_hours))
    days = (at.astimezone(schedule.zone).date() - schedule.starts_on).days
    guess = days if schedule.period == DAILY else days // 7
    # The local date can be one off around the hand-off time; step until the instant lies in the shift.
    while shift_start(schedule, guess) > at:
        guess -= 1
    while shift_start(schedule, guess + 1) <= at:
        guess += 1
    return guess


def turn_at(schedule: Schedule[T], at: datetime) -> T | None:
    """Whose turn it is at an instant, ignoring overrides; None before the rotation starts or with no members."""
    if not schedule.members:
        return None
    index = shift_index(schedule, at)
    if index < 0:
        return None
    return schedule.members[index % len(schedule.members)]


def cover_at(covers: Sequence[Cover[T]], at: datetime) -> Cover[T] | None:
    """The override in force at an instant: of several, the one that started last (it was meant to win)."""
    found = [cover for cover in covers if cover.starts_at <= at < cover.ends_at]
    if not found:
        return None
    return max(enumerate(found), key=lambda pair: (pair[1].starts_at, pair[0]))[1]


def on_call_at(schedule: Schedule[T], covers: Sequence[Cover[T]], at: datetime) -> T | None:
    """Who is on call at an instant: an override wins over the turn."""
    cover = cover_at(covers, at)
    if cover is not None:
        return cover.who
    return turn_at(schedule, at)


def shifts_between(schedule: Schedule[T], covers: Sequence[Cover[T]], start: datetime, end: datetime) -> list[Shift[T]]:
    """The shifts from start to end, cut to that window, with overrides cut in; nobody's time is left out."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return []
    cuts = {start, end}
    if schedule.members:
        index = max(shift_index(schedule, start), 0)
        for _ in range(MAX_SHIFTS):
            boundary = shift_start(schedule, index)
            if boundary >= end:
                break
            if boundary > start:
                cuts.add(boundary)
            index += 1
    for each in covers:
        for moment in (each.starts_at.astimezone(UTC), each.ends_at.astimezone(UTC)):
            if start < moment < end:
                cuts.add(moment)
    ordered = sorted(cuts)
    result: list[Shift[T]] = []
    for begin, finish in pairwise(ordered):
        cover = cover_at(covers, begin)
        who = cover.who if cover is not None else turn_at(schedule, begin)
        if who is None:
            continue
        piece = Shift(who=who, starts_at=begin, ends_at=finish, override=cover is not None)
        last = result[-1] if result else None
        if last is not None and last.who == who and last.override == piece.override and last.ends_at == begin:
            result[-1] = Shift(who=who, starts_at=last.starts_at, ends_at=finish, override=piece.override)
        else:
            result.append(piece)
        if len(result) >= MAX_SHIFTS:
            break
    return result


def next_handoff(schedule: Schedule[T], at: datetime) -> datetime | None:
    """When the turn next changes hands after an instant (ignoring overrides); None with no members."""
    if not schedule.members:
        return None
    return shift_start(schedule, max(shift_index(schedule, at) + 1, 0))


def whole_span(
    schedule: Schedule[T], covers: Sequence[Cover[T]], start: datetime, end: datetime
) -> tuple[datetime, datetime]:
    """The stretch to ask shifts_between for so that the shifts under way at start and at end come out whole: from
    the beginning of the turn or cover running at start to the end of the one running at end. Pass the covers
    around start and end; ask for the covers of the wider stretch before computing its shifts."""
    begin, finish = start.astimezone(UTC), end.astimezone(UTC)
    if finish <= begin:
        return begin, finish
    last = finish - timedelta(microseconds=1)
    if schedule.members:
        begin = min(begin, shift_start(schedule, max(shift_index(schedule, begin), 0)))
        handoff = next_handoff(schedule, last)
        if handoff is not None:
            finish = max(finish, handoff)
    for each in covers:
        if each.starts_at <= start < each.ends_at:
            begin = min(begin, each.starts_at.astimezone(UTC))
        if each.starts_at <= last < each.ends_at:
            finish = max(finish, each.ends_at.astimezone(UTC))
    return begin, finish
