"""Importing a Backstage catalog of 10,000 entities into a fresh SQLite database, against reading it alone.

Generates the same catalog as `bench/backstage.py` (20 teams, 20 systems, 8,000 components, 1,200 resources,
760 APIs; 16,000 dependencies), migrates a throwaway SQLite database, and times
`steadyops catalog import DIR --create-teams` as a whole command, in its own process, as an operator runs it:
reading and checking the files, planning, writing every row and its audit entry in one transaction. Then a
second import of the same files, which must change nothing. The floor is `read_catalog` alone on the same
files in this process (best of three): the part of the import that never touches the database.
The issue's target: the import within 30 s. Figures go to BENCHMARKS.md between this benchmark's markers.
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from backstage import generate
from report import machine, replace_section

from steadyops.catalog.backstage import read_catalog

ROOT = Path(__file__).resolve().parent.parent
STEADYOPS = str(Path(sys.executable).with_name("steadyops"))
TARGET_SECONDS = 30.0
RUNS = 3
HEADING = "Backstage import into the database (`bench/catalog_import.py`)"
ADMIN = "bench-admin"


def steadyops(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([STEADYOPS, *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"steadyops {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def timed(env: dict[str, str], *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    out = steadyops(env, *args)
    return time.perf_counter() - started, out


def main() -> None:
    started = time.monotonic()
    data_dir = Path(tempfile.mkdtemp(prefix="steadyops-bench-import-"))
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "DJANGO_SETTINGS_MODULE": "steadyops.settings",
        "STEADYOPS_DATA_DIR": str(data_dir / "data"),
        "STEADYOPS_DEBUG": "false",
        "STEADYOPS_LOG_LEVEL": "WARNING",
        "STEADYOPS_ADMIN_PASSWORD": "bench-password-not-secret-0123456789",
    }
    try:
        folder = data_dir / "catalog"
        folder.mkdir()
        entities = generate(folder)
        steadyops(env, "migrate", "--verbosity", "0")
        steadyops(env, "createadmin", "--username", ADMIN, "--email", "bench@example.com")
        floor_seconds = min(_read(folder) for _ in range(RUNS))
        import_seconds, first = timed(env, "catalog", "import", str(folder), "--create-teams", "--as", ADMIN)
        again_seconds, second = timed(env, "catalog", "import", str(folder), "--as", ADMIN)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    summary, again = first.splitlines()[-1], second.splitlines()[-1]
    assert again.startswith("created 0, updated 0,"), again
    verdict = "met" if import_seconds <= TARGET_SECONDS else "not met"
    rows = [
        ("floor: `read_catalog` alone (best of 3, in process)", floor_seconds),
        ("`steadyops catalog import --create-teams` into an empty database", import_seconds),
        ("the same import again (nothing to change)", again_seconds),
    ]
    section = "\n".join(
        [
            f"- Date: {datetime.date.today().isoformat()}",
            f"- Machine: {machine()}; SQLite (the default database), freshly migrated",
            f"- Command: `make bench` (`python bench/catalog_import.py`); {entities:,} entities from "
            f"`bench/backstage.py`'s generator; each import is one `steadyops` process, start-up included; run "
            f"took {time.monotonic() - started:.0f} s",
            f"- First import: {summary}. Second: {again}.",
            "",
            "| step | seconds | ratio to floor |",
            "|---|---:|---:|",
            *(f"| {label} | {seconds:.2f} | {seconds / floor_seconds:.2f} |" for label, seconds in rows),
            "",
            f"Target: the import of 10,000 entities within {TARGET_SECONDS:.0f} s: {verdict}.",
        ]
    )
    print(section)
    replace_section(ROOT / "BENCHMARKS.md", section, script="bench/catalog_import.py", heading=HEADING)


def _read(folder: Path) -> float:
    started = time.perf_counter()
    read_catalog(folder)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
