"""HTTP throughput of steadyops under gunicorn and granian, each against its own floor.

For each server: start `steadyops serve --server NAME --workers 2` on a free loopback port with a
throwaway data folder holding the demo organisation, then run wrk against
  - the floor, /healthz/live (plain "ok", no database),
  - the home page / with a signed-in session,
  - GET /api/v1/me with an API token,
and print req/s, p99 latency and the ratio to that server's floor. The same table goes to
BENCHMARKS.md with the machine, the date and the command. Run with `make bench`.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from report import machine, replace_section
from servers import free_port, steadyops, to_ms, wait_for

ROOT = Path(__file__).resolve().parent.parent
SERVERS = ("gunicorn", "granian")
WORKERS = 2
WRK = ["wrk", "-t2", "-c32", "-d10s", "--latency"]
TARGET_RATIO = 0.5
DEMO_ADMIN, DEMO_PASSWORD = "admin", "steadyops-demo"


@dataclass
class Result:
    server: str
    endpoint: str
    requests_per_second: float
    p99_ms: float
    errors: int
    ratio: float = 0.0


def sign_in(base: str) -> str:
    """The session cookie of the demo administrator, signed in through the login form."""
    import requests

    session = requests.Session()
    login = f"{base}/accounts/login/"
    page = session.get(login, timeout=10)
    page.raise_for_status()
    answer = session.post(
        login,
        data={"username": DEMO_ADMIN, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": login},
        allow_redirects=False,
        timeout=10,
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise SystemExit(f"signing in as the demo administrator failed (HTTP {answer.status_code})")
    return session.cookies["sessionid"]


def run_wrk(url: str, headers: list[str]) -> tuple[float, float, int]:
    command = [*WRK]
    for header in headers:
        command += ["-H", header]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True, timeout=60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1))  # type: ignore[union-attr]
    errors = 0
    for pattern in (
        r"Non-2xx or 3xx responses: (\d+)",
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
    ):
        match = re.search(pattern, output)
        if match:
            errors += sum(int(group) for group in match.groups())
    return rps, p99, errors


def check(url: str, headers: dict[str, str]) -> None:
    import requests

    # wrk counts a redirect to the login page as a success; make sure the page itself is answered.
    response = requests.get(url, headers=headers, allow_redirects=False, timeout=10)
    if response.status_code != 200:
        raise SystemExit(
            f"{url} answered HTTP {response.status_code}, not 200; the benchmark would measure the wrong page"
        )


def bench_server(server: str, env: dict[str, str], token: str) -> list[Result]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "steadyops.cli",
            "serve",
            "--server",
            server,
            "--workers",
            str(WORKERS),
            "--port",
            str(port),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port, process)
        cookie = f"sessionid={sign_in(base)}"
        endpoints = [
            ("floor /healthz/live", "/healthz/live", {}),
            ("home / (signed in)", "/", {"Cookie": cookie}),
            ("GET /api/v1/me (token)", "/api/v1/me", {"Authorization": f"Bearer {token}"}),
        ]
        results = []
        for label, path, headers in endpoints:
            check(base + path, headers)
            rps, p99, errors = run_wrk(base + path, [f"{name}: {value}" for name, value in headers.items()])
            results.append(Result(server, label, rps, p99, errors))
        floor = results[0].requests_per_second
        for result in results:
            result.ratio = result.requests_per_second / floor if floor else 0.0
        return results
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def table(results: list[Result]) -> list[str]:
    lines = [
        "| server | endpoint | req/s | p99 ms | ratio to floor | errors |",
        "|---|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.server} | {r.endpoint} | {r.requests_per_second:,.0f} | {r.p99_ms:.1f} | {r.ratio:.2f} | {r.errors} |"
        for r in results
    ]
    return lines


def winner(results: list[Result]) -> str:
    """The server that answers more application requests (home and /me) per second."""
    totals = {server: 0.0 for server in SERVERS}
    for result in results:
        if not result.endpoint.startswith("floor"):
            totals[result.server] += result.requests_per_second
    return max(totals, key=lambda server: totals[server])


def write_report(results: list[Result], best: str, duration: float) -> None:
    app = [r for r in results if not r.endpoint.startswith("floor")]
    met = all(r.ratio >= TARGET_RATIO for r in app if r.server == best)
    lines = [
        f"- Date: {datetime.date.today().isoformat()}",
        f"- Machine: {machine()}",
        f"- Command: `make bench` (`python bench/web.py`); each endpoint `{' '.join(WRK)}` against "
        f"`steadyops serve --server NAME --workers {WORKERS}`, SQLite, demo data, run took {duration:.0f} s",
        '- Floor: `/healthz/live`, which answers "ok" through the whole middleware stack without the database.',
        "",
        *table(results),
        "",
        f"**Winner: {best}** (more requests per second on the home page and `/api/v1/me` together); "
        f"`steadyops serve` uses it by default.",
        "",
        f"Target: home and `/me` at least {TARGET_RATIO} times the floor's throughput: "
        f"{'met' if met else 'not met'} with {best}.",
    ]
    replace_section(
        ROOT / "BENCHMARKS.md", "\n".join(lines), script="bench/web.py", heading="HTTP: web servers (`bench/web.py`)"
    )


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: sudo apt-get install wrk")
    started = time.monotonic()
    data_dir = Path(tempfile.mkdtemp(prefix="steadyops-bench-"))
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "PROMETHEUS_MULTIPROC_DIR")},
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "steadyops.settings"),
        "STEADYOPS_DATA_DIR": str(data_dir),
        "STEADYOPS_DEBUG": "false",
        "STEADYOPS_LOG_LEVEL": "WARNING",
        # The bench signs in once per server; keep the lockout out of the way.
        "STEADYOPS_LOGIN_FAILURE_LIMIT": "1000",
    }
    try:
        steadyops(env, "migrate", "--verbosity", "0")
        steadyops(env, "demo")
        token = steadyops(env, "token", "create", "--user", DEMO_ADMIN, "--scope", "read", "--name", "bench").strip()
        results: list[Result] = []
        for server in SERVERS:
            results += bench_server(server, env, token)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    best = winner(results)
    duration = time.monotonic() - started
    print("\n".join(table(results)))
    print(f"\nWinner: {best}")
    write_report(results, best, duration)
    print("Written to BENCHMARKS.md")


if __name__ == "__main__":
    # This file is called http.py, as `make bench` names it; take its folder off the import path
    # so that `import http` (inside requests) finds the standard library, not this script.
    here = Path(__file__).resolve().parent
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != here]
    main()
