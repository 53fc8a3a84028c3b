import pytest
from django.db import transaction

from steadyops.accounts import services
from steadyops.core import audit
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.core.requestid import end_request, start_request
from steadyops.testing.personas import Personas


def test_it_records_actor_action_and_before_after(personas: Personas) -> None:
    start_request("req-12345678")
    try:
        services.update_team(
            actor=Actor(user=personas.admin),
            team=personas.team_a,
            name="Platform team",
            description="Runs k8s",
            is_operations=True,
        )
    finally:
        end_request()
    entry = AuditEntry.objects.get(action="team.update")
    assert entry.actor == personas.admin
    assert entry.actor_label == "admin"
    assert entry.object_type == "accounts.team"
    assert entry.object_id == str(personas.team_a.pk)
    assert entry.object_repr == "Platform team"
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["name"], entry.after["name"]) == ("Platform", "Platform team")
    assert (entry.before["description"], entry.after["description"]) == ("", "Runs k8s")
    assert entry.request_id == "req-12345678"


def test_it_writes_nothing_when_the_change_fails(personas: Personas) -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(Exception, match="name"):
        services.update_team(
            actor=Actor(user=personas.admin), team=personas.team_a, name="x" * 101, description="", is_operations=True
        )
    assert AuditEntry.objects.count() == before
    personas.team_a.refresh_from_db()
    assert personas.team_a.name == "Platform"


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_record_outside_a_transaction(personas: Personas) -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit.record(actor=Actor(user=personas.admin), action="team.touch", obj=personas.team_a)


def test_it_labels_tokens_and_the_system(personas: Personas) -> None:
    token, _ = services.create_token(
        actor=Actor(user=personas.viewer), user=personas.viewer, name="ci", scopes=["read"]
    )
    assert Actor(user=personas.viewer, token=token).label == "viewer (token ci)"
    assert Actor.system_actor("demo").label == "system: demo"
    with transaction.atomic():
        entry = audit.record(actor=Actor.system_actor("demo"), action="team.touch", obj=personas.team_a)
    assert entry.actor is None
    assert entry.actor_label == "system: demo"


def test_it_never_keeps_secrets_in_snapshots(personas: Personas) -> None:
    snap = audit.snapshot(personas.admin)
    assert "password" not in snap
    assert snap["username"] == "admin"
