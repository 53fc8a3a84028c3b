"""`steadyops check`: Django's system checks, then the configuration in plain words.

All of Django's options keep working (`steadyops check --deploy --fail-level WARNING`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import check
from django.db import DatabaseError, connections
from django.utils import timezone

# A worker reports at least every poll interval; a few missed reports mean it has stopped.
STALE_HEARTBEAT_POLLS = 6


def _safe_url(url: str) -> str:
    """The URL without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def database_line() -> tuple[str, bool]:
    connection = connections["default"]
    if connection.vendor == "sqlite":
        where = f"SQLite file {connection.settings_dict['NAME']}"
    else:
        data = connection.settings_dict
        host = f"{data.get('HOST') or 'local socket'}:{data.get('PORT') or 5432}"
        where = f"{connection.display_name} database {data['NAME']} on {host}"
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        return f"Database: {where}, cannot be reached: {str(exc).strip().splitlines()[0]}", False
    return f"Database: {where}, reachable.", True


def data_dir_line() -> tuple[str, bool]:
    data_dir = Path(settings.DATA_DIR)
    try:
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".check-"):
            pass
    except OSError as exc:
        return f"Data folder: {data_dir} is not writable ({exc.strerror}).", False
    return f"Data folder: {data_dir} is writable.", True


def secret_key_line() -> str:
    if os.environ.get("STEADYOPS_SECRET_KEY_FILE"):
        name = os.environ["STEADYOPS_SECRET_KEY_FILE"]
        return f"Secret key: read from the file named by STEADYOPS_SECRET_KEY_FILE ({name})."
    if os.environ.get("STEADYOPS_SECRET_KEY"):
        return "Secret key: from STEADYOPS_SECRET_KEY."
    return f"Secret key: generated on first start and kept in {Path(settings.DATA_DIR) / 'secret_key'}."


def email_line() -> str:
    if settings.EMAIL_HOST:
        security = "TLS" if settings.EMAIL_USE_TLS else "SSL" if settings.EMAIL_USE_SSL else "no encryption"
        return f"Email: sent through the SMTP server {settings.EMAIL_HOST}:{settings.EMAIL_PORT} ({security})."
    if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        return (
            f"Email: no SMTP server set (STEADYOPS_EMAIL_HOST); mail is written to files in {settings.EMAIL_FILE_PATH}."
        )
    return f"Email: delivered by {settings.EMAIL_BACKEND}."


def task_queue_line() -> tuple[str, bool]:
    if not settings.REDIS_URL:
        return f"Task queue: SQLite file {settings.HUEY['filename']}.", True
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3, socket_timeout=3).ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        return f"Task queue: Redis at {_safe_url(settings.REDIS_URL)} cannot be reached: {exc}", False
    return f"Task queue: Redis at {_safe_url(settings.REDIS_URL)}, reachable.", True


def worker_line() -> str:
    from steadyops.core.models import WorkerHeartbeat

    try:
        latest = WorkerHeartbeat.objects.order_by("-seen_at").first()
    except DatabaseError:
        return "Worker: unknown until the database is set up (run `steadyops migrate`)."
    if latest is None:
        return "Worker: none has reported yet; start one with `steadyops worker` (`steadyops up` starts one)."
    age = int((timezone.now() - latest.seen_at).total_seconds())
    if age > STALE_HEARTBEAT_POLLS * settings.WORKER_POLL_SECONDS:
        return f"Worker: the last report came {age} seconds ago from {latest.name}; no worker seems to be running."
    return f"Worker: {latest.name} reported {age} seconds ago."


def https_line() -> str:
    if settings.HTTPS:
        return "HTTPS: on (STEADYOPS_HTTPS): cookies are sent only over HTTPS, with HSTS."
    return "HTTPS: off: cookies also travel over plain HTTP; set STEADYOPS_HTTPS=true behind a TLS proxy."


class Command(check.Command):
    help = f"{check.Command.help} Then describe steadyops' configuration and whether its parts are reachable."

    def handle(self, *app_labels: Any, **options: Any) -> None:
        super().handle(*app_labels, **options)
        database, database_ok = database_line()
        data_dir, data_dir_ok = data_dir_line()
        queue, queue_ok = task_queue_line()
        lines = [database, data_dir, secret_key_line(), email_line(), queue]
        lines.append(worker_line() if database_ok else "Worker: unknown while the database cannot be reached.")
        lines.append(https_line())
        self.stdout.write("")
        for line in lines:
            self.stdout.write(line)
        verb = "needs" if sum(not ok for ok in (database_ok, data_dir_ok, queue_ok)) == 1 else "need"
        broken = [
            name
            for name, ok in (("database", database_ok), ("data folder", data_dir_ok), ("task queue", queue_ok))
            if not ok
        ]
        if broken:
            raise CommandError(f"Not ready: the {', the '.join(broken)} {verb} attention (see above).")
