"""The audit log in a real browser."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from steadyops.accounts import services
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.testing.browser import screenshot, sign_in, watch_console
from steadyops.testing.personas import make_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_filters_the_audit_log(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    personas = make_personas()
    admin = Actor(user=personas.admin)
    services.create_team(actor=admin, name="Search")
    services.update_team(actor=admin, team=personas.team_a, name="Platform team", description="k8s", is_operations=True)
    old = services.create_team(actor=Actor(user=personas.admin), name="Legacy")
    AuditEntry.objects.filter(object_id=str(old.pk)).update(created_at=timezone.now() - timedelta(days=30))
    page = browser_page
    errors = watch_console(page)
    sign_in(page, live_server.url, personas.admin)
    page.goto(live_server.url + "/")
    page.locator("#site-nav").get_by_role("link", name="Audit log").click()
    page.wait_for_url(live_server.url + reverse("audit_list"))
    assert page.locator("#audit-results tbody tr").count() == 3
    screenshot(page, "audit_list")

    page.get_by_label("What").fill("team.update")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/audit/?*action=team.update*")
    rows = page.locator("#audit-results tbody tr")
    assert rows.count() == 1
    assert "Platform team" in rows.first.inner_text()
    export = page.locator("#audit-export").get_attribute("href")
    assert export is not None
    assert "action=team.update" in export

    page.get_by_role("link", name="Clear").click()
    page.get_by_label("From").fill(str(timezone.localdate() - timedelta(days=1)))
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**date_from=*")
    assert page.locator("#audit-results tbody tr").count() == 2
    screenshot(page, "audit_filtered")

    page.get_by_label("To (inclusive)").fill(str(timezone.localdate() - timedelta(days=7)))
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("The end date is before the start date.").wait_for()
    expect(page.get_by_text("Please correct the filters above.")).to_be_visible()
    screenshot(page, "audit_bad_dates")
    # The bad dates are answered with a 400, which the browser logs; nothing else may appear.
    assert errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
