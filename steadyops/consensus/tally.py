"""Counting a round of 0-5 votes and saying, in plain words, what the group's rule makes of them.

Pure: no Django, no database. The rules:

- ``practice``: more than half the votes at 4 or 5 → move on; more than half at 0 to 3 → more discussion; exactly
  half and half → undecided (no majority either way: talk it through and vote again).
- ``everyone_3``: every vote at 3 or more → move on; any vote below 3 → more discussion.

With a quorum, fewer votes than the quorum → not enough votes, whatever they say. With no votes at all the round
is undecided (or short of its quorum). Blocks (0) are counted and named in the sentence, but the verdict is the
rule's: the group sees them and decides what to do about them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

VALUES = range(6)
PRACTICE = "practice"
EVERYONE_3 = "everyone_3"
RULES = (PRACTICE, EVERYONE_3)

Verdict = Literal["move_on", "more_discussion", "no_quorum", "undecided"]


@dataclass(frozen=True)
class Tally:
    """The counts of one round and what they mean."""

    counts: tuple[int, int, int, int, int, int]
    total: int
    high: int  # votes at 4 or 5
    low: int  # votes at 0 to 3
    blocks: int  # votes at 0
    verdict: Verdict
    sentence: str
    invited: int | None = None
    quorum: int | None = None

    @property
    def share_high(self) -> float:
        """The share of votes at 4 or 5, from 0 to 1."""
        return self.high / self.total if self.total else 0.0

    @property
    def share_low(self) -> float:
        """The share of votes at 0 to 3, from 0 to 1."""
        return self.low / self.total if self.total else 0.0

    def percent(self, value: int) -> int:
        """The rounded percentage of votes at value."""
        return round(100 * self.counts[value] / self.total) if self.total else 0


def _votes(number: int) -> str:
    return f"{number} vote" if number == 1 else f"{number} votes"


def _blocks(number: int) -> str:
    if number == 0:
        return ""
    who = "1 person blocks this" if number == 1 else f"{number} people block this"
    return f" {who}: read why before moving on."


def _turnout(total: int, invited: int | None) -> str:
    if invited is None or invited <= 0:
        return ""
    return f" {total} of {invited} invited {'person' if invited == 1 else 'people'} voted."


def tally_counts(
    counts: Mapping[int, int], *, rule: str = PRACTICE, quorum: int | None = None, invited: int | None = None
) -> Tally:
    """Tally a round from how many votes each value got (values missing from counts had none)."""
    if rule not in RULES:
        raise ValueError(f"Unknown closing rule {rule!r}; use one of {', '.join(RULES)}.")
    if quorum is not None and quorum < 1:
        raise ValueError("A quorum is at least 1 vote.")
    unknown = sorted(set(counts) - set(VALUES))
    if unknown:
        raise ValueError(f"Votes must be between 0 and 5; got {unknown[0]!r}.")
    if any(number < 0 for number in counts.values()):
        raise ValueError("A value cannot have a negative number of votes.")
    per_value = (
        counts.get(0, 0),
        counts.get(1, 0),
        counts.get(2, 0),
        counts.get(3, 0),
        counts.get(4, 0),
        counts.get(5, 0),
    )
    total = sum(per_value)
    high = per_value[4] + per_value[5]
    low = total - high
    blocks = per_value[0]
    verdict, sentence = _judge(per_value, total, high, low, rule=rule, quorum=quorum)
    sentence += _blocks(blocks) + _turnout(total, invited)
    return Tally(per_value, total, high, low, blocks, verdict, sentence, invited, quorum)


def tally(
    values: Iterable[int], *, rule: str = PRACTICE, quorum: int | None = None, invited: int | None = None
) -> Tally:
    """Tally a round from its votes' values (each 0 to 5)."""
    counted = Counter(values)
    for value in counted:
        # bool is an int, and 4.0 == 4 would count; only whole numbers 0-5 are votes.
        if type(value) is not int:
            raise ValueError(f"Votes must be whole numbers between 0 and 5; got {value!r}.")
    return tally_counts(counted, rule=rule, quorum=quorum, invited=invited)


def _are(number: int) -> str:
    return "is" if number == 1 else "are"


def _percent(part: int, total: int) -> str:
    return f"{round(100 * part / total)}%"


def _judge(
    counts: tuple[int, ...], total: int, high: int, low: int, *, rule: str, quorum: int | None
) -> tuple[Verdict, str]:
    if quorum is not None and total < quorum:
        return "no_quorum", f"Not enough votes yet: {total} of the {quorum} needed for the result to count."
    if total == 0:
        return "undecided", "Nobody has voted yet."
    if rule == EVERYONE_3:
        below = counts[0] + counts[1] + counts[2]
        if below == 0:
            return "move_on", f"Move on: everyone who voted ({_votes(total)}) says 3 or more."
        return (
            "more_discussion",
            f"Needs more discussion: {below} of {_votes(total)} {_are(below)} below 3, and this "
            f"topic moves on only when everyone says 3 or more.",
        )
    if 2 * high > total:
        return "move_on", f"Move on: {high} of {_votes(total)} ({_percent(high, total)}) {_are(high)} 4 or 5."
    if 2 * low > total:
        return (
            "more_discussion",
            f"Needs more discussion: {low} of {_votes(total)} ({_percent(low, total)}) {_are(low)} 0 to 3.",
        )
    return (
        "undecided",
        f"No majority: {high} of {_votes(total)} {_are(high)} 4 or 5 and {low} {_are(low)} 0 to 3. Talk it "
        "through, then vote again.",
    )
