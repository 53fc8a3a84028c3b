"""steadyops as separate processes, for the fault and multi-process tests: its own data folder and database."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

STEADYOPS = str(Path(sys.executable).with_name("steadyops"))

# Short enough that leases expire and retries happen within a test, long enough for a delivery to finish.
FAST_ENV = {
    "STEADYOPS_OUTBOX_LEASE_SECONDS": "5",
    "STEADYOPS_OUTBOX_BACKOFF_SECONDS": "1",
    "STEADYOPS_WORKER_POLL_SECONDS": "1",
    "STEADYOPS_OUTBOX_DELIVERY_TIMEOUT": "2",
    "STEADYOPS_LOG_LEVEL": "WARNING",
}


class Installation:
    """A steadyops data folder and database that subprocesses share, outside pytest-django's test database."""

    def __init__(self, data_dir: Path, database_url: str, **env: str) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.env = {key: value for key, value in os.environ.items() if not key.startswith(("STEADYOPS_", "REDIS_URL"))}
        self.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "steadyops.settings",
                "STEADYOPS_DATA_DIR": str(data_dir),
                "DATABASE_URL": database_url,
                **FAST_ENV,
                **env,
            }
        )
        self.processes: list[subprocess.Popen[bytes]] = []

    def run(self, *args: str, timeout: float = 180) -> str:
        result = subprocess.run(
            [STEADYOPS, *args], env=self.env, cwd=self.data_dir, capture_output=True, timeout=timeout, check=False
        )
        if result.returncode != 0:
            raise AssertionError(f"steadyops {' '.join(args)} failed:\n{result.stderr.decode()[-3000:]}")
        return result.stdout.decode()

    def python(self, code: str) -> Any:
        """Run code inside steadyops (Django set up) and return what it printed, parsed as JSON."""
        return json.loads(self.run("shell", "-v", "0", "-c", code).strip().splitlines()[-1])

    def start(self, *args: str, name: str) -> subprocess.Popen[bytes]:
        log = open(self.data_dir / f"{name}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen([STEADYOPS, *args], env=self.env, cwd=self.data_dir, stdout=log, stderr=log)
        self.processes.append(process)
        return process

    def log(self, name: str) -> str:
        path = self.data_dir / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    # --- data, created and read through steadyops itself ---

    def make_user(self, username: str) -> int:
        return int(
            self.python(
                "from steadyops.accounts.models import User, Role\n"
                f"u = User.objects.create_user(username={username!r}, email='{username}@example.com', "
                "role=Role.OPERATOR)\n"
                "print(u.pk)"
            )
        )

    def make_channel(self, user_id: int, kind: str, target: str) -> int:
        [channel_id] = self.make_channels(user_id, kind, target, 1)
        return channel_id

    def make_channels(self, user_id: int, kind: str, target: str, count: int) -> list[int]:
        """count channels of one person to the same target, made in one steadyops process."""
        return list(
            self.python(
                "import json\n"
                "from steadyops.accounts.models import User\n"
                "from steadyops.core.actor import Actor\n"
                "from steadyops.notify import services\n"
                f"actor = Actor(user=User.objects.get(pk={user_id}))\n"
                f"ids = [services.create_channel(actor=actor, kind={kind!r}, name=f'Test {{n}}', target={target!r}).pk "
                f"for n in range({count})]\n"
                "print(json.dumps(ids))"
            )
        )

    def send_tests(self, channel_ids: int | Sequence[int], count: int = 1) -> list[str]:
        """Send count test messages to each channel (at most TEST_MESSAGES_PER_MINUTE each); their keys, in order."""
        ids = [channel_ids] if isinstance(channel_ids, int) else list(channel_ids)
        return list(
            self.python(
                "import json\n"
                "from steadyops.core.actor import Actor\n"
                "from steadyops.notify import services\n"
                "from steadyops.notify.models import Channel\n"
                f"channels = [Channel.objects.get(pk=pk) for pk in {ids!r}]\n"
                f"keys = [services.send_test_message(actor=Actor(user=c.owner), channel=c).idempotency_key "
                f"for c in channels for _ in range({count})]\n"
                "print(json.dumps(keys))"
            )
        )

    def messages(self) -> list[dict[str, Any]]:
        """The outbox rows, read straight from the database (quicker than starting steadyops for each look)."""
        query = (
            "SELECT idempotency_key, status, attempts, last_error, lease_owner FROM notify_outboxmessage ORDER BY id"
        )
        columns = ["idempotency_key", "status", "attempts", "last_error", "lease_owner"]
        if self.database_url.startswith("sqlite:///"):
            with closing(sqlite3.connect(self.database_url.removeprefix("sqlite:///"), timeout=20)) as db:
                rows = db.execute(query).fetchall()
        else:
            import psycopg

            with psycopg.connect(self.database_url) as db:
                rows = db.execute(query).fetchall()
        return [dict(zip(columns, row, strict=True)) for row in rows]


def copy_database(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", f"{target}{suffix}")
