"""The notification pages, for each persona, with bad and hostile input."""

import pytest
from django.test import Client
from django.urls import reverse

from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.notify import services
from steadyops.notify.models import Channel, DeliveryStatus, OutboxMessage, Preference
from steadyops.testing.personas import NAMES

EVERYONE = [name for name in NAMES if name != "anonymous"]


def client_for(personas, name: str) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    user = personas.by_name(name)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def hook(personas) -> Channel:  # type: ignore[no-untyped-def]
    return services.create_channel(
        actor=Actor(user=personas.operator_a),
        kind="webhook",
        name="Platform hook",
        target="https://h.example.com/t/s3cret",
    )


@pytest.fixture
def dead(personas) -> OutboxMessage:  # type: ignore[no-untyped-def]
    message = services.enqueue(kind="email", target="x@example.com", event="demo", subject="Lost", body="")
    OutboxMessage.objects.filter(pk=message.pk).update(status=DeliveryStatus.DEAD, attempts=10, last_error="Refused.")
    return message


# --- who may see what -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("url_name", ["channel_list", "channel_create", "preferences"])
def test_it_shows_personal_pages_to_every_signed_in_person(personas, name: str, url_name: str) -> None:  # type: ignore[no-untyped-def]
    response = client_for(personas, name).get(reverse(url_name))
    if name == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("name", NAMES)
def test_it_shows_a_channel_only_to_its_owner(personas, hook, name: str) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas, name)
    expected = {"operator_a": 200, "anonymous": 302}.get(name, 404)
    assert client.get(reverse("channel_edit", args=[hook.pk])).status_code == expected
    post_expected = {"operator_a": 302, "anonymous": 302}.get(name, 404)
    assert client.post(reverse("channel_test", args=[hook.pk])).status_code == post_expected
    assert OutboxMessage.objects.count() == (1 if name == "operator_a" else 0)
    assert client.post(reverse("channel_archive", args=[hook.pk])).status_code == post_expected
    hook.refresh_from_db()
    assert (hook.archived_at is not None) == (name == "operator_a")


@pytest.mark.parametrize("name", NAMES)
def test_it_shows_deliveries_to_administrators_only(personas, dead, name: str) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas, name)
    expected = {"admin": 200, "anonymous": 302}.get(name, 403)
    assert client.get(reverse("delivery_list")).status_code == expected
    retry_expected = {"admin": 302, "anonymous": 302}.get(name, 403)
    assert client.post(reverse("delivery_retry", args=[dead.pk])).status_code == retry_expected
    dead.refresh_from_db()
    assert dead.status == (DeliveryStatus.PENDING if name == "admin" else DeliveryStatus.DEAD)


@pytest.mark.parametrize("url_name", ["channel_test", "channel_archive"])
def test_it_refuses_get_on_actions(personas, hook, url_name: str) -> None:  # type: ignore[no-untyped-def]
    assert client_for(personas, "operator_a").get(reverse(url_name, args=[hook.pk])).status_code == 405
    assert client_for(personas, "admin").get(reverse("delivery_retry", args=[1])).status_code == 405


def test_it_answers_404_for_unknown_channels_and_messages(personas) -> None:  # type: ignore[no-untyped-def]
    assert client_for(personas, "operator_a").get(reverse("channel_edit", args=[999])).status_code == 404
    assert client_for(personas, "admin").post(reverse("delivery_retry", args=[999])).status_code == 404


def test_it_checks_csrf_on_changes(personas, hook) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.operator_a)
    assert client.post(reverse("channel_test", args=[hook.pk])).status_code == 403
    assert (
        client.post(reverse("channel_create"), {"kind": "email", "name": "X", "target": "x@example.com"}).status_code
        == 403
    )
    assert OutboxMessage.objects.count() == 0
    assert Channel.objects.count() == 1


# --- channel pages --------------------------------------------------------------------------------------------------


def test_it_lists_my_channels_without_their_secret_paths(personas, hook) -> None:  # type: ignore[no-untyped-def]
    services.create_channel(
        actor=Actor(user=personas.operator_b), kind="email", name="Not mine", target="b@example.com"
    )
    html = client_for(personas, "operator_a").get(reverse("channel_list")).content.decode()
    assert "Platform hook" in html
    assert "https://h.example.com/…" in html
    assert "s3cret" not in html
    assert "Not mine" not in html


