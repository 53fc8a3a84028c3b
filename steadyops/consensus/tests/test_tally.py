"""The tally of a round: counts, shares, blocks and the verdict of each rule, over many vote distributions."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steadyops.consensus.tally import EVERYONE_3, PRACTICE, tally, tally_counts

# values, rule, quorum, verdict
DISTRIBUTIONS = [
    # The practice: most at 4-5 move on, most at 0-3 talk more, half and half is undecided.
    ([5, 5, 4, 4, 3], PRACTICE, None, "move_on"),
    ([4, 4, 4, 4, 4], PRACTICE, None, "move_on"),
    ([5], PRACTICE, None, "move_on"),
    ([0, 5, 5], PRACTICE, None, "move_on"),
    ([3, 3, 3, 4, 5], PRACTICE, None, "more_discussion"),
    ([0, 1, 2, 3], PRACTICE, None, "more_discussion"),
    ([3], PRACTICE, None, "more_discussion"),
    ([4, 4, 3, 3], PRACTICE, None, "undecided"),
    ([5, 0], PRACTICE, None, "undecided"),
    ([], PRACTICE, None, "undecided"),
    ([5, 5, 5], PRACTICE, 4, "no_quorum"),
    ([5, 5, 5, 5], PRACTICE, 4, "move_on"),
    ([], PRACTICE, 1, "no_quorum"),
    ([0, 0, 1, 5, 5], PRACTICE, 5, "more_discussion"),
    # Everyone at 3 or more.
    ([3, 3, 3], EVERYONE_3, None, "move_on"),
    ([3, 4, 5, 5], EVERYONE_3, None, "move_on"),
    ([5, 5, 5, 5, 2], EVERYONE_3, None, "more_discussion"),
    ([0, 5, 5, 5], EVERYONE_3, None, "more_discussion"),
    ([1], EVERYONE_3, None, "more_discussion"),
    ([], EVERYONE_3, None, "undecided"),
    ([3, 3], EVERYONE_3, 3, "no_quorum"),
    ([3, 3, 3], EVERYONE_3, 3, "move_on"),
]


@pytest.mark.parametrize(("values", "rule", "quorum", "verdict"), DISTRIBUTIONS)
def test_it_gives_each_rule_its_verdict(values: list[int], rule: str, quorum: int | None, verdict: str) -> None:
    assert tally(values, rule=rule, quorum=quorum).verdict == verdict


def test_it_counts_each_value_and_the_shares() -> None:
    result = tally([0, 1, 2, 3, 4, 4, 5, 5, 5, 5])
    assert result.counts == (1, 1, 1, 1, 2, 4)
    assert (result.total, result.high, result.low, result.blocks) == (10, 6, 4, 1)
    assert result.share_high == 0.6
    assert result.share_low == 0.4
    assert result.percent(5) == 40


def test_it_says_the_verdict_in_plain_words() -> None:
    assert tally([5, 5, 4, 3]).sentence == "Move on: 3 of 4 votes (75%) are 4 or 5."
    assert tally([0, 1, 3, 5, 5], invited=8).sentence == (
        "Needs more discussion: 3 of 5 votes (60%) are 0 to 3. 1 person blocks this: read why before moving on. "
        "5 of 8 invited people voted."
    )
    assert tally([4, 3]).sentence == (
        "No majority: 1 of 2 votes is 4 or 5 and 1 is 0 to 3. Talk it through, then vote again."
    )
    assert tally([5, 5], quorum=3).sentence == "Not enough votes yet: 2 of the 3 needed for the result to count."
    assert tally([]).sentence == "Nobody has voted yet."
    assert tally([5, 2, 0, 0], rule=EVERYONE_3).sentence == (
        "Needs more discussion: 3 of 4 votes are below 3, and this topic moves on only when everyone says 3 or "
        "more. 2 people block this: read why before moving on."
    )
    assert tally([3], rule=EVERYONE_3).sentence == "Move on: everyone who voted (1 vote) says 3 or more."


def test_it_gives_the_same_answer_from_counts_as_from_values() -> None:
    assert tally_counts({0: 1, 4: 2, 5: 3}, quorum=2) == tally([0, 4, 4, 5, 5, 5], quorum=2)


@pytest.mark.parametrize("bad", [[6], [-1], [4, 7], [True], [4.0], ["4"]])
def test_it_refuses_values_outside_0_to_5(bad: list[object]) -> None:
    with pytest.raises(ValueError, match="between 0 and 5"):
        tally(bad)  # type: ignore[arg-type]


def test_it_refuses_an_unknown_rule_or_a_quorum_below_1() -> None:
    with pytest.raises(ValueError, match="Unknown closing rule"):
        tally([5], rule="most")
    with pytest.raises(ValueError, match="at least 1"):
        tally([5], quorum=0)
    with pytest.raises(ValueError, match="negative"):
        tally_counts({5: -1})


def test_it_tallies_ten_thousand_votes() -> None:
    values = [value % 6 for value in range(10_000)]
    result = tally(values)
    assert result.counts == (1667, 1667, 1667, 1667, 1666, 1666)
    assert result.verdict == "more_discussion"


@given(st.lists(st.integers(min_value=0, max_value=5), max_size=200), st.sampled_from([PRACTICE, EVERYONE_3]))
def test_it_always_adds_up(values: list[int], rule: str) -> None:
    result = tally(values, rule=rule)
    assert sum(result.counts) == result.total == len(values)
    assert result.high + result.low == result.total
    if values:
        assert result.verdict in ("move_on", "more_discussion", "undecided")
    if rule == EVERYONE_3 and values:
        assert (result.verdict == "move_on") == (min(values) >= 3)
