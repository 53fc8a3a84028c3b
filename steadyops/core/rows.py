"""Plain statements for the hottest reads and writes, where the ORM's query building costs more than the database.

- ``by_pk`` loads one row by primary key (the session's user, on every request), ``by_unique`` by another unique
  field (an API token by its hash): the statement is prepared once per model, field and database, and the row gets
  the conversions the ORM applies (aware datetimes, booleans, JSON), so the instance is the one
  ``Model.objects.get(...)`` would give.
- ``insert_rows`` (or ``prepare_insert`` then ``run_insert``), ``update_ids`` and ``update_each`` write many rows
  at once for intake and grouping; values go through the backend's own adaptation, so SQLite and PostgreSQL get
  what the ORM would send. ``pairs`` reads one column by another for a list of keys. Inserts, id-list updates
  and ``pairs`` are written in the driver's own placeholder style and, on SQLite, run on the driver's connection
  (in the same transaction), which skips Django's rewriting of long statements.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

import orjson
from django.db import connection, connections, router
from django.db.models import DateTimeField, Field, JSONField, Model

M = TypeVar("M", bound=Model)

Converter = Callable[[Any, Any, Any], Any]


@functools.cache
def _plan(model: type[Model], alias: str, key: str) -> tuple[str, list[str], list[tuple[Any, list[Converter]]]]:
    connection = connections[alias]
    quote = connection.ops.quote_name
    table = model._meta.db_table
    fields = model._meta.concrete_fields
    columns = ", ".join(quote(f.column) for f in fields)
    where = str(model._meta.get_field(key).column)  # type: ignore[union-attr]
    sql = f"SELECT {columns} FROM {quote(table)} WHERE {quote(where)} = %s"  # noqa: S608
    conversions = []
    for field in fields:
        column = field.get_col(table)
        conversions.append((column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)))
    return sql, [f.attname for f in fields], conversions


def by_pk(model: type[M], pk: Any) -> M | None:
    """The instance of model with primary key pk, or None when there is none (or pk is not a valid key)."""
    return by_unique(model, model._meta.pk.name, pk)  # type: ignore[union-attr]


def by_unique(model: type[M], field: str, value: Any) -> M | None:
    """The instance of model whose unique field has value, or None when there is none (or value is not valid)."""
    unique: Any = model._meta.get_field(field)
    if not getattr(unique, "unique", False):
        raise ValueError(f"{model.__name__}.{field} is not unique")
    try:
        key = unique.to_python(value)
    except Exception:
        return None
    alias = router.db_for_read(model)
    sql, names, conversions = _plan(model, alias, field)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for cell, (column, converters) in zip(row, conversions, strict=True):
        for convert in converters:
            cell = convert(cell, column, connection)
        values.append(cell)
    return model.from_db(alias, names, values)


# Rows per statement: well under SQLite's limit of 32,766 parameters for the widest table written this way.
CHUNK = 500


def _converter(field: Any) -> Callable[[Any], Any]:
    """How a value of field (a DateTimeField or a JSONField) goes to the database: the backend's own adaptation.

    Dates are adapted once per distinct value of one statement: a batch shares its arrival time, and the alerts
    of one webhook mostly share their start."""
    ops = connection.ops
    if isinstance(field, DateTimeField):
        adapted: dict[datetime, Any] = {}

        def adapt(value: datetime) -> Any:
            if value not in adapted:
                adapted[value] = ops.adapt_datetimefield_value(value)
            return adapted[value]

        return adapt
    if connection.vendor == "sqlite" and field.encoder is None:
        # JSON text written by orjson (compact, UTF-8 as is), at about a tenth of the standard library's cost
        # per value; encoding each alert's labels and annotations was a tenth of an alert webhook's time.
        return _json_text
    return lambda value: ops.adapt_json_value(value, field.encoder)


def _json_text(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


@functools.cache
def _layout(
    model: type[Model], names: tuple[str, ...], alias: str
) -> tuple[list[Field[Any, Any]], str, list[str], list[tuple[int, Field[Any, Any]]]]:
    """The fields, quoted table and column names, and the fields whose values need an adaptation (with their
    position): worked out once per model and list of names, as every batch of intake writes the same columns."""
    quote = connections[alias].ops.quote_name
    fields: list[Field[Any, Any]] = [model._meta.get_field(name) for name in names]  # type: ignore[misc]
    adapted: list[tuple[int, Field[Any, Any]]] = [
        (i, f) for i, f in enumerate(fields) if isinstance(f, DateTimeField | JSONField)
    ]
    return fields, quote(model._meta.db_table), [quote(f.column) for f in fields], adapted


class _Columns:
    """Some fields of a model, named as the database knows them, with each value's adaptation."""

    def __init__(self, model: type[Model], names: list[str]) -> None:
        self.fields, self.table, self.quoted, adapted = _layout(model, tuple(names), connection.alias)
        # Only the columns whose type needs an adaptation: for the alerts of a webhook, 6 of 16 values per row.
        self.converters = [(i, _converter(f)) for i, f in adapted]

    def adapt(self, values: Iterable[Any]) -> list[Any]:
        adapted = list(values)
        if len(adapted) != len(self.fields):
            raise ValueError(f"expected {len(self.fields)} values, got {len(adapted)}")
        for index, convert in self.converters:
            value = adapted[index]
            if value is not None:
                adapted[index] = convert(value)
        return adapted