def test_it_says_where_we_email_a_person_without_channels(personas) -> None:  # type: ignore[no-untyped-def]
    html = client_for(personas, "stakeholder").get(reverse("channel_list")).content.decode()
    assert "No channel yet: we email you at <strong>stakeholder@example.com</strong>" in html


def test_it_creates_a_webhook_channel_and_shows_its_secret_to_the_owner(personas) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas, "viewer")
    response = client.post(
        reverse("channel_create"), {"kind": "webhook", "name": "My hook", "target": "https://hooks.example.com/in"}
    )
    channel = Channel.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("channel_edit", args=[channel.pk])
    assert (channel.owner, channel.kind, channel.target) == (personas.viewer, "webhook", "https://hooks.example.com/in")
    page = client.get(response["Location"]).content.decode()
    assert channel.secret in page
    assert AuditEntry.objects.filter(action="channel.create").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "webhook", "name": "Hook", "target": "ftp://example.com/x"}, "must start with http:// or https://"),
        ({"kind": "slack", "name": "Chat", "target": "javascript:alert(1)"}, "must start with http:// or https://"),
        ({"kind": "email", "name": "Mail", "target": "nobody"}, "Enter a valid email address"),
        ({"kind": "email", "name": "", "target": "a@example.com"}, "This field is required."),
        ({"kind": "email", "name": "x" * 101, "target": "a@example.com"}, "at most 100 characters"),
        ({"kind": "email", "name": "Mail", "target": "a" * 490 + "@example.com"}, "at most 500 characters"),
        ({"kind": "pager", "name": "Mail", "target": "a@example.com"}, "Select a valid choice"),
        ({"name": "Mail", "target": "a@example.com"}, "This field is required."),
        ({"kind": "email", "name": "Nul\x00", "target": "a@example.com"}, "Null characters are not allowed."),
    ],
)
def test_it_refuses_bad_channels_with_a_clear_message(personas, data, message: str) -> None:  # type: ignore[no-untyped-def]
    response = client_for(personas, "operator_a").post(reverse("channel_create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Channel.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_it_shows_hostile_names_escaped(personas) -> None:  # type: ignore[no-untyped-def]
    hostile = '<script>alert("x")</script>'
    client = client_for(personas, "operator_a")
    client.post(reverse("channel_create"), {"kind": "email", "name": hostile, "target": "a@example.com"})
    channel = Channel.objects.get()
    for url in (reverse("channel_list"), reverse("channel_edit", args=[channel.pk])):
        html = client.get(url).content.decode()
        assert hostile not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_it_edits_a_channel(personas, hook) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas, "operator_a")
    response = client.post(
        reverse("channel_edit", args=[hook.pk]),
        {"name": "Renamed", "target": "https://h.example.com/new", "enabled": ""},
    )
    assert response.status_code == 302
    hook.refresh_from_db()
    assert (hook.name, hook.target, hook.enabled, hook.kind) == (
        "Renamed",
        "https://h.example.com/new",
        False,
        "webhook",
    )
    bad = client.post(reverse("channel_edit", args=[hook.pk]), {"name": "Renamed", "target": "file:///etc/passwd"})
    assert bad.status_code == 400
    hook.refresh_from_db()
    assert hook.target == "https://h.example.com/new"


def test_it_refuses_to_edit_an_archived_channel(personas, hook) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas, "operator_a")
    client.post(reverse("channel_archive", args=[hook.pk]))
    response = client.post(
        reverse("channel_edit", args=[hook.pk]), {"name": "Back", "target": "https://h.example.com/b"}
    )
    assert response.status_code == 400
    assert "archived" in response.content.decode()
    hook.refresh_from_db()
    assert hook.name == "Platform hook"


def test_it_queues_a_test_message_from_the_page(personas, hook) -> None:  # type: ignore[no-untyped-def]
    response = client_for(personas, "operator_a").post(reverse("channel_test", args=[hook.pk]), follow=True)
    assert "A test message is on its way" in response.content.decode()
    message = OutboxMessage.objects.get()
    assert (message.event, message.channel, message.status) == ("channel.test", hook, DeliveryStatus.PENDING)


# --- preferences ----------------------------------------------------------------------------------------------------


def test_it_saves_preferences(personas) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas, "stakeholder")
    response = client.post(
        reverse("preferences"), {"quiet_start": "22:00", "quiet_end": "07:30", "time_zone": "Europe/Berlin"}
    )
    assert response.status_code == 302
    preference = Preference.objects.get(user=personas.stakeholder)
    assert (str(preference.quiet_start), str(preference.quiet_end), preference.time_zone) == (
        "22:00:00",
        "07:30:00",
        "Europe/Berlin",
    )
    html = client.get(reverse("channel_list")).content.decode()
    assert "From 22:00 to 07:30 (Europe/Berlin)" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"time_zone": "Moon/Base"}, "Choose a time zone from the suggestions"),
        ({"time_zone": "<b>x</b>"}, "Choose a time zone from the suggestions"),
        ({"time_zone": ""}, "This field is required."),
        ({"time_zone": "x" * 65}, "at most 64 characters"),
        ({"quiet_start": "25:00", "quiet_end": "07:00", "time_zone": "UTC"}, "Enter a valid time."),
        ({"quiet_start": "22:00", "time_zone": "UTC"}, "Give both the start and the end"),
        ({"quiet_start": "07:00", "quiet_end": "07:00", "time_zone": "UTC"}, "must end at a different time"),
    ],
)
def test_it_refuses_bad_preferences_with_a_clear_message(personas, data, message: str) -> None:  # type: ignore[no-untyped-def]
    response = client_for(personas, "viewer").post(reverse("preferences"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "<b>x</b>" not in response.content.decode()
    assert Preference.objects.count() == 0


# --- deliveries -----------------------------------------------------------------------------------------------------


def test_it_lists_dead_letters_first_with_their_error_and_a_retry_button(personas, dead) -> None:  # type: ignore[no-untyped-def]
    services.enqueue(kind="email", target="y@example.com", event="demo", subject="Queued note", body="")
    html = client_for(personas, "admin").get(reverse("delivery_list")).content.decode()
    assert html.index("Lost") < html.index("Queued note")
    assert "Refused." in html
    assert reverse("delivery_retry", args=[dead.pk]) in html
    assert "1 given up" in html


def test_it_filters_deliveries_by_status(personas, dead) -> None:  # type: ignore[no-untyped-def]
    services.enqueue(kind="email", target="y@example.com", event="demo", subject="Queued note", body="")
    client = client_for(personas, "admin")
    html = client.get(reverse("delivery_list"), {"status": "pending"}).content.decode()
    assert "Queued note" in html
    assert "Lost" not in html
    partial = client.get(reverse("delivery_list"), {"status": "dead"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    body = partial.content.decode()
    assert "Lost" in body
    assert "Queued note" not in body
    assert "<html" not in body
    assert client.get(reverse("delivery_list"), {"status": "nonsense"}).status_code == 400


def test_it_bounds_the_queries_of_the_delivery_list(personas, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    for n in range(60):
        services.notify_user(user=personas.operator_a, event="demo", subject=f"Note {n}", body="")
    client = client_for(personas, "admin")
    with django_assert_max_num_queries(8):
        response = client.get(reverse("delivery_list"))
    assert response.status_code == 200
    assert "Page 1 of 2" in response.content.decode()


def test_it_bounds_the_queries_of_the_channel_list(personas, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    for n in range(20):
        services.create_channel(
            actor=Actor(user=personas.operator_a), kind="email", name=f"C{n}", target="a@example.com"
        )
    client = client_for(personas, "operator_a")
    with django_assert_max_num_queries(8):
        assert client.get(reverse("channel_list")).status_code == 200


def test_it_refuses_to_retry_a_message_that_is_not_dead(personas) -> None:  # type: ignore[no-untyped-def]
    message = services.enqueue(kind="email", target="y@example.com", event="demo", subject="Queued note", body="")
    response = client_for(personas, "admin").post(reverse("delivery_retry", args=[message.pk]), follow=True)
    assert "Only notifications that were given up on" in response.content.decode()
    assert AuditEntry.objects.filter(action="outbox.retry").count() == 0


def test_it_lists_deliveries_to_webhooks_without_their_secret_paths(personas, hook) -> None:  # type: ignore[no-untyped-def]
    services.notify_user(user=personas.operator_a, event="demo", subject="Hook note", body="")
    services.enqueue(kind="email", target="y@example.com", event="demo", subject="Mail note", body="")
    html = client_for(personas, "admin").get(reverse("delivery_list")).content.decode()
    assert "Signed JSON webhook: https://h.example.com/…" in html
    assert "s3cret" not in html
    assert "Email: y@example.com" in html
