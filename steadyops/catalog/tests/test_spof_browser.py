"""The SPOF finder in a real browser: an owner adds a hard dependency and sees the new SPOF appear."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from steadyops.catalog import services
from steadyops.catalog.models import AcceptedRisk
from steadyops.catalog.tests.conftest import build_shop
from steadyops.core.actor import Actor
from steadyops.testing.browser import screenshot, sign_in, watch_console
from steadyops.testing.personas import make_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_SPOF = "Web cannot work when Order queue fails: it runs as one instance."


def test_an_owner_adds_a_hard_dependency_and_sees_the_new_spof(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    shop = build_shop(make_personas())
    admin = Actor(user=shop.personas.admin)
    queue = services.create_resource(actor=admin, name="Order queue", owner=shop.personas.team_a, kind="queue")
    services.set_capacity(actor=admin, component=queue, environment=shop.production, instances=1)
    page = browser_page
    errors = watch_console(page)
    sign_in(page, live_server.url, shop.personas.operator_a)

    page.goto(live_server.url + reverse("catalog_spof_list"))
    expect(page.get_by_role("heading", name="Open risks in Production (3)")).to_be_visible()
    assert page.get_by_text(NEW_SPOF).count() == 0
    screenshot(page, "catalog_spof_list_before")

    page.goto(live_server.url + reverse("catalog_service_detail", args=["web"]))
    page.get_by_label("Needs", exact=True).select_option(label="Order queue (Queue)")
    page.get_by_label("Hard: it cannot do its job without it").check()
    page.get_by_label("When it is down, does this service keep working?").select_option(value="no")
    page.get_by_role("button", name="Add the dependency").click()
    page.get_by_text("Web now depends on Order queue.").wait_for()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Single points of failure").click()
    page.get_by_text(NEW_SPOF).wait_for()
    expect(page.get_by_role("heading", name="Open risks in Production (4)")).to_be_visible()
    finding = page.locator("#finding-resource-order-queue-single-instance")
    expect(
        finding.get_by_text("Run a second instance in another zone, or make Web degrade gracefully without it.")
    ).to_be_visible()
    screenshot(page, "catalog_spof_list_new_spof")

    finding.get_by_text("Accept this as a known risk").click()
    finding.get_by_label("Why we accept this for now").fill("A second queue node is ordered <b>for March</b>.")
    finding.get_by_label("Look at it again on").fill((timezone.localdate() + timedelta(days=60)).isoformat())
    screenshot(page, "catalog_spof_accept_form")
    finding.get_by_role("button", name="Accept until that day").click()
    page.get_by_text("Accepted as a known risk until").wait_for()
    expect(page.get_by_role("heading", name="Open risks in Production (3)")).to_be_visible()
    expect(page.get_by_role("heading", name="Accepted as known risks (1)")).to_be_visible()
    expect(page.get_by_text("A second queue node is ordered <b>for March</b>.")).to_be_visible()
    screenshot(page, "catalog_spof_list_accepted")
    assert AcceptedRisk.objects.get().component_key == "resource:order-queue"
    assert errors == []


def test_an_accept_form_with_a_mistake_answers_next_to_the_field(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    shop = build_shop(make_personas())
    page = browser_page
    errors = watch_console(page)
    sign_in(page, live_server.url, shop.personas.operator_b)
    page.goto(live_server.url + reverse("catalog_spof_list"))
    finding = page.locator("#finding-service-checkout-cuts-off")
    finding.get_by_text("Accept this as a known risk").click()
    finding.get_by_label("Why we accept this for now").fill("Known.")
    finding.get_by_label("Look at it again on").fill((timezone.localdate() + timedelta(days=400)).isoformat())
    finding.get_by_role("button", name="Accept until that day").click()
    finding.get_by_text("At most a year from today: accepted risks are looked at again yearly.").wait_for()
    screenshot(page, "catalog_spof_accept_error")
    assert not AcceptedRisk.objects.exists()
    # The refused form is a 400 on purpose, which the browser reports; nothing else may go wrong.
    assert [error for error in errors if "status of 400" not in error] == []


@pytest.mark.phone
def test_what_if_works_on_a_phone(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    shop = build_shop(make_personas())
    page = browser_page
    errors = watch_console(page)
    sign_in(page, live_server.url, shop.personas.stakeholder)
    page.goto(live_server.url + reverse("catalog_service_detail", args=["checkout"]))
    page.get_by_role("link", name="What if this fails?").click()
    page.get_by_role("heading", name="If Checkout fails").wait_for()
    expect(page.get_by_text("Customers cannot use Web.")).to_be_visible()
    screenshot(page, "catalog_what_if_phone")
    page.get_by_label("If this fails").select_option(label="Shop DB")
    page.get_by_role("button", name="Show what happens").click()
    page.get_by_role("heading", name="If Shop DB fails").wait_for()
    screenshot(page, "catalog_what_if_phone_database")
    assert errors == []
