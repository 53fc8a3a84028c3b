"""Sessions kept in the database, read with one plain statement.

Every signed-in request reads its session. Django's database store builds an ORM query for it each time, which
costs several times what the database spends answering; this store reads the same table, with the same expiry
rule, through one parameterised SELECT. Writing, cycling and expiry are Django's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def load(self) -> dict[str, Any]:
        connection = connections[router.db_for_read(self.model)]
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",  # noqa: S608
                [self.session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            # As Django's store does: an unknown or expired key is forgotten, and a new one is made on save.
            self._session_key = None
            return {}
        return dict(self.decode(row[0]))
