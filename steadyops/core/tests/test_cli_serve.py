import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
import requests
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connections
from django.test import override_settings

from steadyops.core import serving


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run a command as the console script would, returning its exit code, stdout and stderr."""
    # A command run from the command line closes database connections when it ends; the test's
    # transaction lives on that connection, so keep it open.
    with mock.patch.object(connections, "close_all"):
        try:
            execute_from_command_line(["steadyops", *args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "0"], "argument --port: 0 is not a port number; use a whole number from 1 to 65535"),
        (["--port", "70000"], "argument --port: 70000 is not a port number; use a whole number from 1 to 65535"),
        (["--port", "http"], "argument --port: 'http' is not a port number; use a whole number from 1 to 65535"),
        (["--workers", "0"], "argument --workers: 0 is out of range; use 1 to 64 web processes"),
        (["--workers", "-3"], "argument --workers: -3 is out of range; use 1 to 64 web processes"),
        (["--workers", "two"], "argument --workers: 'two' is not a whole number"),
        (["--server", "uwsgi"], "argument --server: invalid choice: 'uwsgi' (choose from 'gunicorn', 'granian')"),
        (["--bind", "x"], "unrecognized arguments: --bind x"),
    ],
)
def test_it_rejects_bad_arguments_with_usage_and_exit_2(capsys, args, message):
    code, out, err = run_cli(capsys, "serve", *args)

    assert code == 2
    assert out == ""
    assert err.startswith("usage: steadyops serve")
    assert err.rstrip().endswith(f"steadyops serve: error: {message}")


def test_it_refuses_to_serve_with_debugging_on(monkeypatch):
    started: list[str] = []
    monkeypatch.setattr(serving, "serve", lambda **kwargs: started.append("serve"))

    with override_settings(DEBUG=True), pytest.raises(CommandError) as caught:
        call_command("serve")

    assert str(caught.value) == (
        "steadyops will not serve with debugging turned on: it shows internals to every visitor. "
        "Unset STEADYOPS_DEBUG (or set it to false) and start again."
    )
    assert started == []


def test_it_passes_the_chosen_options_to_the_server(monkeypatch, capsys):
    calls: list[dict[str, object]] = []
    monkeypatch.setattr(serving, "serve", lambda **kwargs: calls.append(kwargs))

    call_command("serve", "--host", "0.0.0.0", "--port", "9001", "--workers", "3", "--server", "granian")

    assert calls == [{"host": "0.0.0.0", "port": 9001, "workers": 3, "server": "granian"}]
    assert capsys.readouterr().out == "Starting granian with 3 web processes on http://0.0.0.0:9001/\n"


def test_it_defaults_to_two_workers_on_the_benchmark_winner(monkeypatch):
    calls: list[dict[str, object]] = []
    monkeypatch.setattr(serving, "serve", lambda **kwargs: calls.append(kwargs))

    call_command("serve")

    assert calls == [{"host": "127.0.0.1", "port": 8000, "workers": 2, "server": serving.DEFAULT_SERVER}]


def test_it_configures_gunicorn_with_sync_workers_and_no_control_socket():
    options = serving.gunicorn_options(host="127.0.0.1", port=8123, workers=2)

    assert options["bind"] == ["127.0.0.1:8123"]
    assert options["workers"] == 2
    assert options["worker_class"] == "sync"
    assert options["control_socket_disable"] is True
    assert options["child_exit"] is serving._child_exit
    assert serving.gunicorn_options(host="::1", port=80, workers=1)["bind"] == ["[::1]:80"]


def test_it_shares_metrics_through_a_fresh_folder_only_with_several_workers(settings, tmp_path, monkeypatch):
    settings.DATA_DIR = tmp_path
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)

    with serving.metrics_directory(1) as single:
        assert single is None
        assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ

    with serving.metrics_directory(2) as shared:
        assert shared is not None
        assert shared.parent == tmp_path / "prometheus"
        assert shared.is_dir()
        assert list(shared.iterdir()) == []
        assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(shared)

    assert not shared.exists()
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ


def test_it_marks_a_dead_gunicorn_worker_in_the_shared_metrics(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    (tmp_path / "gauge_liveall_4242.db").write_bytes(b"")
    (tmp_path / "gauge_liveall_4343.db").write_bytes(b"")

    class Worker:
        pid = 4242

    serving._child_exit(None, Worker())

    assert sorted(p.name for p in tmp_path.iterdir()) == ["gauge_liveall_4343.db"]


def start_server(tmp_path: Path, server: str) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = free_port()
    data_dir = tmp_path / "data"
    env = {**os.environ, "STEADYOPS_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "steadyops.settings"}
    for name in ("PROMETHEUS_MULTIPROC_DIR", "STEADYOPS_DEBUG", "DATABASE_URL"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "steadyops.cli", "serve", "--port", str(port), "--workers", "2", "--server", server],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    return process, port, data_dir


@pytest.mark.integration
@pytest.mark.parametrize("server", ["gunicorn", "granian"])
def test_it_serves_the_application_with_static_files_and_stops_on_sigterm(tmp_path, server):
    process, port, data_dir = start_server(tmp_path, server)
    try:
        listening = serving.wait_until_listening("127.0.0.1", port, attempts=300, alive=lambda: process.poll() is None)
        assert listening, process.communicate(timeout=30)
        response = requests.get(f"http://127.0.0.1:{port}/static/admin/css/base.css", timeout=30)
        metrics_dirs = list((data_dir / "prometheus").iterdir())
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")
    # Every answer passes through steadyops' middleware, WhiteNoise included.
    assert len(response.headers["X-Request-ID"]) == 32
    assert (data_dir / "static" / "staticfiles.json").is_file()
    assert len(metrics_dirs) == 1
    assert process.returncode == 0, err.decode()
    # A loaded machine may still be starting a worker when SIGTERM comes; the server then says so after this line.
    assert out.decode().splitlines()[0] == f"Starting {server} with 2 web processes on http://127.0.0.1:{port}/"
    assert list((data_dir / "prometheus").iterdir()) == []
