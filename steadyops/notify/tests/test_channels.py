import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.notify import services
from steadyops.notify.models import Channel, ChannelKind, OutboxMessage


def test_it_creates_an_email_channel_with_an_audit_entry(personas) -> None:  # type: ignore[no-untyped-def]
    channel = services.create_channel(
        actor=Actor(user=personas.stakeholder), kind="email", name=" Work ", target=" s@example.com "
    )
    assert (channel.owner, channel.name, channel.target, channel.secret) == (
        personas.stakeholder,
        "Work",
        "s@example.com",
        "",
    )
    entry = AuditEntry.objects.get(action="channel.create")
    assert entry.object_id == str(channel.pk)
    assert entry.after == {
        "kind": "email",
        "name": "Work",
        "enabled": True,
        "archived_at": None,
        "target": "s@example.com",
    }


def test_it_gives_a_webhook_a_secret_and_keeps_secrets_out_of_the_audit_log(personas) -> None:  # type: ignore[no-untyped-def]
    channel = services.create_channel(
        actor=Actor(user=personas.operator_a), kind="webhook", name="Hook", target="https://hooks.example.com/t/abc123"
    )
    assert len(channel.secret) == 64
    int(channel.secret, 16)
    entry = AuditEntry.objects.get(action="channel.create")
    assert channel.secret not in str(entry.after)
    assert "abc123" not in str(entry.after)
    assert entry.after["target"] == "https://hooks.example.com/…"


@pytest.mark.parametrize(
    "target",
    [
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "gopher://example.com/",
        "//example.com/hook",
        "example.com/hook",
        "https://",
        "https://exa mple.com/",
        "https://example.com/\x00",
        "http://example.com:99999/",
        "https://" + "a" * 500 + ".com/",
    ],
)
def test_it_refuses_webhook_addresses_that_are_not_http(personas, target: str) -> None:  # type: ignore[no-untyped-def]
    for kind in ("webhook", "slack"):
        with pytest.raises(ValidationError) as caught:
            services.create_channel(actor=Actor(user=personas.operator_a), kind=kind, name="Hook", target=target)
        assert "target" in caught.value.message_dict
    assert Channel.objects.count() == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("kind", "name", "target", "field"),
    [
        ("email", "Mail", "not-an-address", "target"),
        ("email", "", "a@example.com", "name"),
        ("email", "x" * 101, "a@example.com", "name"),
        ("email", "bad\x00name", "a@example.com", "name"),
        ("sms", "Phone", "+4912345", "kind"),
        ("email", "Mail", "", "target"),
    ],
)
def test_it_refuses_bad_channels(personas, kind: str, name: str, target: str, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        services.create_channel(actor=Actor(user=personas.viewer), kind=kind, name=name, target=target)
    assert field in caught.value.message_dict
    assert Channel.objects.count() == 0


def test_it_lets_only_the_owner_change_test_or_archive_a_channel(personas) -> None:  # type: ignore[no-untyped-def]
    channel = services.create_channel(
        actor=Actor(user=personas.operator_a), kind="email", name="Mine", target="a@example.com"
    )
    for outsider in (personas.operator_b, personas.admin):
        with pytest.raises(PermissionDenied):
            services.update_channel(
                actor=Actor(user=outsider), channel=channel, name="X", target="x@example.com", enabled=True
            )
        with pytest.raises(PermissionDenied):
            services.archive_channel(actor=Actor(user=outsider), channel=channel)
        with pytest.raises(PermissionDenied):
            services.send_test_message(actor=Actor(user=outsider), channel=channel)
    channel.refresh_from_db()
    assert (channel.name, channel.archived_at) == ("Mine", None)
    assert OutboxMessage.objects.count() == 0


def test_it_updates_and_archives_a_channel(personas) -> None:  # type: ignore[no-untyped-def]
    actor = Actor(user=personas.operator_a)
    channel = services.create_channel(actor=actor, kind="slack", name="Chat", target="https://chat.example.com/h/1")
    services.update_channel(
        actor=actor, channel=channel, name="Team chat", target="https://chat.example.com/h/2", enabled=False
    )
    channel.refresh_from_db()
    assert (channel.name, channel.target, channel.enabled) == ("Team chat", "https://chat.example.com/h/2", False)
    services.archive_channel(actor=actor, channel=channel)
    channel.refresh_from_db()
    assert channel.archived_at is not None
    assert channel.enabled is False
    with pytest.raises(ValidationError):
        services.update_channel(
            actor=actor, channel=channel, name="Again", target="https://chat.example.com/h/3", enabled=True
        )
    with pytest.raises(ValidationError):
        services.send_test_message(actor=actor, channel=channel)
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "channel.create",
        "channel.update",
        "channel.archive",
    ]


def test_it_queues_a_test_message_through_the_outbox(personas) -> None:  # type: ignore[no-untyped-def]
    actor = Actor(user=personas.operator_a)
    channel = services.create_channel(actor=actor, kind="webhook", name="Hook", target="https://h.example.com/x")
    message = services.send_test_message(actor=actor, channel=channel)
    assert (message.event, message.kind, message.target, message.channel, message.urgent) == (
        "channel.test",
        ChannelKind.WEBHOOK,
        "https://h.example.com/x",
        channel,
        True,
    )
    assert AuditEntry.objects.filter(action="channel.test", object_id=str(channel.pk)).count() == 1
