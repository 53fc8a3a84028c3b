"""Loading one row by primary key with a plain statement, for the few lookups every request makes.

The ORM builds and compiles a query each time, which for a primary-key lookup costs several times what the
database spends answering. ``by_pk`` prepares the statement once per model and database, and turns the row into
a model instance with the same conversions the ORM applies (aware datetimes, booleans, JSON), so the instance is
the one ``Model.objects.get(pk=...)`` would give.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connections, router
from django.db.models import Model

M = TypeVar("M", bound=Model)

Converter = Callable[[Any, Any, Any], Any]


@functools.cache
def _plan(model: type[Model], alias: str) -> tuple[str, list[str], list[tuple[Any, list[Converter]]]]:
    connection = connections[alias]
    quote = connection.ops.quote_name
    table = model._meta.db_table
    fields = model._meta.concrete_fields
    columns = ", ".join(quote(f.column) for f in fields)
    pk = model._meta.pk
    assert pk is not None
    sql = f"SELECT {columns} FROM {quote(table)} WHERE {quote(pk.column)} = %s"  # noqa: S608
    conversions = []
    for field in fields:
        column = field.get_col(table)
        conversions.append((column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)))
    return sql, [f.attname for f in fields], conversions


def by_pk(model: type[M], pk: Any) -> M | None:
    """The instance of model with primary key pk, or None when there is none (or pk is not a valid key)."""
    try:
        key = model._meta.pk.to_python(pk)  # type: ignore[union-attr]
    except Exception:
        return None
    alias = router.db_for_read(model)
    sql, names, conversions = _plan(model, alias)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for value, (column, converters) in zip(row, conversions, strict=True):
        for convert in converters:
            value = convert(value, column, connection)
        values.append(value)
    return model.from_db(alias, names, values)
