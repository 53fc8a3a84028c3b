"""Running steadyops behind a production WSGI server: gunicorn or granian, started in this process.

`steadyops serve` and `steadyops up` both come through here, so the web server is set up one way.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

WSGI_TARGET = "steadyops.wsgi:application"
SERVERS = ("gunicorn", "granian")
# The server that won bench/web.py on this project's reference machine; see BENCHMARKS.md.
DEFAULT_SERVER = "granian"
DEFAULT_WORKERS = 2
MAX_WORKERS = 64
# A worker that takes longer than this to answer is stuck; the server replaces it.
REQUEST_TIMEOUT_SECONDS = 60
# Request threads per web process (STEADYOPS_WEB_THREADS). Requests mostly wait: on the database, or on the
# commit of the batch their panic report joined; with one thread, every client queues behind the others' fsync.
# The default is granian's own ceiling for WSGI (two per core, plus one); past it, Python threads fight over the
# interpreter more than they wait. Panic reports and alerts keep one writer per process (intake's group commit
# and write turn), so more threads do not mean more SQLite writers on the hot path.
MAX_THREADS = 256


def default_threads() -> int:
    return (os.cpu_count() or 1) * 2 + 1


def web_threads() -> int:
    """Request threads per web process."""
    from steadyops.core.env import env_int

    return env_int("STEADYOPS_WEB_THREADS", default_threads(), minimum=1, maximum=MAX_THREADS)


def wait_until_listening(
    host: str, port: int, *, attempts: int = 150, alive: Callable[[], bool] = lambda: True
) -> bool:
    """Whether something accepts connections on host:port within attempts tenths of a second, while alive() holds."""
    for _ in range(attempts):
        if not alive():
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def collect_static() -> None:
    """Copy the stylesheets and scripts next to the data, where WhiteNoise serves them from.

    Several web processes may start at once on one data folder; a file lock lets one collect at a time, so none
    reads a half-written manifest.
    """
    lock_path = Path(settings.DATA_DIR) / "collectstatic.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            call_command("collectstatic", interactive=False, verbosity=0)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def metrics_directory(workers: int) -> Iterator[Path | None]:
    """With several web processes, share request counters through files in a fresh folder under the data dir."""
    if workers < 2:
        yield None
        return
    parent = Path(settings.DATA_DIR) / "prometheus"
    parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="serve-", dir=parent))
    previous = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    # prometheus_client picks its value store when first imported; a system check may have
    # imported it already, so choose again now that the folder is known.
    values = sys.modules.get("prometheus_client.values")
    if values is not None:
        values.ValueClass = values.get_value_class()  # type: ignore[attr-defined]
    try:
        yield path
    finally:
        if previous is None:
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        else:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = previous
        shutil.rmtree(path, ignore_errors=True)


def _child_exit(server: Any, worker: Any) -> None:
    # A dead worker's live gauges must not be summed into /metrics any more.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def gunicorn_options(*, host: str, port: int, workers: int) -> dict[str, Any]:
    """The gunicorn settings steadyops runs with."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {
        "bind": [bind],
        "workers": workers,
        # Synchronous workers: one request at a time per process keeps SQLite's single
        # writer uncontended (see DESIGN.md, Database).
        "worker_class": "sync",
        "timeout": REQUEST_TIMEOUT_SECONDS,
        "graceful_timeout": 20,
        "proc_name": "steadyops",
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "child_exit": _child_exit,
        # The control socket would be created in the home folder; steadyops is stopped with signals.
        "control_socket_disable": True,
    }


def run_gunicorn(*, host: str, port: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    class SteadyopsGunicorn(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in gunicorn_options(host=host, port=port, workers=workers).items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from steadyops.wsgi import application

            return application

    SteadyopsGunicorn(prog="steadyops serve").run()


def run_granian(*, host: str, port: int, workers: int) -> None:
    try:
        from granian import Granian
    except ImportError:
        raise CommandError(
            "granian is not installed: install it (pip install granian) or use --server gunicorn."
        ) from None
    from granian.constants import Interfaces
    from granian.log import LogLevels

    Granian(
        target=WSGI_TARGET,
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=web_threads(),
        log_level=LogLevels.warning,
        workers_kill_timeout=20,
    ).serve()


def serve(*, host: str, port: int, workers: int, server: str) -> None:
    """Serve steadyops until stopped by SIGINT or SIGTERM."""
    collect_static()
    with metrics_directory(workers):
        if server == "granian":
            run_granian(host=host, port=port, workers=workers)
        else:
            run_gunicorn(host=host, port=port, workers=workers)
