"""The catalog in a real browser: an owner adds a service and says what it needs."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from steadyops.catalog.models import Dependency, Service
from steadyops.catalog.tests.conftest import build_shop
from steadyops.testing.browser import screenshot, sign_in, watch_console
from steadyops.testing.personas import make_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_creates_a_service_and_adds_a_dependency(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    shop = build_shop(make_personas())
    page = browser_page
    errors = watch_console(page)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server.url, shop.personas.operator_a)
    page.goto(live_server.url + reverse("catalog_service_list"))
    screenshot(page, "catalog_service_list")
    page.get_by_role("link", name="New service").click()
    page.get_by_label("Name", exact=True).fill("Recommendations")
    page.get_by_label("What it does").fill("Suggests products <b>you</b> may like.")
    page.get_by_label("Owning team").select_option(label="Platform")
    page.get_by_label("How important").select_option(label="Supporting: staff are slowed down, customers barely notice")
    page.get_by_label("Customers use it directly").check()
    screenshot(page, "catalog_service_create")
    page.get_by_role("button", name="Add the service").click()
    page.wait_for_url(live_server.url + reverse("catalog_service_detail", args=["recommendations"]))
    expect(page.get_by_text("Recommendations is in the catalog.")).to_be_visible()
    expect(page.get_by_text("Suggests products <b>you</b> may like.")).to_be_visible()
    page.get_by_label("Needs", exact=True).select_option(label="Shop DB (Database)")
    page.get_by_label("Soft: it can, in a reduced way").check()
    page.get_by_label("When it is down, does this service keep working?").select_option(value="yes")
    page.get_by_label("What happens instead").fill("Shows best sellers instead.")
    page.get_by_role("button", name="Add the dependency").click()
    page.get_by_text("Recommendations now depends on Shop DB.").wait_for()
    expect(
        page.get_by_text(
            "Recommendations keeps working without Shop DB, in a reduced way. Instead: Shows best sellers instead."
        ).first
    ).to_be_visible()
    assert page.url == live_server.url + reverse("catalog_service_detail", args=["recommendations"])
    screenshot(page, "catalog_service_detail")
    service = Service.objects.get(slug="recommendations")
    assert Dependency.objects.filter(source_service=service, target_resource=shop.database, hard=False).exists()

    # Customers use Recommendations and Shop DB is all it needs: removing that asks first, naming it.
    page.get_by_role("button", name="Remove Shop DB").click()
    page.get_by_text("Recommendations would no longer need anything recorded").wait_for()
    screenshot(page, "catalog_dependency_remove_confirm")
    assert Dependency.objects.filter(source_service=service).exists()
    page.get_by_role("button", name="Remove it anyway").click()
    page.get_by_text("Recommendations no longer depends on Shop DB.").wait_for()
    assert not Dependency.objects.filter(source_service=service).exists()
    assert errors == []


@pytest.mark.phone
def test_the_service_page_works_on_a_phone(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    shop = build_shop(make_personas())
    page = browser_page
    errors = watch_console(page)
    sign_in(page, live_server.url, shop.personas.operator_b)
    page.goto(live_server.url + reverse("catalog_service_detail", args=["checkout"]))
    expect(page.get_by_role("heading", name="Checkout", exact=True)).to_be_visible()
    screenshot(page, "catalog_service_detail_phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert errors == []
