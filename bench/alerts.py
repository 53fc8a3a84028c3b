"""Alertmanager webhooks of 100 alerts each into steadyops, side by side with Prometheus Alertmanager itself
ingesting the same alerts through its /api/v2/alerts, in one run, at the same concurrency.

Starts `steadyops serve` (granian, 2 web processes) and `steadyops worker` on a throwaway SQLite data folder
(synchronous=FULL: every answered webhook is on disk) with an operator's API token of scope `alerts`, and Debian's
`prometheus-alertmanager` (0.25) with a receiver that sends nothing. wrk drives both with a Lua script that
builds each request's 100 alerts with fingerprints never used before (thread, request and position), so every
alert is new to both. After the run it checks that steadyops stored 100 alerts per answered webhook.

Prints alerts/s of each and the ratio; writes BENCHMARKS.md. Targets: at least 20,000 alerts/s into steadyops,
and a ratio to Alertmanager of at least 1.0 (steadyops writes to disk; Alertmanager keeps alerts in memory).
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
ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
ALERTS_PER_REQUEST = 100
THREADS = 2
CLIENTS = 8
DURATION = "10s"
WORKERS = 2
ALLOWANCE_PER_SECOND = 5_000
TARGET_ALERTS_PER_SECOND = 20_000
TARGET_RATIO = 1.0

# One Lua script for both: BODY is "webhook" (steadyops) or "v2" (Alertmanager's API).
LUA = r"""
local counter = 0
local threads = {}
local started = os.date("!%Y-%m-%dT%H:%M:%SZ")

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local function labels(fp)
  return '{"alertname":"BenchAlert","instance":"' .. fp .. '","service":"bench","severity":"warning"}'
end

function request()
  counter = counter + 1
  local items = {}
  for i = 1, ALERTS do
    local fp = "b" .. tid .. "r" .. counter .. "a" .. i
    if BODY == "webhook" then
      items[i] = '{"status":"firing","labels":' .. labels(fp) ..
        ',"annotations":{"summary":"Bench alert"},"startsAt":"' .. started ..
        '","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus/graph","fingerprint":"' .. fp .. '"}'
    else
      items[i] = '{"labels":' .. labels(fp) ..
        ',"annotations":{"summary":"Bench alert"},"startsAt":"' .. started ..
        '","generatorURL":"http://prometheus/graph"}'
    end
  end
  local list = "[" .. table.concat(items, ",") .. "]"
  local body = list
  local headers = {["Content-Type"] = "application/json"}
  if BODY == "webhook" then
    body = '{"version":"4","groupKey":"{}:{alertname=\\"BenchAlert\\"}","truncatedAlerts":0,"status":"firing",' ..
      '"receiver":"steadyops","groupLabels":{"alertname":"BenchAlert"},"commonLabels":{},' ..
      '"commonAnnotations":{},"externalURL":"http://alertmanager:9093","alerts":' .. list .. '}'
    headers["Authorization"] = "Bearer TOKEN"
  end
  return wrk.format("POST", nil, headers, body)
end
"""

AM_CONFIG = """
route:
  receiver: nowhere
  group_by: [alertname]
receivers:
  - name: nowhere
