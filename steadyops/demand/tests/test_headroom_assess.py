"""The headroom arithmetic and its plain words, on a table of cases with exact figures."""

from datetime import date

import pandas as pd
import pytest

from steadyops.demand import headroom
from steadyops.demand.headroom import Assessment, CapacityFacts

TODAY = date(2025, 11, 1)
BLACK_FRIDAY = date(2025, 11, 28)


def facts(**changes: object) -> CapacityFacts:
    values: dict[str, object] = {
        "instances": 4,
        "per_instance": 80.0,
        "unit": "requests/s",
        "target_utilisation": 75,
        "redundancy_intent": "N+1",
        "lead_time_days": 8,
        "pool_repurposable": False,
    }
    values.update(changes)
    return CapacityFacts(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("peak", "capacity", "today", "expected"),
    [
        # 1080 / (80 x 0.75) = 18, + 1 spare = 19 needed; 4 running: 15 short; deadline 28 Nov - 8 days.
        (
            1080.0,
            facts(),
            TODAY,
            Assessment(
                "short",
                "Add 15 Checkout instances by 20 Nov",
                1080.0,
                19,
                4,
                15,
                date(2025, 11, 20),
                -77.77777777777779,
            ),
        ),
        # Just over a whole instance's worth rounds up: 1081 / 60 = 18.02 -> 19, + 1 = 20.
        (
            1081.0,
            facts(),
            TODAY,
            Assessment(
                "short",
                "Add 16 Checkout instances by 20 Nov",
                1081.0,
                20,
                4,
                16,
                date(2025, 11, 20),
                (240 - 1081) / 1081 * 100,
            ),
        ),
        # The shared pool is offered when the catalog says spare instances can come from it.
        (
            100.0,
            facts(instances=2, pool_repurposable=True),
            TODAY,
            Assessment(
                "short",
                "Add 1 Checkout instance by 20 Nov (or take them from the shared pool)",
                100.0,
                3,
                2,
                1,
                date(2025, 11, 20),
                20.0,
                True,
            ),
        ),
        # Enough: 4 x 60 = 240 against a peak of 150, 60% headroom; needed = 3 + 1 = 4.
        (150.0, facts(), TODAY, Assessment("enough", "Enough: 60% headroom", 150.0, 4, 4, 0, date(2025, 11, 20), 60.0)),
        # No target utilisation recorded counts as 100%; no redundancy intent as no spare; no lead time as 0 days.
        (
            320.0,
            facts(target_utilisation=None, redundancy_intent="", lead_time_days=None),
            TODAY,
            Assessment("enough", "Enough: 0% headroom", 320.0, 4, 4, 0, BLACK_FRIDAY, 0.0),
        ),
        # "N" keeps no spare; N+2 keeps two.
        (
            240.0,
            facts(redundancy_intent="N"),
            TODAY,
            Assessment("enough", "Enough: 0% headroom", 240.0, 4, 4, 0, date(2025, 11, 20), 0.0),
        ),
        (
            240.0,
            facts(redundancy_intent="N+2"),
            TODAY,
            Assessment("short", "Add 2 Checkout instances by 20 Nov", 240.0, 6, 4, 2, date(2025, 11, 20), 0.0),
        ),
        # The deadline has passed: add them now, or use the shared pool when there is one.
        (
            1080.0,
            facts(),
            date(2025, 11, 21),
            Assessment(
                "late",
                "Deadline passed: add 15 Checkout instances now",
                1080.0,
                19,
                4,
                15,
                date(2025, 11, 20),
                -77.77777777777779,
            ),
        ),
        (
            1080.0,
            facts(pool_repurposable=True),
            date(2025, 11, 21),
            Assessment(
                "late",
                "Deadline passed: add 15 Checkout instances now or use the shared pool",
                1080.0,
                19,
                4,
                15,
                date(2025, 11, 20),
                -77.77777777777779,
                True,
            ),
        ),
        # The deadline itself is still in time.
        (
            1080.0,
            facts(),
            date(2025, 11, 20),
            Assessment(
                "short",
                "Add 15 Checkout instances by 20 Nov",
                1080.0,
                19,
                4,
                15,
                date(2025, 11, 20),
                -77.77777777777779,
            ),
        ),
        # A deadline next year carries its year.
        (
            1080.0,
            facts(),
            date(2024, 12, 1),
            Assessment(
                "short",
                "Add 15 Checkout instances by 20 Nov 2025",
                1080.0,
                19,
                4,
                15,
                date(2025, 11, 20),
                -77.77777777777779,
            ),
        ),
    ],
)
def test_it_works_out_what_to_add_by_when(
    peak: float, capacity: CapacityFacts, today: date, expected: Assessment
) -> None:
    result = headroom.assess(service="Checkout", peak=peak, facts=capacity, event_start=BLACK_FRIDAY, today=today)
    assert result.verdict == expected.verdict
    assert result.recommendation == expected.recommendation
    assert result.peak == expected.peak
    assert (result.needed, result.current, result.shortfall, result.deadline) == (
        expected.needed,
        expected.current,
        expected.shortfall,
        expected.deadline,
    )
    assert result.headroom_pct == pytest.approx(expected.headroom_pct)
    assert result.pool_repurposable == expected.pool_repurposable


