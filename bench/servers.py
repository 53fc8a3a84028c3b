"""What the HTTP benchmarks share: running steadyops commands, starting and stopping servers, reading wrk."""

from __future__ import annotations

import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def steadyops(env: dict[str, str], *args: str) -> str:
    """Run a steadyops command to its end; stop the benchmark with its error output when it fails."""
    completed = subprocess.run(
        [sys.executable, "-m", "steadyops.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise SystemExit(f"steadyops {' '.join(args)} failed:\n{completed.stderr[-3000:]}")
    return completed.stdout


def wait_for(port: int, process: subprocess.Popen[bytes], *, seconds: int = 60) -> None:
    """Wait until something listens on port, or stop the benchmark if the process ends first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"a server stopped while starting (exit code {process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listened on port {port} within {seconds} seconds")


def wait_for_worker(database: Path, process: subprocess.Popen[bytes], *, seconds: int = 120) -> None:
    """Wait until the worker has started (its first heartbeat is in the SQLite database), so that its start-up
    (imports and system checks, a few seconds of CPU) is not counted in the measured run."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the worker stopped while starting (exit code {process.returncode})")
        try:
            with sqlite3.connect(database, timeout=5) as connection:
                if connection.execute("SELECT COUNT(*) FROM core_workerheartbeat").fetchone()[0]:
                    return
        except sqlite3.OperationalError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the worker did not start within {seconds} seconds")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def to_ms(value: str) -> float:
    """A wrk duration ("870.12us", "1.20ms", "2.01s") in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]
