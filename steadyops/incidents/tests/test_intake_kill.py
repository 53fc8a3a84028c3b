"""Killing the web server with SIGKILL in the middle of a burst of panic reports loses no report it answered 2xx;
once restarted, steadyops groups whatever was stored."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, suppress
from pathlib import Path

import pytest
import requests

from steadyops.notify.tests.processes import STEADYOPS, Installation
from steadyops.testing.servers import free_port, wait_until

pytestmark = pytest.mark.integration

PEOPLE = 64
PRESSES_EACH = 5
SENDERS = 16
KILL_AFTER_ANSWERS = 60

MAKE_PEOPLE = f"""
import json
from steadyops.accounts import services
from steadyops.accounts.models import Role, User
from steadyops.core.actor import Actor
tokens = []
for n in range({PEOPLE} + 1):
    user = User.objects.create_user(username=f"sales{{n}}", role=Role.STAKEHOLDER)
    tokens.append(services.create_token(actor=Actor(user=user), user=user, name="panic", scopes=["write"])[1])
print(json.dumps(tokens))
"""


class Server:
    """`steadyops serve` in its own process group, so SIGKILL reaches granian and every web process at once."""

    def __init__(self, app: Installation) -> None:
        self.app = app
        self.port = free_port()
        self.process = subprocess.Popen(
            [STEADYOPS, "serve", "--port", str(self.port), "--workers", "2"],
            env=app.env,
            cwd=app.data_dir,
            stdout=(app.data_dir / f"serve-{self.port}.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> None:
        def ready() -> bool:
            try:
                return requests.get(self.url + "/healthz/live", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        assert wait_until(ready, timeout=60, interval=0.2), self.log()

    def log(self) -> str:
        return (self.app.data_dir / f"serve-{self.port}.log").read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Installation]:
    installation = Installation(tmp_path, f"sqlite:///{tmp_path / 'steadyops.sqlite3'}")
    installation.run("migrate", "--run-syncdb", "-v", "0")
    try:
        yield installation
    finally:
        installation.stop_all()


def query(app: Installation, sql: str) -> list[tuple[int, ...]]:
    with closing(sqlite3.connect(app.database_url.removeprefix("sqlite:///"), timeout=20)) as db:
        return db.execute(sql).fetchall()


def report(url: str, token: str, n: int) -> requests.Response:
    return requests.post(
        url + "/api/v1/incidents/reports",
        json={"what": f"The checkout page shows an error ({n})", "customers": "many"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def test_it_loses_no_answered_report_when_killed_mid_burst(app: Installation) -> None:
    tokens: list[str] = app.python(MAKE_PEOPLE)
    last = tokens.pop()
    server = Server(app)
    try:
        server.wait_ready()
        answered: list[int] = []
        refused: list[int] = []
        lock = threading.Lock()
        enough = threading.Event()

        def send(share: list[str]) -> None:
            for n, token in enumerate(t for t in share for _ in range(PRESSES_EACH)):
                try:
                    response = report(server.url, token, n)
                except requests.RequestException:
                    return
                with lock:
                    if 200 <= response.status_code < 300:
                        answered.append(int(response.json()["id"]))
                        if len(answered) >= KILL_AFTER_ANSWERS:
                            enough.set()
                    else:
                        refused.append(response.status_code)

        with ThreadPoolExecutor(SENDERS) as pool:
            shares = [tokens[i::SENDERS] for i in range(SENDERS)]
            futures = [pool.submit(send, share) for share in shares]
            assert enough.wait(timeout=120), server.log()
            server.kill()
            for future in futures:
                future.result(timeout=120)
        sent_all = len(answered) + len(refused) == PEOPLE * PRESSES_EACH
        assert not sent_all, "the burst ended before the server was killed; nothing was tested"
        assert set(refused) <= {503}
    finally:
        server.stop()

    stored = {row[0] for row in query(app, "SELECT id FROM incidents_report")}
    assert len(answered) >= KILL_AFTER_ANSWERS
    assert set(answered) <= stored

    restarted = Server(app)
    app.start("worker", "--name", "w1", name="worker")
    try:
        restarted.wait_ready()
        # A new report wakes the worker, which groups everything still waiting, the old reports included.
        assert report(restarted.url, last, 0).status_code == 201

        def all_grouped() -> bool:
            return query(app, "SELECT COUNT(*) FROM incidents_report WHERE grouped_at IS NULL")[0][0] == 0

        assert wait_until(all_grouped, timeout=120, interval=0.5), app.log("worker")
        total = query(app, "SELECT COUNT(*), COUNT(signal_id) FROM incidents_report")[0]
        assert total[0] == len(stored) + 1
        assert total[1] == total[0]
        signals = query(app, "SELECT SUM(report_count) FROM incidents_signal")[0][0]
        assert signals == total[0]
    finally:
        restarted.stop()
