"""Plain statements in core.rows: by_pk gives the instance the ORM would, and rows written in bulk read back as
the ORM wrote them, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from steadyops.accounts.models import Role, User
from steadyops.core.models import AuditEntry
from steadyops.core.rows import (
    by_pk,
    by_unique,
    insert_rows,
    pairs,
    prepare_insert,
    run_insert,
    update_each,
    update_ids,
)
from steadyops.incidents.models.signals import RateBucket

pytestmark = pytest.mark.django_db


def fields_of(instance: object) -> dict[str, object]:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}  # type: ignore[attr-defined]


def test_a_user_comes_back_as_the_orm_gives_it() -> None:
    user = User.objects.create_user(username="maria", role=Role.STAKEHOLDER, email="maria@example.org")
    User.objects.filter(pk=user.pk).update(last_login=datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC))
    loaded = by_pk(User, user.pk)
    assert loaded is not None
    assert fields_of(loaded) == fields_of(User.objects.get(pk=user.pk))
    assert loaded.last_login == datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
    assert timezone.is_aware(loaded.date_joined)
    assert loaded.is_active is True
    assert loaded._state.adding is False
    assert loaded._state.db == "default"


def test_json_and_null_columns_convert_as_the_orm_does() -> None:
    entry = AuditEntry.objects.create(action="test.rows", actor_label="system", after={"a": [1, 2]}, before=None)
    loaded = by_pk(AuditEntry, entry.pk)
    assert loaded is not None
    assert loaded.after == {"a": [1, 2]}
    assert loaded.before is None
    assert fields_of(loaded) == fields_of(AuditEntry.objects.get(pk=entry.pk))


@pytest.mark.parametrize("key", [999_999, "999999", "not a number", None, "1; DROP TABLE accounts_user"])
def test_an_unknown_or_malformed_key_gives_none(key: object) -> None:
    User.objects.create_user(username="sam", role=Role.STAKEHOLDER)
    assert by_pk(User, key) is None
    assert User.objects.filter(username="sam").exists()


def test_a_row_is_found_by_another_unique_field_and_a_field_that_is_not_unique_is_refused() -> None:
    user = User.objects.create_user(username="ines", role=Role.OPERATOR, email="ines@example.com")
    found = by_unique(User, "username", "ines")
    assert found is not None
    assert (found.pk, found.email, found.role) == (user.pk, "ines@example.com", Role.OPERATOR)
    assert by_unique(User, "username", "nobody") is None
    with pytest.raises(ValueError, match=r"^User\.email is not unique$"):
        by_unique(User, "email", "ines@example.com")


def test_rows_written_with_plain_statements_read_back_as_the_orm_wrote_them() -> None:
    at = datetime.datetime(2026, 5, 1, 8, 0, tzinfo=datetime.UTC)
    ids = insert_rows(
        AuditEntry,
        [
            {
                "action": f"test.{n}",
                "actor_label": "system",
                "object_type": "test",
                "object_id": str(n),
                "object_repr": "",
                "request_id": "",
                "after": {"n": n},
                "before": None,
                "created_at": at,
            }
            for n in range(3)
        ],
    )
    assert [e.action for e in AuditEntry.objects.filter(pk__in=ids).order_by("pk")] == ["test.0", "test.1", "test.2"]
    assert AuditEntry.objects.get(pk=ids[1]).after == {"n": 1}
    later = at + datetime.timedelta(hours=1)
    update_ids(AuditEntry, ids[:2], {"actor_label": "robot", "created_at": later})
    assert list(AuditEntry.objects.filter(pk__in=ids).order_by("pk").values_list("actor_label", "created_at")) == [
        ("robot", later),
        ("robot", later),
        ("system", at),
    ]
    entries = list(AuditEntry.objects.filter(pk__in=ids).order_by("pk"))
    for entry in entries:
        entry.after = {"changed": entry.pk}
    update_each(entries, ["after"])
    assert [e.after for e in AuditEntry.objects.filter(pk__in=ids).order_by("pk")] == [{"changed": pk} for pk in ids]


def test_an_insert_that_skips_conflicts_returns_only_the_rows_it_wrote() -> None:
    RateBucket.objects.create(key="taken", tokens=1, updated=0)
    statements = prepare_insert(
        RateBucket,
        [{"key": "taken", "tokens": 5, "updated": 1.0}, {"key": "fresh", "tokens": 5, "updated": 1.0}],
        skip_conflicts=True,
    )
    ids = run_insert(statements)
    assert [RateBucket.objects.get(pk=pk).key for pk in ids] == ["fresh"]
    assert RateBucket.objects.get(key="taken").tokens == 1


def test_pairs_reads_one_column_by_another_among_some_values_where_a_column_is_unset() -> None:
    kept = User.objects.create_user(username="kept", role=Role.VIEWER)
    User.objects.create_user(username="other", role=Role.VIEWER)
    gone = User.objects.create_user(username="gone", role=Role.VIEWER, last_login=timezone.now())
    found = pairs(User, "username", "id", unset="last_login", among=["kept", "gone", "nobody", "x' OR '1'='1"])
    assert found == {"kept": kept.pk}
    assert gone.pk not in found.values()
    assert pairs(User, "username", "id", unset="last_login", among=[]) == {}
