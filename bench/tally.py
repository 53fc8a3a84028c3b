"""Tallying a 10,000-vote round of a 0-5 topic, end to end, against counting its rows.

Migrates a throwaway SQLite database, raises one topic and writes 10,000 votes into its round (a seeded mix of
0-5, reasons on the blocks). Then, 50 times each, p95 reported:

- floor: `SELECT COUNT(*)` of the round's votes, the least any tally has to ask the database;
- the values path: load every vote's value with one query, then `tally()` in Python;
- the path the pages and the API take (`topic_services.round_tally`): one grouped query, six rows, then
  `tally_counts()`;
- `tally()` alone on the 10,000 values already in memory (the issue's target: well under 100 ms).

Figures go to BENCHMARKS.md between this benchmark's markers. Run with `python bench/tally.py`.
"""

from __future__ import annotations

import datetime
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from report import machine, replace_section

ROOT = Path(__file__).resolve().parent.parent
VOTES = 10_000
RUNS = 50
SEED = 20261129
TARGET_MS = 100.0
HEADING = "Tallying a 0-5 topic of 10,000 votes (`bench/tally.py`)"


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


def timed(function: Callable[[], object]) -> list[float]:
    function()  # warm the connection and caches outside the measured runs
    samples = []
    for _ in range(RUNS):
        began = time.perf_counter()
        function()
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def main() -> None:
    started = time.monotonic()
    data_dir = Path(tempfile.mkdtemp(prefix="steadyops-bench-tally-"))
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "steadyops.settings",
            "STEADYOPS_DATA_DIR": str(data_dir),
            "STEADYOPS_LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    try:
        section = run()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    section += f"\n\nThe run took {time.monotonic() - started:.0f} s."
    print(section)
    replace_section(ROOT / "BENCHMARKS.md", section, script="bench/tally.py", heading=HEADING)


def run() -> str:
    import django

    django.setup()
    from django.core.management import call_command

    # run_syncdb also builds the tables of an app whose migration is not written yet.
    call_command("migrate", run_syncdb=True, verbosity=0)

    from steadyops.accounts.models import Role, User
    from steadyops.consensus import topic_services
    from steadyops.consensus.models.topics import Vote
    from steadyops.consensus.tally import tally
    from steadyops.core.actor import Actor

    admin = User.objects.create_user(username="bench-admin", password="not-used-0123456789", role=Role.ADMIN)
    topic = topic_services.open_topic(actor=Actor(user=admin), question="Bench?", quorum=100, anonymous=True)
    round_ = topic_services.current_round(topic)
    rng = random.Random(SEED)
    values = rng.choices(range(6), weights=[3, 7, 12, 23, 33, 22], k=VOTES)
    Vote.objects.bulk_create(
        [Vote(round=round_, value=value, reason="Blocked." if value == 0 else "") for value in values],
        batch_size=2000,
    )
    in_round = Vote.objects.filter(round=round_)

    def values_path() -> object:
        return tally(list(in_round.values_list("value", flat=True)), rule=topic.rule, quorum=topic.quorum)

    floor = timed(lambda: in_round.count())
    loaded = timed(values_path)
    grouped = timed(lambda: topic_services.round_tally(topic, round_))
    pure = timed(lambda: tally(values, rule=topic.rule, quorum=topic.quorum))
    result = topic_services.round_tally(topic, round_)
    assert result == values_path() == tally(values, rule=topic.rule, quorum=topic.quorum)
    assert result.total == VOTES

    floor_p95 = p95(floor)
    rows = [
        ("floor: `SELECT COUNT(*)` of the round's votes", floor),
        ("load the 10,000 values (one query) + `tally()`", loaded),
        ("`round_tally`: one grouped query + `tally_counts()` (what pages and API use)", grouped),
        ("`tally()` alone, values in memory", pure),
    ]
    worst = max(p95(loaded), p95(grouped))
    return "\n".join(
        [
            f"- Date: {datetime.date.today().isoformat()}",
            f"- Machine: {machine()}; SQLite (the default database), freshly migrated",
            f"- Command: `python bench/tally.py`; one round of {VOTES:,} votes (seeded mix, verdict "
            f"“{result.verdict}”), {RUNS} runs of each step after one warm-up run",
            "",
            "| step | median ms | p95 ms | p95 ratio to floor |",
            "|---|---:|---:|---:|",
            *(
                f"| {label} | {statistics.median(samples):.2f} | {p95(samples):.2f} | {p95(samples) / floor_p95:.1f} |"
                for label, samples in rows
            ),
            "",
            f"Target: a 10,000-vote tally well under {TARGET_MS:.0f} ms: "
            f"{'met' if worst < TARGET_MS else 'not met'} (slowest end-to-end p95 {worst:.2f} ms).",
        ]
    )


if __name__ == "__main__":
    main()
