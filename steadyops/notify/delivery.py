"""Transports: how one outbox message reaches its channel. Email by Django's mail API, chat and JSON webhooks by HTTP.

Every outbound HTTP request goes through http_post(), the single place that talks to the network.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from steadyops.notify.models import ChannelKind, OutboxMessage

USER_AGENT = "steadyops-notify/1"
ERROR_LENGTH = 300


@dataclass(frozen=True)
class Outcome:
    """What happened when steadyops tried to deliver a message: delivered, or the short reason it was not."""

    ok: bool
    error: str = ""


DELIVERED = Outcome(ok=True)


def _failed(reason: str) -> Outcome:
    return Outcome(ok=False, error=reason[:ERROR_LENGTH])


def http_post(url: str, *, body: bytes, headers: dict[str, str]) -> requests.Response:
    """POST body to url. The one function in steadyops that sends HTTP requests out."""
    all_headers = {"User-Agent": USER_AGENT, "Content-Type": "application/json", **headers}
    # Redirects are not followed: a webhook that moved answers 3xx, which is reported as a failure.
    return requests.post(
        url, data=body, headers=all_headers, timeout=settings.OUTBOX_DELIVERY_TIMEOUT, allow_redirects=False
    )


def _post(url: str, *, body: bytes, headers: dict[str, str]) -> Outcome:
    host = urlsplit(url).netloc or url
    try:
        response = http_post(url, body=body, headers=headers)
    except requests.Timeout:
        return _failed(f"No answer from {host} within {settings.OUTBOX_DELIVERY_TIMEOUT} s.")
    except requests.ConnectionError:
        return _failed(f"Could not connect to {host}.")
    except requests.RequestException as exc:
        return _failed(f"Request to {host} failed: {type(exc).__name__}.")
    if 200 <= response.status_code < 300:
        return DELIVERED
    return _failed(f"{host} answered HTTP {response.status_code}.")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Steadyops-Signature value: sha256=HMAC-SHA256(secret, "{timestamp}.{body}") in hex."""
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def webhook_body(message: OutboxMessage) -> bytes:
    document = {
        "id": message.idempotency_key,
        "event": message.event,
        "subject": message.subject,
        "body": message.body,
        "payload": message.payload,
        "created_at": message.created_at.isoformat(),
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def send_webhook(message: OutboxMessage) -> Outcome:
    secret = message.channel.secret if message.channel is not None else ""
    if not secret:
        return _failed("The webhook has no signing secret (its channel was removed).")
    body = webhook_body(message)
    timestamp = str(int(time.time()))
    headers = {
        "Idempotency-Key": message.idempotency_key,
        "X-Steadyops-Event": message.event,
        "X-Steadyops-Timestamp": timestamp,
        "X-Steadyops-Signature": signature(secret, timestamp, body),
    }
    return _post(message.target, body=body, headers=headers)


def slack_text(message: OutboxMessage) -> str:
    return f"*{message.subject}*\n{message.body}" if message.body else f"*{message.subject}*"


def send_slack(message: OutboxMessage) -> Outcome:
    body = json.dumps({"text": slack_text(message)}).encode()
    return _post(message.target, body=body, headers={"Idempotency-Key": message.idempotency_key})


def _message_id(message: OutboxMessage) -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "steadyops.localhost"
    return f"<{message.idempotency_key}@{domain}>"


def send_email(message: OutboxMessage) -> Outcome:
    mail = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.target],
        headers={"Message-ID": _message_id(message), "X-Steadyops-Idempotency-Key": message.idempotency_key},
    )
    try:
        connection = get_connection(timeout=settings.OUTBOX_DELIVERY_TIMEOUT)
        sent = connection.send_messages([mail])
    except smtplib.SMTPRecipientsRefused:
        return _failed(f"The mail server refused the address {message.target}.")
    except smtplib.SMTPResponseException as exc:
        return _failed(f"The mail server answered {exc.smtp_code}.")
    except TimeoutError:
        return _failed(f"No answer from the mail server within {settings.OUTBOX_DELIVERY_TIMEOUT} s.")
    except (OSError, smtplib.SMTPException) as exc:
        return _failed(f"Could not send mail: {type(exc).__name__}.")
    if not sent:
        return _failed("The mail server did not accept the message.")
    return DELIVERED


TRANSPORTS = {
    ChannelKind.EMAIL: send_email,
    ChannelKind.SLACK: send_slack,
    ChannelKind.WEBHOOK: send_webhook,
}


def send(message: OutboxMessage) -> Outcome:
    """Try once to deliver message to its channel."""
    transport = TRANSPORTS.get(ChannelKind(message.kind)) if message.kind in ChannelKind.values else None
    if transport is None:
        return _failed(f"Unknown channel kind {message.kind!r}.")
    return transport(message)
