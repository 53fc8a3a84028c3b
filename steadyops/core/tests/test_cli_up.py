import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from steadyops.accounts.models import User
from steadyops.core import serving
from steadyops.core.management.commands import up
from steadyops.core.tests.test_cli_serve import free_port, run_cli


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def running(pid: int) -> bool:
    """Whether pid is a live process (not gone, not a zombie waiting to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def command_line(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_text().rstrip("\0").split("\0")


def test_it_rejects_a_bad_port_with_usage(capsys):
    code, out, err = run_cli(capsys, "up", "--port", "70000")

    assert code == 2
    assert out == ""
    assert err.startswith("usage: steadyops up")
    assert err.rstrip().endswith(
        "steadyops up: error: argument --port: 70000 is not a port number; use a whole number from 1 to 65535"
    )


def test_it_refuses_to_start_with_debugging_on(db):
    with override_settings(DEBUG=True), pytest.raises(CommandError, match="Unset STEADYOPS_DEBUG"):
        call_command("up")

    assert User.objects.count() == 0


def test_it_stops_everything_when_the_worker_fails(db, monkeypatch, capsys):
    def console(*args: str) -> list[str]:
        if args[0] == "worker":
            return [sys.executable, "-c", "import sys; sys.exit(3)"]
        return [sys.executable, "-c", "import time; time.sleep(600)"]

    monkeypatch.setattr(up, "_console", console)
    monkeypatch.setattr(up.serving, "wait_until_listening", lambda *args, **kwargs: False)

    with pytest.raises(CommandError) as caught:
        call_command("up", "--port", str(free_port()))

    assert str(caught.value) == "The worker stopped unexpectedly, so steadyops stopped too; see the messages above."
    assert capsys.readouterr().out == "Preparing the database…\nFirst start: loading the demo organisation…\n"
    assert User.objects.filter(username="admin").exists()
    assert [pid for pid in children(os.getpid()) if running(pid)] == []


def test_it_loads_the_demo_only_when_nobody_exists(db, monkeypatch, personas):
    monkeypatch.setattr(up, "_console", lambda *args: [sys.executable, "-c", "pass"])
    monkeypatch.setattr(up.serving, "wait_until_listening", lambda *args, **kwargs: False)

    with pytest.raises(CommandError, match=r"^The web server stopped unexpectedly"):
        call_command("up", "--port", str(free_port()))

    assert not User.objects.filter(username="priya").exists()


@pytest.mark.integration
def test_it_runs_the_web_server_and_a_worker_until_sigterm(tmp_path):
    port = free_port()
    env = {**os.environ, "STEADYOPS_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "steadyops.settings"}
    env.pop("DATABASE_URL", None)
    env.pop("STEADYOPS_DEBUG", None)
    env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen(
        [sys.executable, "-m", "steadyops.cli", "up", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("  viewer"):
                break
        started = {pid: command_line(pid)[3:] for pid in children(process.pid)}
        response = requests.get(f"http://127.0.0.1:{port}/healthz/live", timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=90)

    assert lines == [
        "Preparing the database…\n",
        "First start: loading the demo organisation…\n",
        f"Starting {serving.DEFAULT_SERVER} with 2 web processes on http://127.0.0.1:{port}/\n",
        f"steadyops is running at http://127.0.0.1:{port}/  (Ctrl-C stops it)\n",
        "Demo sign-ins (password steadyops-demo):\n",
        "  administrator  admin\n",
        "  operator       priya\n",
        "  stakeholder    maria\n",
        "  viewer         victor\n",
    ]
    assert response.status_code == 200
    assert sorted(started.values()) == [["serve", "--host", "127.0.0.1", "--port", str(port)], ["worker"]]
    assert rest.endswith("steadyops stopped.\n")
    assert process.returncode == 0
    assert [pid for pid in started if running(pid)] == []