def _native(sql: str) -> str:
    """sql, written with %s placeholders, in the driver's own style: SQLite's takes ?. Django's SQLite cursor would
    rewrite the statement with a regular expression on every run, which for a batch of a few thousand parameters
    costs more than the insert itself, and does so while the write lock is held."""
    return sql.replace("%s", "?") if connection.vendor == "sqlite" else sql


def _execute(sql: str, params: list[Any]) -> list[Any]:
    """Run a statement written by _native; the rows it returns (none for a write without RETURNING). On SQLite it
    goes to the driver directly, in the connection's current transaction (so it does not show in Django's list of
    queries)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.execute(sql, params).fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def prepare_insert(
    model: type[Model], rows: list[dict[str, Any]], *, skip_conflicts: bool = False
) -> list[tuple[str, list[Any]]]:
    """The INSERT statements (one per chunk) and their parameters for rows (values by field name; every row names
    the same fields), ready to run. With skip_conflicts, a row that breaks a unique constraint is left out.

    Preparing needs no database, so a caller can do it before it takes a write lock.
    """
    if not rows:
        return []
    columns = _Columns(model, list(rows[0]))
    one = "(" + ", ".join(["%s"] * len(columns.fields)) + ")"
    conflicts = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    statements = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        params = [value for row in chunk for value in columns.adapt(row.values())]
        values = ", ".join([one] * len(chunk))
        sql = f"INSERT INTO {columns.table} ({', '.join(columns.quoted)}) VALUES {values}{conflicts} RETURNING id"  # noqa: S608
        statements.append((_native(sql), params))
    return statements


def run_insert(statements: list[tuple[str, list[Any]]]) -> list[int]:
    """Run prepared INSERT statements; the ids of the rows inserted, in order."""
    ids: list[int] = []
    for sql, params in statements:
        # Rows get increasing ids in the order of VALUES; RETURNING itself promises no order.
        ids += sorted(int(row[0]) for row in _execute(sql, params))
    return ids


def insert_rows(model: type[Model], rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows (see prepare_insert) and return their ids, in order."""
    return run_insert(prepare_insert(model, rows))


def update_ids(model: type[Model], ids: list[int], values: dict[str, Any]) -> None:
    """Set the same values (by field name) on the rows with these ids: one UPDATE per chunk of ids (the ORM's
    update resolves each id of a long IN list as an expression, which costs more than the write)."""
    columns = _Columns(model, list(values))
    assignments = ", ".join(f"{column} = %s" for column in columns.quoted)
    params = columns.adapt(values.values())
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        marks = ", ".join(["%s"] * len(chunk))
        _execute(_native(f"UPDATE {columns.table} SET {assignments} WHERE id IN ({marks})"), [*params, *chunk])  # noqa: S608


def update_each(instances: list[Model], names: list[str]) -> None:
    """Write these fields of each instance back: one UPDATE statement, one parameter set per instance."""
    if not instances:
        return
    columns = _Columns(type(instances[0]), names)
    assignments = ", ".join(f"{column} = %s" for column in columns.quoted)
    params = [[*columns.adapt(getattr(i, f.attname) for f in columns.fields), i.pk] for i in instances]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {columns.table} SET {assignments} WHERE id = %s", params)  # noqa: S608


def pairs(model: type[Model], key: str, value: str, *, unset: str, among: list[Any]) -> dict[Any, Any]:
    """key → value (columns) for the rows of model whose column unset is NULL and whose key is among some values
    (at most a few thousand): one plain statement, for the hot paths where the ORM's query building, or Django's
    rewriting of a long statement, costs more than the read."""
    if not among:
        return {}
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(among))
    sql = (
        f"SELECT {quote(key)}, {quote(value)} FROM {quote(model._meta.db_table)} "  # noqa: S608
        f"WHERE {quote(unset)} IS NULL AND {quote(key)} IN ({marks})"
    )
    return dict(_execute(_native(sql), among))
