"""A token bucket per key, kept in the database so every web process counts the same presses.

A bucket holds up to ``capacity`` tokens and gains ``capacity / period`` tokens a second; each action spends one.
One statement refills and spends (an upsert that returns what is left), so the check is atomic on SQLite and
PostgreSQL without a shared cache. Call ``spend`` inside the transaction that does the action: when the action
fails or the bucket is empty, the rollback gives the token back.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection

from steadyops.incidents.models.signals import RateBucket


class RateLimited(Exception):
    """The bucket is empty; retry_after is how many whole seconds until one token is back."""

    def __init__(self, retry_after: int, message: str = "") -> None:
        self.retry_after = max(1, retry_after)
        self.message = message or f"Too many at once; try again in {self.retry_after} seconds."
        super().__init__(self.message)


@dataclass(frozen=True)
class Limit:
    """capacity actions at most, refilled evenly over period_seconds."""

    capacity: float
    period_seconds: float

    @property
    def rate(self) -> float:
        return self.capacity / self.period_seconds


def _sql() -> str:
    table = connection.ops.quote_name(RateBucket._meta.db_table)
    # The refill is capped at capacity; CASE rather than MIN/LEAST, which SQLite and PostgreSQL spell differently.
    refilled = f"{table}.tokens + (%s - {table}.updated) * %s"
    # The table name comes from the model; every value is a parameter.
    return (
        f"INSERT INTO {table} (key, tokens, updated) VALUES (%s, %s, %s) "  # noqa: S608
        f"ON CONFLICT (key) DO UPDATE SET "
        f"tokens = (CASE WHEN {refilled} > %s THEN %s ELSE {refilled} END) - 1, updated = %s "
        f"RETURNING tokens"
    )


def spend(key: str, limit: Limit, *, now: float | None = None, message: str = "") -> float:
    """Spend one token of key's bucket; raise RateLimited when none is left. Returns the tokens left.

    Must run inside a transaction that is rolled back when RateLimited is raised (atomic() does this), so a refused
    action costs nothing.
    """
    at = time.time() if now is None else now
    rate = limit.rate
    params: list[str | float] = [key, limit.capacity - 1, at, at, rate, limit.capacity, limit.capacity, at, rate, at]
    with connection.cursor() as cursor:
        cursor.execute(_sql(), params)
        row = cursor.fetchone()
    left = float(row[0])
    if left < 0:
        raise RateLimited(math.ceil(-left / rate), message)
    return left


def spend_many(keys: Sequence[str], limit: Limit, *, now: float | None = None) -> list[int | None]:
    """Spend one token for each entry of keys, in order (a key may appear more than once): None where the action
    is admitted, else the whole seconds until that key has a token again.

    For a batch of actions written in one transaction: the buckets are created if new, locked (PostgreSQL; SQLite's
    write transaction already excludes every other writer), refilled, spent and written back with a few
    statements whatever the batch size, so two batches never admit the same token twice. Run it inside the
    batch's transaction: when the batch rolls back, so do its spends.
    """
    if not keys:
        return []
    at = time.time() if now is None else now
    distinct = sorted(set(keys))
    table = connection.ops.quote_name(RateBucket._meta.db_table)
    marks = ", ".join(["%s"] * len(distinct))
    # Locking in key order keeps two batches that share people from waiting on each other in a circle.
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    # Plain SQL: the ORM's bulk update builds one CASE expression per row, which costs more than the writes.
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (key, tokens, updated) VALUES (%s, %s, %s) ON CONFLICT (key) DO NOTHING",  # noqa: S608
            [(key, limit.capacity, at) for key in distinct],
        )
        cursor.execute(
            f"SELECT key, tokens, updated FROM {table} WHERE key IN ({marks}) ORDER BY key{lock}",  # noqa: S608
            distinct,
        )
        rate = limit.rate
        # The same refill as spend(): capped at capacity.
        tokens = {key: min(limit.capacity, float(left) + (at - float(updated)) * rate) for key, left, updated in cursor}
        verdicts: list[int | None] = []
        for key in keys:
            if tokens[key] >= 1:
                tokens[key] -= 1
                verdicts.append(None)
            else:
                verdicts.append(max(1, math.ceil((1 - tokens[key]) / rate)))
        cursor.executemany(
            f"UPDATE {table} SET tokens = %s, updated = %s WHERE key = %s",  # noqa: S608
            [(left, at, key) for key, left in tokens.items()],
        )
    return verdicts
