"""Several web and worker processes sharing one database: every notification is delivered, none twice."""

import os
import secrets
import socket
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from steadyops.notify.services import TEST_MESSAGES_PER_MINUTE
from steadyops.notify.tests.processes import Installation
from steadyops.testing.servers import WebhookReceiver, free_port, wait_until

pytestmark = pytest.mark.integration

PG_URL = os.environ.get("STEADYOPS_TEST_POSTGRES_URL", "postgres://steadyops:steadyops@127.0.0.1:5432/steadyops")
REDIS_TEST_URL = os.environ.get("STEADYOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# New databases are made from the server's maintenance database, which always exists.
PG_ADMIN_URL = PG_URL.rsplit("/", 1)[0] + "/postgres"
N = 40
# Test messages are limited per channel and minute: N of them are spread over N // PER_CHANNEL channels.
PER_CHANNEL = TEST_MESSAGES_PER_MINUTE


def delivered_exactly_once(app: Installation, receiver: WebhookReceiver, expected: int) -> None:
    rows = app.messages()
    assert len(rows) == expected
    assert {row["status"] for row in rows} == {"delivered"}
    seen = Counter(request.headers["Idempotency-Key"] for request in receiver.snapshot())
    assert set(seen) == {row["idempotency_key"] for row in rows}
    assert set(seen.values()) == {1}


def test_it_shares_work_between_two_workers_on_sqlite(
    installation: Installation, webhook_receiver: WebhookReceiver
) -> None:
    app = installation
    channels = app.make_channels(app.make_user("alice"), "webhook", webhook_receiver.url, 30 // PER_CHANNEL)
    webhook_receiver.slow(0.05)
    app.start("worker", "--name", "w1", name="w1")
    app.start("worker", "--name", "w2", name="w2")
    app.send_tests(channels, PER_CHANNEL)
    assert wait_until(lambda: webhook_receiver.count() >= 30, timeout=120), app.log("w1") + app.log("w2")
    assert wait_until(lambda: {m["status"] for m in app.messages()} == {"delivered"}, timeout=60)
    delivered_exactly_once(app, webhook_receiver, 30)


def _reachable(url: str) -> str:
    """Why url cannot be used, or '' when it can."""
    try:
        if url.startswith("redis"):
            import redis

            redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
        else:
            import psycopg

            psycopg.connect(url, connect_timeout=3).close()
    except Exception as exc:
        return f"{url.split('@')[-1]} is not reachable ({type(exc).__name__})"
    return ""


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database for this test, dropped afterwards."""
    import psycopg

    reason = _reachable(PG_ADMIN_URL) or _reachable(REDIS_TEST_URL)
    if reason:
        pytest.skip(f"needs PostgreSQL and Redis: {reason}")
    name = f"steadyops_mp_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _session_for(app: Installation, user_id: int) -> str:
    return str(
        app.python(
            "import json\n"
            "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY\n"
            "from django.contrib.sessions.backends.db import SessionStore\n"
            "from steadyops.accounts.models import User\n"
            f"u = User.objects.get(pk={user_id})\n"
            "s = SessionStore()\n"
            "s[SESSION_KEY] = str(u.pk)\n"
            "s[BACKEND_SESSION_KEY] = 'steadyops.accounts.backends.ModelBackend'\n"
            "s[HASH_SESSION_KEY] = u.get_session_auth_hash()\n"
            "s.create()\n"
            "print(json.dumps(s.session_key))"
        )
    )


def test_it_delivers_each_notification_once_with_two_web_and_two_worker_processes(
    tmp_path: Path, fresh_postgres: str, webhook_receiver: WebhookReceiver
) -> None:
    app = Installation(tmp_path, fresh_postgres, REDIS_URL=REDIS_TEST_URL)
    try:
        app.run("migrate", "--no-input", "-v", "0")
        user_id = app.make_user("alice")
        channels = app.make_channels(user_id, "webhook", webhook_receiver.url, N // PER_CHANNEL)
        session_key = _session_for(app, user_id)
        ports = [free_port(), free_port()]
        for index, port in enumerate(ports):
            # One after the other: each `serve` collects the static files into the shared data folder first.
            app.start("serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1", name=f"web{index}")
            assert wait_until(lambda port=port: _listening(port), timeout=60), app.log(f"web{index}")
        app.start("worker", "--name", "w1", name="w1")
        app.start("worker", "--name", "w2", name="w2")

        # The CSRF cookie and header carry the same secret, as a browser's form would.
        csrf = secrets.token_hex(16)
        http = requests.Session()
        http.cookies.set("sessionid", session_key)
        http.cookies.set("csrftoken", csrf)
        statuses = []
        for n in range(N):
            port = ports[n % 2]
            channel = channels[n % len(channels)]
            response = http.post(
                f"http://127.0.0.1:{port}/notifications/channels/{channel}/test/",
                headers={"X-CSRFToken": csrf},
                allow_redirects=False,
                timeout=30,
            )
            statuses.append(response.status_code)
        assert statuses == [302] * N, app.log("web0") + app.log("web1")

        assert wait_until(lambda: webhook_receiver.count() >= N, timeout=120), app.log("w1") + app.log("w2")
        assert wait_until(lambda: {m["status"] for m in app.messages()} == {"delivered"}, timeout=60)
        # A late duplicate would arrive within a poll interval; give it the chance to show up before counting.
        time.sleep(2)
        delivered_exactly_once(app, webhook_receiver, N)
        beats = app.python(
            "import json\nfrom steadyops.core.models import WorkerHeartbeat\n"
            "print(json.dumps(sorted(WorkerHeartbeat.objects.values_list('name', flat=True))))"
        )
        assert beats == ["w1", "w2"]
    finally:
        app.stop_all()
