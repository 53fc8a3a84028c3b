"""Similar past decisions over a log of 100,000 decisions, on SQLite (FTS5) and PostgreSQL (full-text search).

The log is generated from a seeded vocabulary of 50,000 words drawn by Zipf's law, as real text is: a
title of 4 to 10 words, a context of 30 to 80, an outcome of 10 to 40. Each lookup is `similar_decisions()` on
a new question of 8 to 30 words from the same vocabulary, as typed beside the form: the database ranks every
decision sharing a word with it and returns the best five (withdrawn ones, 2 % of the log, left out). The floor
is a primary-key lookup of one decision through the ORM, timed in the same run. The target: p95 of a lookup at
most 50 ms on both databases.

The tables are made without migrations (syncdb), in a throwaway SQLite file and, when PostgreSQL is reachable at
BENCH_POSTGRES_URL (default postgres://steadyops:steadyops@127.0.0.1:5432/postgres), in a throwaway database
made next to it. Figures go to BENCHMARKS.md. Run with `python bench/similar.py`.
"""

from __future__ import annotations

import datetime
import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import machine, replace_section

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261129
DECISIONS = 100_000
VOCABULARY = 50_000
LOOKUPS = 300
WARMUP = 20
TARGET_P95_MS = 50.0
HEADING = "Similar past decisions (`bench/similar.py`)"
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://steadyops:steadyops@127.0.0.1:5432/postgres")
BENCH_DATABASE = "steadyops_bench_similar"


def vocabulary(rng: random.Random) -> list[str]:
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "qu", "dre", "sto", "pli", "gan"]
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 5))))
    return sorted(words)


def text(rng: random.Random, words: list[str], cumulative: list[float], low: int, high: int) -> str:
    return " ".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(low, high)))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(vendor: str) -> tuple[float, float, float, float, float]:
    """In this process, configured for one database: fill it, then time lookups. Returns load seconds, lookup
    p50 and p95, floor p50 and p95 (milliseconds)."""
    import django
    from django.apps import apps
    from django.conf import settings

    django.setup()
    settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from steadyops.consensus.models import Decision
    from steadyops.consensus.similar import install_search_index, similar_decisions

    call_command("migrate", run_syncdb=True, verbosity=0)
    rng = random.Random(SEED)
    words = vocabulary(rng)
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(words))))
    started = time.perf_counter()
    now = timezone.now()
    batch: list[Decision] = []
    for number in range(1, DECISIONS + 1):
        batch.append(
            Decision(
                number=number,
                title=text(rng, words, cumulative, 4, 10),
                status="accepted",
                context_and_problem=text(rng, words, cumulative, 30, 80),
                decision_outcome=text(rng, words, cumulative, 10, 40),
                withdrawn_at=now if rng.random() < 0.02 else None,
            )
        )
        if len(batch) == 5_000:
            with transaction.atomic():
                Decision.objects.bulk_create(batch)
            batch = []
    install_search_index()
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE consensus_decision")
    load_seconds = time.perf_counter() - started
    questions = [text(rng, words, cumulative, 8, 30) for _ in range(WARMUP + LOOKUPS)]
    ids = list(Decision.objects.values_list("pk", flat=True))
    lookups: list[float] = []
    floor: list[float] = []
    found = 0
    for index, question in enumerate(questions):
        started = time.perf_counter()
        result = similar_decisions(question)
        elapsed = time.perf_counter() - started
        started = time.perf_counter()
        Decision.objects.get(pk=rng.choice(ids))
        floor_elapsed = time.perf_counter() - started
        if index >= WARMUP:
            lookups.append(elapsed * 1000)
            floor.append(floor_elapsed * 1000)
            found += len(result)
    assert found >= LOOKUPS * 4, f"lookups found too little ({found})"
    return (
        load_seconds,
        statistics.median(lookups),
        percentile(lookups, 0.95),
        statistics.median(floor),
        percentile(floor, 0.95),
    )


def child(vendor: str, data_dir: str, database_url: str) -> str:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "DJANGO_SETTINGS_MODULE": "steadyops.settings",
        "STEADYOPS_DATA_DIR": data_dir,
        "STEADYOPS_DEBUG": "false",
        "STEADYOPS_LOG_LEVEL": "WARNING",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    done = subprocess.run(
        [sys.executable, __file__, "--child", vendor], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{vendor} run failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def postgres_admin(sql: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(sql)
    except Exception as error:  # PostgreSQL is optional here: say why it is not used and go on
        print(f"PostgreSQL not used: {error}", file=sys.stderr)
        return False
    return True


def main() -> None:
    results: dict[str, tuple[float, ...]] = {}
    with tempfile.TemporaryDirectory(prefix="steadyops-bench-similar-") as data_dir:
        line = child("sqlite", data_dir, "")
        results["SQLite (FTS5, bm25)"] = tuple(float(value) for value in line.split())
    if postgres_admin(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}") and postgres_admin(
        f"CREATE DATABASE {BENCH_DATABASE}"
    ):
        url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + BENCH_DATABASE
        try:
            with tempfile.TemporaryDirectory(prefix="steadyops-bench-similar-") as data_dir:
                line = child("postgresql", data_dir, url)
                results["PostgreSQL (GIN expression index, ts_rank)"] = tuple(float(v) for v in line.split())
        finally:
            postgres_admin(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
    rows = []
    for name, (load, p50, p95, floor50, floor95) in results.items():
        verdict = "met" if p95 <= TARGET_P95_MS else "not met"
        ratio = p95 / floor95 if floor95 else float("inf")
        rows.append(
            f"| {name} | {p50:.1f} | {p95:.1f} | {floor50:.2f} | {floor95:.2f} | {ratio:.0f} "
            f"| {load:.0f} s | {verdict} |"
        )
        print(f"{name}: lookup p50 {p50:.1f} ms, p95 {p95:.1f} ms; floor p95 {floor95:.2f} ms; {verdict}")
    section = "\n".join(
        [
            f"Run {datetime.date.today().isoformat()} on {machine()}. {DECISIONS:,} decisions, {LOOKUPS} lookups "
            f"of five similar decisions each (after {WARMUP} not counted); target p95 ≤ {TARGET_P95_MS:.0f} ms.",
            "",
            "| database | lookup p50 (ms) | lookup p95 (ms) | floor p50 (ms) | floor p95 (ms) | p95 / floor p95 | "
            "filling the log | target |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            "Floor: one decision fetched by primary key through the ORM, in the same run. No embedding model is "
            "used: ranking is the databases' own full-text search.",
        ]
    )
    replace_section(ROOT / "BENCHMARKS.md", section, script="bench/similar.py", heading=HEADING)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        print(" ".join(f"{value:.4f}" for value in run(sys.argv[2])))
    else:
        main()