def test_it_asks_for_the_per_instance_figure_when_capacity_is_unknown() -> None:
    result = headroom.assess(
        service="Checkout", peak=500.0, facts=facts(per_instance=None), event_start=BLACK_FRIDAY, today=TODAY
    )
    assert result == Assessment(
        "unknown", "Capacity unknown: record what one Checkout instance handles", current=4, pool_repurposable=False
    )


def test_it_asks_for_capacity_when_none_is_recorded() -> None:
    result = headroom.assess(service="Checkout", peak=500.0, facts=None, event_start=BLACK_FRIDAY, today=TODAY)
    assert result.verdict == "unknown"
    assert result.recommendation == "Capacity unknown: record how many Checkout instances run and what one handles"
    assert result.needed is None


def test_it_says_why_there_is_no_peak() -> None:
    result = headroom.assess(
        service="Checkout", peak=None, facts=facts(), event_start=BLACK_FRIDAY, today=TODAY, peak_missing="No history"
    )
    assert (result.verdict, result.recommendation, result.current) == ("unknown", "No history", 4)


def test_it_keeps_the_spare_instances_when_no_traffic_is_expected() -> None:
    result = headroom.assess(
        service="Checkout", peak=0.0, facts=facts(instances=1), event_start=BLACK_FRIDAY, today=TODAY
    )
    assert (result.verdict, result.needed, result.shortfall, result.headroom_pct) == ("enough", 1, 0, None)
    assert result.recommendation == "Enough: no traffic expected"


@pytest.mark.parametrize(("intent", "spare"), [("", 0), ("N", 0), ("N+1", 1), ("n+2", 2), ("N+10", 10), ("2N", 0)])
def test_it_reads_the_redundancy_intent(intent: str, spare: int) -> None:
    assert headroom.spare_instances(intent) == spare


def test_it_takes_the_highest_upper_bound_inside_the_window_only() -> None:
    index = pd.date_range("2025-11-27", periods=72, freq="h", tz="UTC")
    upper = pd.Series(range(72), index=index, dtype=float)
    start, end = pd.Timestamp("2025-11-28", tz="UTC"), pd.Timestamp("2025-11-29", tz="UTC")
    assert headroom.peak_over(upper, start, end) == 47.0
    assert headroom.peak_over(upper, pd.Timestamp("2026-01-01", tz="UTC"), pd.Timestamp("2026-01-02", tz="UTC")) is None


def test_it_ranks_shortfalls_first_then_by_deadline() -> None:
    def a(verdict: str, deadline: date | None, shortfall: int = 0) -> Assessment:
        return Assessment(verdict, "", shortfall=shortfall, deadline=deadline)

    items = [
        ("Search", a("enough", date(2025, 11, 1))),
        ("Cart", a("short", date(2025, 11, 20), 2)),
        ("Payments", a("unknown", None)),
        ("Web", a("short", date(2025, 11, 10), 1)),
        ("Checkout", a("late", date(2025, 11, 25), 3)),
        ("Catalog", a("short", date(2025, 11, 10), 5)),
    ]
    assert [name for name, _ in headroom.ranked(items)] == ["Checkout", "Catalog", "Web", "Cart", "Payments", "Search"]


@pytest.mark.parametrize(
    ("verdict", "shortfall", "deadline", "pct", "pool", "expected"),
    [
        (
            "enough",
            0,
            date(2025, 11, 20),
            38.4,
            False,
            ("green", "Checkout is ready: it can take the busiest expected moment with 38% to spare."),
        ),
        (
            "short",
            14,
            date(2025, 11, 20),
            -50.0,
            False,
            ("amber", "Checkout needs more room: operations will add 14 more servers by 20 Nov."),
        ),
        (
            "short",
            1,
            date(2025, 11, 20),
            -5.0,
            False,
            ("amber", "Checkout needs more room: operations will add 1 more server by 20 Nov."),
        ),
        (
            "late",
            3,
            date(2025, 10, 20),
            -50.0,
            True,
            (
                "red",
                "Checkout may slow down at the busiest moment: it needs 3 more servers, and the usual time to add them "
                "has passed. Operations is adding them now, borrowing them from a shared pool where it can.",
            ),
        ),
        (
            "unknown",
            0,
            None,
            None,
            False,
            ("amber", "We cannot tell yet whether Checkout is ready: operations is still collecting its figures."),
        ),
    ],
)
def test_it_says_readiness_in_plain_words(
    verdict: str, shortfall: int, deadline: date | None, pct: float | None, pool: bool, expected: tuple[str, str]
) -> None:
    line = headroom.readiness_line(
        service="Checkout",
        verdict=verdict,
        shortfall=shortfall,
        deadline=deadline,
        headroom_pct=pct,
        pool_repurposable=pool,
        today=TODAY,
    )
    assert line == expected
    assert "N+" not in line[1]
    assert "instance" not in line[1]
    assert "MASE" not in line[1]


def test_it_takes_the_worst_colour_overall() -> None:
    assert headroom.overall(["green", "amber", "green"]) == "amber"
    assert headroom.overall(["green", "red", "amber"]) == "red"
    assert headroom.overall(["green"]) == "green"
    assert headroom.overall([]) == "amber"
