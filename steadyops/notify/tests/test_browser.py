"""The notification pages in a real browser: a webhook channel, quiet hours, dead letters, and the phone layout."""

from datetime import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from steadyops.core.actor import Actor
from steadyops.notify import services
from steadyops.notify.models import Channel, DeliveryStatus, OutboxMessage, Preference
from steadyops.testing.browser import screenshot, sign_in, watch_console
from steadyops.testing.personas import make_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_adds_a_webhook_channel_and_sends_it_a_test_message(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    personas = make_personas()
    page = browser_page
    errors = watch_console(page)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server.url, personas.operator_a)
    page.goto(live_server.url + reverse("channel_list"))
    page.get_by_role("link", name="Add a channel").click()
    page.get_by_label("Signed JSON webhook").check()
    page.get_by_label("Name").fill("Release board")
    page.get_by_label("Address").fill("https://hooks.example.com/steadyops")
    screenshot(page, "notify_channel_create")
    page.get_by_role("button", name="Add the channel").click()

    channel = Channel.objects.get(owner=personas.operator_a)
    page.wait_for_url(live_server.url + reverse("channel_edit", args=[channel.pk]))
    expect(page.get_by_text("The channel “Release board” is ready.")).to_be_visible()
    assert page.locator("#channel-secret").inner_text() == channel.secret
    screenshot(page, "notify_channel_webhook")

    page.get_by_role("button", name="Send a test message").click()
    page.get_by_text("A test message is on its way to “Release board”.").wait_for()
    assert list(OutboxMessage.objects.values_list("event", "channel_id")) == [("channel.test", channel.pk)]
    screenshot(page, "notify_channel_test_sent")

    old_secret = channel.secret
    page.get_by_role("button", name="Make a new secret").click()
    page.get_by_text("The channel has a new secret and the old one no longer works.").wait_for()
    channel.refresh_from_db()
    assert channel.secret != old_secret
    assert page.locator("#channel-secret").inner_text() == channel.secret
    screenshot(page, "notify_channel_new_secret")
    assert errors == []


def test_it_tells_a_person_plainly_when_they_pressed_test_too_often(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    personas = make_personas()
    channel = services.create_channel(
        actor=Actor(user=personas.stakeholder), kind="email", name="Work email", target="s@example.com"
    )
    page = browser_page
    sign_in(page, live_server.url, personas.stakeholder)
    page.goto(live_server.url + reverse("channel_edit", args=[channel.pk]))
    for _ in range(services.TEST_MESSAGES_PER_MINUTE):
        page.get_by_role("button", name="Send a test message").click()
        page.get_by_text("A test message is on its way").wait_for()
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name="Send a test message").click()
    assert answer.value.status == 429
    notice = page.locator(".message-error")
    notice.wait_for()
    assert notice.inner_text().startswith("You have sent 5 test messages to “Work email” in the last minute.")
    screenshot(page, "notify_channel_test_limit")
    assert OutboxMessage.objects.count() == services.TEST_MESSAGES_PER_MINUTE


def test_it_sets_quiet_hours_and_shows_a_bad_time_zone_next_to_the_field(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    personas = make_personas()
    page = browser_page
    errors = watch_console(page)
    sign_in(page, live_server.url, personas.operator_a)
    page.goto(live_server.url + reverse("channel_list"))
    page.get_by_role("link", name="Change quiet hours and time zone").click()
    page.get_by_label("Quiet hours start").fill("22:00")
    page.get_by_label("Quiet hours end").fill("07:00")
    page.get_by_label("Time zone").fill("Moon/Base")
    page.get_by_role("button", name="Save").click()

    error = page.locator("#id_time_zone_error")
    error.wait_for()
    assert error.inner_text() == "Choose a time zone from the suggestions, such as Europe/Paris."
    # Next to the field: inside the same field group as the time zone input.
    field = page.locator(".field-error")
    assert field.count() == 1
    assert field.locator("#id_time_zone").count() == 1
    assert page.get_by_label("Time zone").get_attribute("aria-invalid") == "true"
    screenshot(page, "notify_preferences_error")
    assert not Preference.objects.exists()

    page.get_by_label("Time zone").fill("Europe/Berlin")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(live_server.url + reverse("channel_list"))
    expect(page.get_by_text("Your notification preferences are saved.")).to_be_visible()
    expect(page.get_by_text("From 22:00 to 07:00 (Europe/Berlin)")).to_be_visible()
    preference = Preference.objects.get(user=personas.operator_a)
    assert (preference.quiet_start, preference.quiet_end, preference.time_zone) == (time(22), time(7), "Europe/Berlin")
    screenshot(page, "notify_preferences_saved")
    # The refused form is answered with 400, which the browser reports; anything else would be a fault.
    assert errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]


def test_an_admin_sends_a_dead_letter_again(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    personas = make_personas()
    message = services.enqueue(
        kind="email", target="sales@example.com", event="incident.update", subject="Checkout is back", body=""
    )
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=DeliveryStatus.DEAD, attempts=10, last_error="The mail server refused the address sales@example.com."
    )
    page = browser_page
    errors = watch_console(page)
    sign_in(page, live_server.url, personas.admin)
    page.goto(live_server.url + reverse("delivery_list"))
    row = page.locator("#results tbody tr", has_text="Checkout is back")
    assert "Gave up" in row.inner_text()
    screenshot(page, "notify_deliveries_dead")
    row.get_by_role("button", name="Send again").click()
    page.get_by_text("The notification “Checkout is back” will be sent again.").wait_for()

    page.get_by_label("Status").select_option(label="Waiting to be sent")
    page.wait_for_url(live_server.url + reverse("delivery_list") + "?status=pending")
    waiting = page.locator("#results tbody tr", has_text="Checkout is back")
    waiting.wait_for()
    assert "Waiting to be sent" in waiting.inner_text()
    assert waiting.get_by_role("button", name="Send again").count() == 0
    message.refresh_from_db()
    assert (message.status, message.attempts) == (DeliveryStatus.PENDING, 0)
    screenshot(page, "notify_deliveries_waiting")
    assert errors == []


@pytest.mark.phone
def test_my_notifications_fit_a_phone(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    personas = make_personas()
    actor = Actor(user=personas.stakeholder)
    services.create_channel(actor=actor, kind="email", name="Work email", target="stakeholder@example.com")
    services.create_channel(
        actor=actor, kind="slack", name="Marketing chat", target="https://chat.example.com/hooks/abcdefghijklmnop"
    )
    services.update_preferences(
        actor=actor, user=personas.stakeholder, quiet_start=time(20), quiet_end=time(8), time_zone="Europe/Paris"
    )
    page = browser_page
    errors = watch_console(page)
    sign_in(page, live_server.url, personas.stakeholder)
    page.goto(live_server.url + reverse("channel_list"))
    expect(page.get_by_role("heading", name="My notifications")).to_be_visible()
    screenshot(page, "notify_channels_phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []
