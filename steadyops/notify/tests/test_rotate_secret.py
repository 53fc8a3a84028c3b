"""A new signing secret for a signed webhook: only its owner, audited without the secret, old signatures refused."""

import hashlib
import hmac

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.notify import delivery, services
from steadyops.notify.models import Channel, OutboxMessage
from steadyops.testing.personas import NAMES


def client_for(personas, name: str) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    user = personas.by_name(name)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def hook(personas) -> Channel:  # type: ignore[no-untyped-def]
    return services.create_channel(
        actor=Actor(user=personas.operator_a), kind="webhook", name="Release board", target="https://h.example.com/in"
    )


def url(channel: Channel) -> str:
    return reverse("channel_rotate_secret", args=[channel.pk])


def verifies(secret: str, request) -> bool:  # type: ignore[no-untyped-def]
    """What a receiver does: recompute the signature of the received timestamp and body with the secret it holds."""
    signed = request.headers["X-Steadyops-Timestamp"].encode() + b"." + request.body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request.headers["X-Steadyops-Signature"])


# --- who may do it --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_it_lets_only_the_owner_make_a_new_secret(personas, hook, name: str) -> None:  # type: ignore[no-untyped-def]
    old_secret = hook.secret
    response = client_for(personas, name).post(url(hook))
    hook.refresh_from_db()
    if name == "operator_a":
        assert response.status_code == 302
        assert response["Location"] == reverse("channel_edit", args=[hook.pk])
        assert hook.secret != old_secret
        assert len(hook.secret) == 64
        assert AuditEntry.objects.filter(action="channel.rotate_secret", object_id=str(hook.pk)).count() == 1
    else:
        if name == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))
        else:
            assert response.status_code == 404
        assert hook.secret == old_secret
        assert not AuditEntry.objects.filter(action="channel.rotate_secret").exists()


@pytest.mark.parametrize("name", NAMES)
def test_it_refuses_get(personas, hook, name: str) -> None:  # type: ignore[no-untyped-def]
    old_secret = hook.secret
    response = client_for(personas, name).get(url(hook))
    assert response.status_code == (302 if name == "anonymous" else 405)
    hook.refresh_from_db()
    assert hook.secret == old_secret


def test_it_answers_404_for_an_unknown_channel(personas) -> None:  # type: ignore[no-untyped-def]
    assert client_for(personas, "operator_a").post(reverse("channel_rotate_secret", args=[999])).status_code == 404


def test_it_checks_csrf(personas, hook) -> None:  # type: ignore[no-untyped-def]
    old_secret = hook.secret
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.operator_a)
    assert client.post(url(hook)).status_code == 403
    hook.refresh_from_db()
    assert hook.secret == old_secret


def test_it_refuses_other_people_in_the_service_too(personas, hook) -> None:  # type: ignore[no-untyped-def]
    for outsider in (personas.admin, personas.operator_b, None):
        with pytest.raises(PermissionDenied):
            services.rotate_channel_secret(actor=Actor(user=outsider), channel=hook)
    assert Channel.objects.get(pk=hook.pk).secret == hook.secret


# --- what it does ---------------------------------------------------------------------------------------------------


def test_it_shows_the_new_secret_and_says_the_receiver_needs_it(personas, hook) -> None:  # type: ignore[no-untyped-def]
    old_secret = hook.secret
    response = client_for(personas, "operator_a").post(url(hook), follow=True)
    hook.refresh_from_db()
    html = response.content.decode()
    assert f'<code class="secret" id="channel-secret">{hook.secret}</code>' in html
    assert old_secret not in html
    assert "The channel has a new secret and the old one no longer works." in html


def test_it_keeps_both_secrets_out_of_the_audit_log(personas, hook) -> None:  # type: ignore[no-untyped-def]
    old_secret = hook.secret
    services.rotate_channel_secret(actor=Actor(user=personas.operator_a), channel=hook)
    new_secret = Channel.objects.get(pk=hook.pk).secret
    entry = AuditEntry.objects.get(action="channel.rotate_secret")
    assert (entry.actor, entry.object_type, entry.object_id) == (personas.operator_a, "notify.channel", str(hook.pk))
    assert entry.before == {"signing_secret": "previous secret"}
    assert entry.after == {"signing_secret": "new secret (not recorded)"}
    for entry in AuditEntry.objects.all():
        recorded = f"{entry.before} {entry.after} {entry.object_repr} {entry.actor_label}"
        assert old_secret not in recorded
        assert new_secret not in recorded


@pytest.mark.parametrize(("kind", "target"), [("email", "a@example.com"), ("slack", "https://chat.example.com/h/1")])
def test_it_refuses_channels_that_have_no_secret(personas, kind: str, target: str) -> None:  # type: ignore[no-untyped-def]
    channel = services.create_channel(actor=Actor(user=personas.operator_a), kind=kind, name="Mine", target=target)
    response = client_for(personas, "operator_a").post(url(channel), follow=True)
    assert response.redirect_chain == [(reverse("channel_edit", args=[channel.pk]), 302)]
    assert "Only signed webhooks have a secret to replace." in response.content.decode()
    assert Channel.objects.get(pk=channel.pk).secret == ""
    assert not AuditEntry.objects.filter(action="channel.rotate_secret").exists()
    assert url(channel) not in response.content.decode()


def test_it_refuses_an_archived_webhook(personas, hook) -> None:  # type: ignore[no-untyped-def]
    services.archive_channel(actor=Actor(user=personas.operator_a), channel=hook)
    old_secret = hook.secret
    response = client_for(personas, "operator_a").post(url(hook), follow=True)
    html = response.content.decode()
    assert "This channel is archived and can no longer be changed." in html
    assert url(hook) not in html
    assert Channel.objects.get(pk=hook.pk).secret == old_secret
    with pytest.raises(ValidationError):
        services.rotate_channel_secret(actor=Actor(user=personas.operator_a), channel=hook)
    assert not AuditEntry.objects.filter(action="channel.rotate_secret").exists()


def test_it_offers_the_button_with_a_warning_on_the_channel_page(personas, hook) -> None:  # type: ignore[no-untyped-def]
    html = client_for(personas, "operator_a").get(reverse("channel_edit", args=[hook.pk])).content.decode()
    assert f'action="{url(hook)}"' in html
    assert ">Make a new secret</button>" in html
    assert "The old secret stops working at once." in html


def test_it_makes_the_old_signature_fail_to_verify(personas, hook, webhook_receiver) -> None:  # type: ignore[no-untyped-def]
    Channel.objects.filter(pk=hook.pk).update(target=webhook_receiver.url)
    actor = Actor(user=personas.operator_a)
    hook.refresh_from_db()
    old_secret = hook.secret
    before = services.send_test_message(actor=actor, channel=hook)
    waiting = services.send_test_message(actor=actor, channel=hook)
    # The worker loads each message with its channel, as here.
    assert delivery.send(OutboxMessage.objects.select_related("channel").get(pk=before.pk)).ok

    services.rotate_channel_secret(actor=actor, channel=hook)
    new_secret = Channel.objects.get(pk=hook.pk).secret
    assert delivery.send(OutboxMessage.objects.select_related("channel").get(pk=waiting.pk)).ok

    signed_before, signed_after = webhook_receiver.snapshot()
    assert verifies(old_secret, signed_before)
    assert not verifies(new_secret, signed_before)
    # A message still waiting at the change is signed with the new secret when it is sent.
    assert not verifies(old_secret, signed_after)
    assert verifies(new_secret, signed_after)
