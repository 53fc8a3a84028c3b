"""The decisions' full-text index: SQLite FTS5 kept in step by triggers, or a PostgreSQL GIN expression index.

Its own migration: PostgreSQL refuses CREATE INDEX in a transaction that still has trigger events pending from
the tables created before it.
"""

from typing import Any

from django.db import migrations

from steadyops.consensus.similar import DECISION_INDEX
from steadyops.core import search


def forwards(apps: Any, schema_editor: Any) -> None:
    for sql in search.install_sql(DECISION_INDEX, schema_editor.connection.vendor):
        schema_editor.execute(sql)


def backwards(apps: Any, schema_editor: Any) -> None:
    for sql in search.uninstall_sql(DECISION_INDEX, schema_editor.connection.vendor):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("consensus", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
