"""The notification API at /api/v1/notifications/."""

import pytest
from django.test import Client

from steadyops.accounts import services as accounts
from steadyops.core.actor import Actor
from steadyops.notify import services
from steadyops.notify.models import Channel, OutboxMessage


class ApiClient(Client):
    """Django's test client, with paths relative to the API and JSON bodies."""

    def get(self, path, **extra):  # type: ignore[no-untyped-def,override]
        return super().get("/api/v1" + path, **extra)

    def post(self, path, json=None, **extra):  # type: ignore[no-untyped-def,override]
        return super().post("/api/v1" + path, data=json, content_type="application/json", **extra)


client = ApiClient()


def bearer(user, *scopes: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, raw = accounts.create_token(actor=Actor(user=user), user=user, name="script", scopes=list(scopes))
    return {"Authorization": f"Bearer {raw}"}


def test_it_lists_only_my_active_channels(personas) -> None:  # type: ignore[no-untyped-def]
    mine = services.create_channel(
        actor=Actor(user=personas.operator_a), kind="email", name="Mail", target="a@example.com"
    )
    gone = services.create_channel(
        actor=Actor(user=personas.operator_a), kind="email", name="Old", target="o@example.com"
    )
    services.archive_channel(actor=Actor(user=personas.operator_a), channel=gone)
    services.create_channel(actor=Actor(user=personas.operator_b), kind="email", name="Theirs", target="b@example.com")
    response = client.get("/notifications/channels", headers=bearer(personas.operator_a, "read"))
    assert response.status_code == 200
    assert [(c["id"], c["name"], c["secret"]) for c in response.json()] == [(mine.pk, "Mail", None)]


def test_it_creates_a_webhook_and_returns_its_secret_once(personas) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/notifications/channels",
        json={"kind": "webhook", "name": "Hook", "target": "https://h.example.com/x"},
        headers=bearer(personas.stakeholder, "write"),
    )
    assert response.status_code == 201
    channel = Channel.objects.get()
    assert response.json()["secret"] == channel.secret
    assert channel.owner == personas.stakeholder
    listed = client.get("/notifications/channels", headers=bearer(personas.stakeholder, "read")).json()
    assert listed[0]["secret"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "webhook", "name": "Hook", "target": "ftp://h.example.com/x"}, "target"),
        ({"kind": "email", "name": "Mail", "target": "nobody"}, "target"),
        ({"kind": "pager", "name": "Mail", "target": "a@example.com"}, "kind"),
        ({"kind": "email", "name": "x" * 101, "target": "a@example.com"}, "name"),
        ({"kind": "email", "name": "Nul\x00", "target": "a@example.com"}, "name"),
        ({"kind": "email", "name": "Mail"}, "target"),
        ({"kind": "email", "name": "Mail", "target": "a@example.com", "extra": 1}, "extra"),
    ],
)
def test_it_refuses_bad_channels_with_422(personas, body, field: str) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/notifications/channels", json=body, headers=bearer(personas.operator_a, "write"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert field in [detail["field"] for detail in response.json()["error"]["details"]]
    assert Channel.objects.count() == 0


def test_it_needs_the_write_scope_to_create_or_test(personas) -> None:  # type: ignore[no-untyped-def]
    channel = services.create_channel(
        actor=Actor(user=personas.operator_a), kind="email", name="M", target="a@example.com"
    )
    headers = bearer(personas.operator_a, "read")
    body = {"kind": "email", "name": "Mail", "target": "a@example.com"}
    assert client.post("/notifications/channels", json=body, headers=headers).status_code == 403
    assert client.post(f"/notifications/channels/{channel.pk}/test", headers=headers).status_code == 403
    assert (Channel.objects.count(), OutboxMessage.objects.count()) == (1, 0)


def test_it_answers_401_without_credentials(personas) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/notifications/channels").status_code == 401
    assert client.get("/notifications/channels", headers={"Authorization": "Bearer sto_wrong"}).status_code == 401


def test_it_tests_my_channel_and_hides_others(personas) -> None:  # type: ignore[no-untyped-def]
    channel = services.create_channel(
        actor=Actor(user=personas.operator_a), kind="email", name="M", target="a@example.com"
    )
    response = client.post(f"/notifications/channels/{channel.pk}/test", headers=bearer(personas.operator_a, "write"))
    assert response.status_code == 202
    message = OutboxMessage.objects.get()
    assert response.json() == {"id": message.pk, "idempotency_key": message.idempotency_key, "status": "pending"}
    other = client.post(f"/notifications/channels/{channel.pk}/test", headers=bearer(personas.admin, "write"))
    assert other.status_code == 404
    assert (
        client.post("/notifications/channels/999/test", headers=bearer(personas.operator_a, "write")).status_code == 404
    )
    assert OutboxMessage.objects.count() == 1
