"""The audit log: every write made through a service function is recorded here, in the same transaction."""

from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry

SECRET_FIELDS = frozenset({"password", "token_hash", "secret"})


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-safe picture of an object's fields, without secrets, for before/after."""
    data = model_to_dict(obj, fields=fields)
    result: dict[str, Any] = {}
    for key, value in data.items():
        if key in SECRET_FIELDS:
            continue
        if isinstance(value, list):
            value = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, models.Model):
            value = value.pk
        elif value is not None and not isinstance(value, (str, int, float, bool, dict)):
            value = str(value)
        result[key] = value
    return result


def record(
    *,
    actor: Actor,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record a change. Must run inside the transaction that makes the change."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must be called inside the transaction that makes the change")
    return AuditEntry.objects.create(
        **row(
            actor=actor,
            action=action,
            obj=(type(obj), obj.pk, str(obj)),
            before=before,
            after=after,
            at=timezone.now(),
            request_id=actor.request_id,
        )
    )


def row(
    *,
    actor: Actor,
    action: str,
    obj: tuple[type[models.Model], Any, str],
    after: dict[str, Any] | None,
    at: datetime,
    request_id: str,
    before: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One entry's values by field name: what record() writes, and what the intake paths insert with plain
    statements (core.rows.insert_rows) when they write many entries at once or hold a write lock. obj is (model,
    primary key, text shown); request_id is the request's, taken in its own thread (a batch is written by
    another)."""
    model, pk, shown = obj
    return {
        "actor_id": actor.user.pk if actor.user is not None else None,
        "actor_label": actor.label[:200],
        "token_id": actor.token.pk if actor.token is not None else None,
        "action": action,
        "object_type": model._meta.label_lower,
        "object_id": str(pk),
        "object_repr": shown[:200],
        "before": before,
        "after": after,
        "request_id": request_id,
        "created_at": at,
    }
