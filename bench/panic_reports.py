"""Panic reports through the API, one per request, at 64 concurrent clients, against the floor in one run.

Starts `steadyops serve` (granian, 2 web processes) and `steadyops worker` on a throwaway SQLite data folder with
the demo organisation plus enough signed-in colleagues that nobody passes the per-person limit (5 presses in 10
minutes): wrk drives POST /api/v1/incidents/reports with each person's session cookie and CSRF token, as the panic
page's browser would, through a Lua script that uses each person five times. Then it checks that every report
answered 2xx is in the database (by id, from the answers wrk saw) and that
every stored report has been grouped into a signal by the worker.

Prints reports/s, p99 latency and the ratio to /healthz/live under the same wrk settings; writes BENCHMARKS.md.
Targets: at least 1,000 reports/s with p99 at most 100 ms.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import machine, replace_section
from servers import free_port, steadyops, stop, to_ms, wait_for, wait_for_worker

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 64
THREADS = 2
DURATION = "10s"
WORKERS = 2
SERVER = "granian"
PEOPLE = 12_000
PRESSES_EACH = 5
TARGET_RPS = 1_000
TARGET_P99_MS = 100.0

LUA = r"""
local tokens = {}
for line in io.lines("TOKENS") do tokens[#tokens + 1] = line end
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  out = io.open("IDS." .. tid, "w")
  share = math.floor(#tokens / THREADS)
  first = tid * share
end

function request()
  local person = tokens[first + (math.floor(counter / PRESSES) % share) + 1]
  local session, csrf = person:match("(%S+) (%S+)")
  counter = counter + 1
  return wrk.format("POST", "/api/v1/incidents/reports", {
    ["Cookie"] = "sessionid=" .. session .. "; csrftoken=" .. csrf,
    ["X-CSRFToken"] = csrf,
    ["Referer"] = "http://127.0.0.1/panic",
    ["Content-Type"] = "application/json",
  }, '{"what": "The checkout page shows an error when paying", "customers": "many"}')
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    local id = body:match('"id":%s*(%d+)')
    if id then out:write(id, "\n") end
  end
end
"""

MAKE_PEOPLE = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.middleware.csrf import _get_new_csrf_string
from steadyops.accounts.models import User
users = User.objects.bulk_create(
    [User(username=f"bench{{n}}", role="stakeholder", password="!") for n in range({people})], batch_size=2000
)
lines = []
for user in users:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "steadyops.accounts.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    lines.append(session.session_key + " " + _get_new_csrf_string())
open({path!r}, "w").write("\\n".join(lines) + "\\n")
"""


def run_wrk(url: str, script: Path | None = None) -> dict[str, float]:
    command = ["wrk", f"-t{THREADS}", f"-c{CLIENTS}", f"-d{DURATION}", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    completed = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=120, cwd=script.parent if script else None
    )
    output = completed.stdout
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p99": to_ms(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1)),  # type: ignore[union-attr]
        "requests": float(re.search(r"(\d+) requests in", output).group(1)),  # type: ignore[union-attr]
        "non2xx": 0.0,
        "socket_errors": 0.0,
    }
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if match:
        result["non2xx"] = float(match.group(1))
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if match:
        result["socket_errors"] = float(sum(int(g) for g in match.groups()))
    return result


def check(base: str, people: Path) -> None:
    """One report by hand first, so the benchmark measures answered reports, not refusals."""
    import requests

    session, csrf = people.read_text().split("\n", 1)[0].split()
    response = requests.post(
        base + "/api/v1/incidents/reports",
        json={"what": "check"},
        cookies={"sessionid": session, "csrftoken": csrf},
        headers={"X-CSRFToken": csrf, "Referer": "http://127.0.0.1/panic"},
        timeout=10,
    )
    if response.status_code != 201:
        raise SystemExit(f"a report answered HTTP {response.status_code}: {response.text[:300]}")


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: sudo apt-get install wrk")
    started = time.monotonic()
    load = os.getloadavg()[0]
    data_dir = Path(tempfile.mkdtemp(prefix="steadyops-bench-panic-"))
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "PROMETHEUS_MULTIPROC_DIR")},
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "steadyops.settings"),
        "STEADYOPS_DATA_DIR": str(data_dir),
        "STEADYOPS_DEBUG": "false",
        "STEADYOPS_LOG_LEVEL": "WARNING",
    }
    work = data_dir / "wrk"
    work.mkdir()
    tokens = work / "tokens.txt"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        steadyops(env, "migrate", "--run-syncdb", "--verbosity", "0")
        steadyops(env, "demo")
        steadyops(env, "shell", "-c", MAKE_PEOPLE.format(people=PEOPLE, path=str(tokens)))
        script = work / "reports.lua"
        script.write_text(
            LUA.replace("TOKENS", str(tokens))
            .replace("IDS.", str(work / "ids."))
            .replace("THREADS", str(THREADS))
            .replace("PRESSES", str(PRESSES_EACH))
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "steadyops.cli",
                "serve",
                "--server",
                SERVER,
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
        processes.append(server)
        # The worker, with intake's tasks registered (steadyops/incidents/tasks.py imports them once merged).
        worker = subprocess.Popen(
            [sys.executable, "-m", "steadyops.cli", "worker"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(worker)
        wait_for(port, server)
        wait_for_worker(data_dir / "steadyops.sqlite3", worker)
        check(base, tokens)
        floor = run_wrk(base + "/healthz/live")
        reports = run_wrk(base + "/api/v1/incidents/reports", script)
        answered: set[int] = set()
        for path in work.glob("ids.*"):
            answered |= {int(line) for line in path.read_text().split()}
        database = sqlite3.connect(data_dir / "steadyops.sqlite3")
        stored = {row[0] for row in database.execute("SELECT id FROM incidents_report")}
        missing = len(answered - stored)
        ungrouped = -1
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            ungrouped = database.execute("SELECT COUNT(*) FROM incidents_report WHERE grouped_at IS NULL").fetchone()[0]
            if ungrouped == 0:
                break
            time.sleep(1)
        signals = database.execute("SELECT COUNT(*) FROM incidents_signal").fetchone()[0]
        database.close()
    finally:
        for process in reversed(processes):
            stop(process)
    ok = reports["requests"] - reports["non2xx"]
    lines = [
        f"- Date: {datetime.date.today().isoformat()}",
        f"- Machine: {machine()}; load average {load:.1f} when the run started",
        f"- Command: `python bench/panic_reports.py`: `steadyops serve --server {SERVER} --workers {WORKERS}` "
        f"({os.environ.get('STEADYOPS_WEB_THREADS', 'default')} request threads each, one report writer each) and "
        f"`steadyops worker`, SQLite (synchronous=FULL), demo data plus {PEOPLE:,} colleagues signed in "
        "(session cookie and CSRF token, as from the panic page); "
        f"`wrk -t{THREADS} -c{CLIENTS} -d{DURATION} --latency`, one report per POST /api/v1/incidents/reports; "
        f"run took {time.monotonic() - started:.0f} s",
        "",
        "| endpoint | req/s | p99 ms | ratio to floor | non-2xx | socket errors |",
        "|---|---:|---:|---:|---:|---:|",
        f"| floor /healthz/live | {floor['rps']:,.0f} | {floor['p99']:.1f} | 1.00 | {floor['non2xx']:.0f} | "
        f"{floor['socket_errors']:.0f} |",
        f"| POST /api/v1/incidents/reports | {reports['rps']:,.0f} | {reports['p99']:.1f} | "
        f"{reports['rps'] / floor['rps']:.2f} | {reports['non2xx']:.0f} | {reports['socket_errors']:.0f} |",
        "",
        f"Answered 2xx: {ok:,.0f} (ids seen by the client: {len(answered):,}); stored: {len(stored):,}; "
        f"answered but missing: {missing}; not grouped after the run: {ungrouped} "
        f"({signals} signal{'s' if signals != 1 else ''}).",
        "",
        f"Target: at least {TARGET_RPS:,} reports/s with p99 at most {TARGET_P99_MS:.0f} ms: "
        f"{'met' if reports['rps'] >= TARGET_RPS and reports['p99'] <= TARGET_P99_MS else 'not met'}.",
    ]
    text = "\n".join(lines)
    print(text)
    replace_section(
        ROOT / "BENCHMARKS.md",
        text,
        script="bench/panic_reports.py",
        heading="Incidents: panic reports (`bench/panic_reports.py`)",
    )
    shutil.rmtree(data_dir, ignore_errors=True)
    if missing or ungrouped:
        raise SystemExit("some answered reports are missing or ungrouped")


if __name__ == "__main__":
    main()
