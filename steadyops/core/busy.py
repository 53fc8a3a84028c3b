"""A database that is busy answers 503 with Retry-After, never 500: clients (and Alertmanager) retry a 503."""

from django.db import OperationalError

RETRY_AFTER_SECONDS = 2

# SQLite's one writer: another transaction held the lock past busy_timeout. PostgreSQL: lock_timeout or a
# statement cancelled by the server under load.
_BUSY_MARKERS = ("database is locked", "database table is locked", "lock timeout", "canceling statement")


def is_database_busy(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and any(marker in str(exc).lower() for marker in _BUSY_MARKERS)
