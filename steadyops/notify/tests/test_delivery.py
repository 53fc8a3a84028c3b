"""Each transport against a real server: aiosmtpd for email, a real HTTP receiver for chat and webhooks."""

import hashlib
import hmac
import json

import pytest
from django.test import override_settings

from steadyops.core.actor import Actor
from steadyops.notify import delivery, services
from steadyops.notify.models import ChannelKind, OutboxMessage


def webhook_message(personas, url: str) -> OutboxMessage:  # type: ignore[no-untyped-def]
    channel = services.create_channel(actor=Actor(user=personas.operator_a), kind="webhook", name="Hook", target=url)
    return services.enqueue(
        kind=ChannelKind.WEBHOOK,
        target=url,
        event="incident.opened",
        subject="Checkout is slow",
        body="Payments take 9 s.",
        payload={"incident": 7, "service": "checkout"},
        channel=channel,
        recipient=personas.operator_a,
    )


def test_it_emails_with_message_id_and_idempotency_key(personas, smtp_server) -> None:  # type: ignore[no-untyped-def]
    message = services.enqueue(
        kind="email", target="ops@example.com", event="demo", subject="Héllo <ops>", body="Body ✓"
    )
    with override_settings(**smtp_server.settings()):
        outcome = delivery.send(message)
    assert outcome == delivery.Outcome(ok=True)
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["ops@example.com"]
    assert mail.message["Subject"] == "Héllo <ops>"
    assert mail.message["X-Steadyops-Idempotency-Key"] == message.idempotency_key
    assert mail.message["Message-ID"] == f"<{message.idempotency_key}@127.0.0.1>"
    assert mail.message.get_content().strip() == "Body ✓"


def test_it_reports_a_stopped_mail_server(personas, smtp_server) -> None:  # type: ignore[no-untyped-def]
    message = services.enqueue(kind="email", target="ops@example.com", event="demo", subject="Hello", body="Body")
    smtp_server.stop()
    with override_settings(**smtp_server.settings()):
        outcome = delivery.send(message)
    assert outcome.ok is False
    assert outcome.error == "Could not send mail: ConnectionRefusedError."


def test_it_posts_slack_text(personas, webhook_receiver) -> None:  # type: ignore[no-untyped-def]
    message = services.enqueue(
        kind="slack", target=webhook_receiver.url, event="demo", subject="Deploy", body="v2 is out"
    )
    assert delivery.send(message).ok is True
    [request] = webhook_receiver.requests
    assert request.json() == {"text": "*Deploy*\nv2 is out"}
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Idempotency-Key"] == message.idempotency_key


def test_it_signs_webhooks_so_the_receiver_can_verify_them(personas, webhook_receiver) -> None:  # type: ignore[no-untyped-def]
    message = webhook_message(personas, webhook_receiver.url)
    assert delivery.send(message).ok is True
    [request] = webhook_receiver.requests
    timestamp = request.headers["X-Steadyops-Timestamp"]
    expected = hmac.new(message.channel.secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256)
    assert request.headers["X-Steadyops-Signature"] == "sha256=" + expected.hexdigest()
    assert request.headers["Idempotency-Key"] == message.idempotency_key
    assert json.loads(request.body) == {
        "id": message.idempotency_key,
        "event": "incident.opened",
        "subject": "Checkout is slow",
        "body": "Payments take 9 s.",
        "payload": {"incident": 7, "service": "checkout"},
        "created_at": message.created_at.isoformat(),
    }
    forged = hmac.new(b"wrong secret", timestamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Steadyops-Signature"] != "sha256=" + forged


def test_it_treats_an_error_status_as_a_failure(personas, webhook_receiver) -> None:  # type: ignore[no-untyped-def]
    message = webhook_message(personas, webhook_receiver.url)
    webhook_receiver.answer(500)
    outcome = delivery.send(message)
    assert outcome == delivery.Outcome(ok=False, error=f"127.0.0.1:{webhook_receiver.port} answered HTTP 500.")


@pytest.mark.parametrize("status", [301, 404, 429])
def test_it_treats_any_non_2xx_as_a_failure(personas, webhook_receiver, status: int) -> None:  # type: ignore[no-untyped-def]
    message = webhook_message(personas, webhook_receiver.url)
    webhook_receiver.answer(status)
    assert delivery.send(message).error.endswith(f"answered HTTP {status}.")


def test_it_reports_a_receiver_that_is_down(personas, webhook_receiver) -> None:  # type: ignore[no-untyped-def]
    message = webhook_message(personas, webhook_receiver.url)
    webhook_receiver.stop()
    outcome = delivery.send(message)
    assert outcome == delivery.Outcome(ok=False, error=f"Could not connect to 127.0.0.1:{webhook_receiver.port}.")


@override_settings(OUTBOX_DELIVERY_TIMEOUT=1)
def test_it_gives_up_on_a_slow_receiver_after_the_timeout(personas, webhook_receiver) -> None:  # type: ignore[no-untyped-def]
    message = webhook_message(personas, webhook_receiver.url)
    webhook_receiver.slow(3)
    outcome = delivery.send(message)
    assert outcome == delivery.Outcome(ok=False, error=f"No answer from 127.0.0.1:{webhook_receiver.port} within 1 s.")


def test_it_refuses_to_send_an_unsigned_webhook(personas, webhook_receiver) -> None:  # type: ignore[no-untyped-def]
    message = services.enqueue(kind="webhook", target=webhook_receiver.url, event="demo", subject="S", body="B")
    outcome = delivery.send(message)
    assert outcome.ok is False
    assert "signing secret" in outcome.error
    assert webhook_receiver.requests == []
