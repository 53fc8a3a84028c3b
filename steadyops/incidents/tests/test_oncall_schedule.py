"""Schedule maths: who is on call at an instant and the shifts between two instants (pure, no database)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steadyops.incidents.oncall import (
    CUSTOM,
    DAILY,
    WEEKLY,
    Cover,
    Schedule,
    next_handoff,
    on_call_at,
    shift_start,
    shifts_between,
    turn_at,
    whole_span,
)

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def daily(members: list[str], **extra: object) -> Schedule[str]:
    values: dict[str, object] = {
        "period": DAILY,
        "handoff_time": time(9, 0),
        "zone": BERLIN,
        "starts_on": date(2025, 3, 28),
        "members": members,
    }
    values.update(extra)
    return Schedule(**values)  # type: ignore[arg-type]


def test_it_hands_off_daily_at_local_time():
    schedule = daily(["ann", "bob", "cem"])
    # 09:00 CET is 08:00 UTC on 28 March.
    assert turn_at(schedule, utc(2025, 3, 28, 7, 59)) is None
    assert turn_at(schedule, utc(2025, 3, 28, 8, 0)) == "ann"
    assert turn_at(schedule, utc(2025, 3, 29, 7, 59)) == "ann"
    assert turn_at(schedule, utc(2025, 3, 29, 8, 0)) == "bob"
    assert turn_at(schedule, utc(2025, 3, 31, 8, 0)) == "ann"


def test_it_keeps_the_local_handoff_across_the_spring_dst_change():
    schedule = daily(["ann", "bob"])
    # Clocks go forward on 30 March 2025: 09:00 CEST is 07:00 UTC.
    assert shift_start(schedule, 1) == utc(2025, 3, 29, 8, 0)
    assert shift_start(schedule, 2) == utc(2025, 3, 30, 7, 0)
    assert turn_at(schedule, utc(2025, 3, 30, 6, 59)) == "bob"
    assert turn_at(schedule, utc(2025, 3, 30, 7, 0)) == "ann"
    found = shifts_between(schedule, [], utc(2025, 3, 29, 8, 0), utc(2025, 3, 31, 7, 0))
    assert [(s.who, s.ends_at - s.starts_at) for s in found] == [
        ("bob", timedelta(hours=23)),
        ("ann", timedelta(hours=24)),
    ]


def test_it_keeps_the_local_handoff_across_the_autumn_dst_change():
    schedule = daily(["ann", "bob"], starts_on=date(2025, 10, 25))
    # Clocks go back on 26 October 2025: that day lasts 25 hours.
    assert shift_start(schedule, 0) == utc(2025, 10, 25, 7, 0)
    assert shift_start(schedule, 1) == utc(2025, 10, 26, 8, 0)
    found = shifts_between(schedule, [], utc(2025, 10, 25, 7, 0), utc(2025, 10, 27, 8, 0))
    assert [(s.who, s.ends_at - s.starts_at) for s in found] == [
        ("ann", timedelta(hours=25)),
        ("bob", timedelta(hours=24)),
    ]


def test_it_handles_a_handoff_time_that_does_not_exist_on_the_dst_day():
    schedule = daily(["ann", "bob"], handoff_time=time(2, 30))
    # 02:30 does not exist in Berlin on 30 March 2025; the hand-off falls at 03:30 CEST, 01:30 UTC.
    assert shift_start(schedule, 2) == utc(2025, 3, 30, 1, 30)
    assert turn_at(schedule, utc(2025, 3, 30, 1, 29)) == "bob"
    assert turn_at(schedule, utc(2025, 3, 30, 1, 30)) == "ann"


def test_it_hands_off_weekly():
    schedule = daily(["ann", "bob"], period=WEEKLY, starts_on=date(2025, 1, 6))
    assert turn_at(schedule, utc(2025, 1, 12, 23, 0)) == "ann"
    assert turn_at(schedule, utc(2025, 1, 13, 8, 0)) == "bob"
    assert turn_at(schedule, utc(2025, 1, 20, 7, 59)) == "bob"
    assert turn_at(schedule, utc(2025, 1, 20, 8, 0)) == "ann"
    assert next_handoff(schedule, utc(2025, 1, 14, 0, 0)) == utc(2025, 1, 20, 8, 0)


def test_it_counts_real_hours_for_custom_periods_across_dst():
    schedule = daily(["ann", "bob", "cem"], period=CUSTOM, period_hours=12, handoff_time=time(20, 0))
    # First hand-off 28 March 20:00 CET = 19:00 UTC; 12-hour shifts regardless of the clock change.
    assert shift_start(schedule, 0) == utc(2025, 3, 28, 19, 0)
    assert shift_start(schedule, 4) == utc(2025, 3, 30, 19, 0)
    assert turn_at(schedule, utc(2025, 3, 29, 7, 0)) == "bob"
    assert turn_at(schedule, utc(2025, 3, 30, 18, 59)) == "ann"
    assert turn_at(schedule, utc(2025, 3, 30, 19, 0)) == "bob"


def test_it_lets_an_override_win_and_cuts_it_into_the_shifts():
    schedule = daily(["ann", "bob"])
    cover = Cover(who="dan", starts_at=utc(2025, 3, 28, 12, 0), ends_at=utc(2025, 3, 28, 14, 0))
    assert on_call_at(schedule, [cover], utc(2025, 3, 28, 13, 0)) == "dan"
    assert on_call_at(schedule, [cover], utc(2025, 3, 28, 14, 0)) == "ann"
    found = shifts_between(schedule, [cover], utc(2025, 3, 28, 8, 0), utc(2025, 3, 29, 8, 0))
    assert [(s.who, s.starts_at.hour, s.ends_at.hour, s.override) for s in found] == [
        ("ann", 8, 12, False),
        ("dan", 12, 14, True),
        ("ann", 14, 8, False),
    ]


def test_it_lets_the_later_of_two_overlapping_overrides_win():
    schedule = daily(["ann"])
    first = Cover(who="dan", starts_at=utc(2025, 3, 28, 10, 0), ends_at=utc(2025, 3, 28, 18, 0))
    second = Cover(who="eve", starts_at=utc(2025, 3, 28, 12, 0), ends_at=utc(2025, 3, 28, 13, 0))
    assert on_call_at(schedule, [first, second], utc(2025, 3, 28, 12, 30)) == "eve"
    assert on_call_at(schedule, [first, second], utc(2025, 3, 28, 13, 0)) == "dan"


def test_it_has_nobody_on_call_in_an_empty_rotation_unless_someone_covers():
    schedule = daily([])
    assert turn_at(schedule, utc(2025, 4, 1)) is None
    assert shifts_between(schedule, [], utc(2025, 4, 1), utc(2025, 4, 8)) == []
    cover = Cover(who="dan", starts_at=utc(2025, 4, 2), ends_at=utc(2025, 4, 3))
    assert [s.who for s in shifts_between(schedule, [cover], utc(2025, 4, 1), utc(2025, 4, 8))] == ["dan"]


def test_it_refuses_an_unknown_period_or_a_custom_period_without_hours():
    with pytest.raises(ValueError, match="Unknown period"):
        daily(["ann"], period="monthly")
    with pytest.raises(ValueError, match="custom period"):
        daily(["ann"], period=CUSTOM, period_hours=0)


def test_it_returns_no_shifts_for_an_empty_window():
    assert shifts_between(daily(["ann"]), [], utc(2025, 4, 2), utc(2025, 4, 1)) == []


def test_the_whole_span_reaches_back_to_the_turn_under_way_and_on_to_the_end_of_the_last():
    schedule = daily(["ann", "bob"])
    # 09:00 CEST is 07:00 UTC; ann's turn began on 1 April at 07:00 and bob's ends on 3 April at 07:00.
    assert whole_span(schedule, [], utc(2025, 4, 1, 12, 0), utc(2025, 4, 2, 12, 0)) == (
        utc(2025, 4, 1, 7, 0),
        utc(2025, 4, 3, 7, 0),
    )
    # A window that ends exactly at a hand-off needs nothing more at that end.
    assert whole_span(schedule, [], utc(2025, 4, 1, 12, 0), utc(2025, 4, 2, 7, 0)) == (
        utc(2025, 4, 1, 7, 0),
        utc(2025, 4, 2, 7, 0),
    )


def test_the_whole_span_follows_covers_running_at_either_edge():
    schedule = daily(["ann", "bob"])
    early = Cover(who="dan", starts_at=utc(2025, 3, 31, 20, 0), ends_at=utc(2025, 4, 1, 14, 0))
    late = Cover(who="eve", starts_at=utc(2025, 4, 2, 10, 0), ends_at=utc(2025, 4, 5, 10, 0))
    begin, finish = whole_span(schedule, [early, late], utc(2025, 4, 1, 12, 0), utc(2025, 4, 2, 12, 0))
    assert (begin, finish) == (utc(2025, 3, 31, 20, 0), utc(2025, 4, 5, 10, 0))
    found = shifts_between(schedule, [early, late], begin, finish)
    assert [(s.who, s.starts_at, s.ends_at, s.override) for s in found] == [
        ("dan", utc(2025, 3, 31, 20, 0), utc(2025, 4, 1, 14, 0), True),
        ("ann", utc(2025, 4, 1, 14, 0), utc(2025, 4, 2, 7, 0), False),
        ("bob", utc(2025, 4, 2, 7, 0), utc(2025, 4, 2, 10, 0), False),
        ("eve", utc(2025, 4, 2, 10, 0), utc(2025, 4, 5, 10, 0), True),
    ]


def test_the_whole_span_of_an_empty_window_is_that_window():
    assert whole_span(daily(["ann"]), [], utc(2025, 4, 2), utc(2025, 4, 1)) == (utc(2025, 4, 2), utc(2025, 4, 1))


instants = st.datetimes(min_value=datetime(2025, 3, 29), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))


@settings(max_examples=200, deadline=None)
@given(
    size=st.integers(min_value=1, max_value=6),
    period=st.sampled_from([DAILY, WEEKLY, CUSTOM]),
    hours=st.integers(min_value=1, max_value=72),
    handoff=st.times(),
    zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC", "Asia/Kolkata"]),
    at=instants,
)
def test_it_has_exactly_one_person_on_call_at_every_instant(size, period, hours, handoff, zone, at):
    members = [f"p{i}" for i in range(size)]
    schedule = Schedule(
        period=period,
        handoff_time=handoff,
        zone=ZoneInfo(zone),
        starts_on=date(2025, 3, 1),
        members=members,
        period_hours=hours if period == CUSTOM else None,
    )
    who = turn_at(schedule, at)
    assert who in members
    window = shifts_between(schedule, [], at - timedelta(days=3), at + timedelta(days=3))
    covering = [s for s in window if s.starts_at <= at < s.ends_at]
    assert [s.who for s in covering] == [who]
    # The shifts tile the window with no gap and no overlap.
    assert window[0].starts_at == at - timedelta(days=3)
    assert window[-1].ends_at == at + timedelta(days=3)
    assert all(a.ends_at == b.starts_at for a, b in itertools.pairwise(window))
