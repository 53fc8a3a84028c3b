"""A wrong environment variable stops the real console script with exit code 2 and says what is accepted."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

CONSOLE_SCRIPT = Path(sys.executable).parent / "steadyops"


def run_console(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STEADYOPS_", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"))
    }
    env.update({"STEADYOPS_DATA_DIR": str(tmp_path), **variables})
    return subprocess.run(
        [str(CONSOLE_SCRIPT), "check"], env=env, capture_output=True, text=True, check=False, timeout=120
    )


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"STEADYOPS_DEBUG": "maybe"},
            "STEADYOPS_DEBUG='maybe' is not a yes/no value; use one of: true, false, 1, 0, yes, no, on, off.",
        ),
        (
            {"DATABASE_URL": "mysql://root@127.0.0.1/steadyops"},
            "DATABASE_URL='mysql://root@127.0.0.1/steadyops' is not accepted; "
            "use postgres://USER:PASSWORD@HOST:PORT/NAME or sqlite:///PATH.",
        ),
        (
            {"STEADYOPS_WORKER_POLL_SECONDS": "abc"},
            "STEADYOPS_WORKER_POLL_SECONDS='abc' is not a whole number; use a whole number from 1 to 300.",
        ),
        (
            {"STEADYOPS_WORKER_POLL_SECONDS": "0"},
            "STEADYOPS_WORKER_POLL_SECONDS=0 is too small; the smallest accepted value is 1.",
        ),
        (
            {"STEADYOPS_WORKER_POLL_SECONDS": "301"},
            "STEADYOPS_WORKER_POLL_SECONDS=301 is too large; the largest accepted value is 300.",
        ),
        (
            {"REDIS_URL": "http://x"},
            "REDIS_URL='http://x' is not accepted; use redis://HOST:PORT/DB, rediss://… or unix://PATH.",
        ),
        (
            {"STEADYOPS_LOG_LEVEL": "LOUD"},
            "STEADYOPS_LOG_LEVEL='LOUD' is not accepted; use one of: DEBUG, INFO, WARNING, ERROR.",
        ),
        (
            {"STEADYOPS_SECRET_KEY": "short"},
            "STEADYOPS_SECRET_KEY is shorter than 50 characters; use a long random value.",
        ),
    ],
)
def test_it_stops_with_exit_2_naming_the_variable_and_accepted_values(tmp_path, variables, message):
    completed = run_console(tmp_path, **variables)

    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr == f"steadyops: configuration error: {message}\n"


def test_it_starts_with_good_values(tmp_path):
    completed = run_console(tmp_path, STEADYOPS_DEBUG="false", STEADYOPS_WORKER_POLL_SECONDS="7")

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("System check identified no issues (0 silenced).\n")