"""

MAKE_TOKEN = """
from steadyops.accounts import services
from steadyops.accounts.models import Role, User
from steadyops.core.actor import Actor
user = User.objects.create_user(username="alertmanager-bench", role=Role.OPERATOR)
print(services.create_token(actor=Actor(user=user), user=user, name="alertmanager", scopes=["alerts"])[1])
"""


def run_wrk(url: str, script: Path) -> dict[str, float]:
    command = ["wrk", f"-t{THREADS}", f"-c{CLIENTS}", f"-d{DURATION}", "--latency", "-s", str(script), url]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120).stdout
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p99": to_ms(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1)),  # type: ignore[union-attr]
        "requests": float(re.search(r"(\d+) requests in ([\d.]+)(\w+)", output).group(1)),  # type: ignore[union-attr]
        "non2xx": 0.0,
    }
    seconds = re.search(r"requests in ([\d.]+)(ms|s|m)", output)
    result["seconds"] = to_ms(seconds.group(1) + seconds.group(2)) / 1000 if seconds else 10.0
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if match:
        result["non2xx"] = float(match.group(1))
    result["alerts_per_second"] = (result["requests"] - result["non2xx"]) * ALERTS_PER_REQUEST / result["seconds"]
    return result


def main() -> None:
    for tool in ("wrk", ALERTMANAGER):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (sudo apt-get install wrk prometheus-alertmanager)")
    started = time.monotonic()
    load = os.getloadavg()[0]
    data_dir = Path(tempfile.mkdtemp(prefix="steadyops-bench-alerts-"))
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "PROMETHEUS_MULTIPROC_DIR")},
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "steadyops.settings"),
        "STEADYOPS_DATA_DIR": str(data_dir),
        "STEADYOPS_DEBUG": "false",
        "STEADYOPS_LOG_LEVEL": "WARNING",
        # The token's allowance: the default (a burst of 1,000 requests, then 200 a second) is below what is
        # measured here, and a refused webhook would count as not received.
        "STEADYOPS_ALERT_REQUESTS_PER_SECOND": str(ALLOWANCE_PER_SECOND),
    }
    processes: list[subprocess.Popen[bytes]] = []
    try:
        steadyops(env, "migrate", "--run-syncdb", "--verbosity", "0")
        token = steadyops(env, "shell", "-c", MAKE_TOKEN).strip().splitlines()[-1]
        scripts = {}
        for kind in ("webhook", "v2"):
            scripts[kind] = data_dir / f"{kind}.lua"
            scripts[kind].write_text(
                LUA.replace("ALERTS", str(ALERTS_PER_REQUEST))
                .replace('BODY == "', f'"{kind}" == "')
                .replace("TOKEN", token)
            )
        port = free_port()
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "steadyops.cli", "serve", "--workers", str(WORKERS), "--port", str(port)],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for(port, processes[-1])
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "steadyops.cli", "worker"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for_worker(data_dir / "steadyops.sqlite3", processes[-1])
        am_port = free_port()
        (data_dir / "alertmanager.yml").write_text(AM_CONFIG)
        processes.append(
            subprocess.Popen(
                [
                    ALERTMANAGER,
                    f"--config.file={data_dir / 'alertmanager.yml'}",
                    f"--storage.path={data_dir / 'alertmanager'}",
                    f"--web.listen-address=127.0.0.1:{am_port}",
                    "--cluster.listen-address=",
                    "--log.level=warn",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for(am_port, processes[-1])
        ours = run_wrk(f"http://127.0.0.1:{port}/api/v1/incidents/alerts/alertmanager", scripts["webhook"])
        theirs = run_wrk(f"http://127.0.0.1:{am_port}/api/v2/alerts", scripts["v2"])
        with sqlite3.connect(data_dir / "steadyops.sqlite3", timeout=30) as database:
            stored = database.execute("SELECT COUNT(*) FROM incidents_alert").fetchone()[0]
    finally:
        for process in reversed(processes):
            stop(process)
    answered = ours["requests"] - ours["non2xx"]
    ratio = ours["alerts_per_second"] / theirs["alerts_per_second"] if theirs["alerts_per_second"] else 0.0
    met = ours["alerts_per_second"] >= TARGET_ALERTS_PER_SECOND and ratio >= TARGET_RATIO
    lines = [
        f"- Date: {datetime.date.today().isoformat()}",
        f"- Machine: {machine()}; load average {load:.1f} when the run started",
        f"- Command: `python bench/alerts.py`: `steadyops serve --workers {WORKERS}` (granian) and `steadyops "
        "worker`, SQLite (synchronous=FULL), one operator's token of scope `alerts` "
        f"(allowance {ALLOWANCE_PER_SECOND:,} requests/s); Debian's Prometheus "
        f"Alertmanager 0.25 with a receiver that sends nothing; for both `wrk -t{THREADS} -c{CLIENTS} "
        f"-d{DURATION} --latency`, {ALERTS_PER_REQUEST} new alerts (fingerprints never used before) per request; "
        f"run took {time.monotonic() - started:.0f} s",
        "",
        "| system | endpoint | requests/s | alerts/s | p99 ms | non-2xx |",
        "|---|---|---:|---:|---:|---:|",
        f"| steadyops | POST /api/v1/incidents/alerts/alertmanager (webhook v4) | {ours['rps']:,.0f} | "
        f"{ours['alerts_per_second']:,.0f} | {ours['p99']:.1f} | {ours['non2xx']:.0f} |",
        f"| Alertmanager 0.25 | POST /api/v2/alerts | {theirs['rps']:,.0f} | {theirs['alerts_per_second']:,.0f} | "
        f"{theirs['p99']:.1f} | {theirs['non2xx']:.0f} |",
        "",
        f"Ratio steadyops / Alertmanager: {ratio:.2f}. steadyops stored {stored:,} alerts for {answered:,.0f} "
        f"answered webhooks ({answered * ALERTS_PER_REQUEST:,.0f} expected).",
        "",
        f"Target: at least {TARGET_ALERTS_PER_SECOND:,} alerts/s and a ratio of at least {TARGET_RATIO:.1f}: "
        f"{'met' if met else 'not met'}.",
    ]
    text = "\n".join(lines)
    print(text)
    replace_section(
        ROOT / "BENCHMARKS.md", text, script="bench/alerts.py", heading="Incidents: alert intake (`bench/alerts.py`)"
    )
    shutil.rmtree(data_dir, ignore_errors=True)
    if stored < answered * ALERTS_PER_REQUEST:
        raise SystemExit("steadyops answered webhooks whose alerts are not all stored")


if __name__ == "__main__":
    main()
