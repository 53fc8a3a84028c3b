"""How good someone's past estimates were, in one sentence."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from steadyops.demand.calibration import Estimate, calibration_for, calibration_wording
from steadyops.demand.models import DemandEvent
from steadyops.testing.personas import Personas


@pytest.mark.parametrize(
    ("estimates", "expected"),
    [
        ([], None),
        # 3 against 5: (3 - 5) / 5 = 40% low, three times.
        ([Estimate(3, 5), Estimate(6, 10), Estimate(1.5, 2.5)], "Your last three estimates were 40% low."),
        ([Estimate(6, 5), Estimate(3, 2.5)], "Your last two estimates were 20% high."),
        ([Estimate(6, 4)], "Your last estimate was 50% high."),
        (
            [Estimate(5.4, 6), Estimate(3, 3), Estimate(2.1, 2)],
            "Your last three estimates were about right (within 10%).",
        ),
        # Mixed directions: the average decides when it is clearly one way.
        ([Estimate(2, 10), Estimate(6, 5)], "Your last two estimates were 30% low on average."),
        ([Estimate(2, 1), Estimate(4.5, 5)], "Your last two estimates were 45% high on average."),
        # Mixed and cancelling out: say both ways.
        (
            [Estimate(7, 10), Estimate(3, 2.5), Estimate(5.5, 5)],
            "Your last three estimates were off both ways: from 30% low to 20% high.",
        ),
        # Only the three newest count.
        ([Estimate(3, 5), Estimate(3, 5), Estimate(3, 5), Estimate(10, 5)], "Your last three estimates were 40% low."),
        # Someone else in the team made one of them.
        ([Estimate(3, 5, own=False), Estimate(3, 5)], "Your team's last two estimates were 40% low."),
        # Figures that cannot be compared are skipped.
        ([Estimate(3, 0)], None),
    ],
)
def test_it_words_past_estimates(estimates: list[Estimate], expected: str | None) -> None:
    assert calibration_wording(estimates) == expected


def _past_event(
    personas: Personas, *, days_ago: int, multiplier: str, realised: float | None, **fields: object
) -> DemandEvent:
    start = timezone.now() - timedelta(days=days_ago)
    values: dict[str, object] = {"created_by": personas.stakeholder, "team": personas.marketing}
    values.update(fields)
    return DemandEvent.objects.create(
        title=f"Sale {days_ago}",
        starts_at=start,
        ends_at=start + timedelta(hours=6),
        timezone="UTC",
        size_kind="multiplier",
        multiplier=Decimal(multiplier),
        realised_uplift=realised,
        **values,
    )


def test_it_compares_the_persons_and_their_teams_past_events(personas: Personas) -> None:
    _past_event(personas, days_ago=10, multiplier="3", realised=5.0)
    _past_event(personas, days_ago=20, multiplier="6", realised=10.0, created_by=personas.admin)
    _past_event(personas, days_ago=30, multiplier="2", realised=None)  # not measured: skipped
    _past_event(personas, days_ago=40, multiplier="1.5", realised=2.5, status="cancelled")  # cancelled: skipped
    _past_event(personas, days_ago=50, multiplier="9", realised=1.0, created_by=personas.operator_a, team=None)
    assert calibration_for(personas.stakeholder) == "Your team's last two estimates were 40% low."
    assert calibration_for(personas.operator_a) == "Your last estimate was 800% high."
    assert calibration_for(personas.viewer) is None
    assert calibration_for(None) is None


def test_it_ignores_events_still_to_come(personas: Personas) -> None:
    _past_event(personas, days_ago=-5, multiplier="3", realised=5.0)
    assert calibration_for(personas.stakeholder) is None
