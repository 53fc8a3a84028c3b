"""by_pk gives the same instance as the ORM's get(pk=...), conversions included, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from steadyops.accounts.models import Role, User
from steadyops.core.models import AuditEntry
from steadyops.core.rows import by_pk

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
