"""In a real browser: an operator posts an update for everyone; a sales colleague reads it on a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest

from steadyops.incidents.models.incidents import StatusUpdate
from steadyops.incidents.tests.authz_incidents import build_services, declare
from steadyops.testing.browser import screenshot, sign_in, watch_console
from steadyops.testing.personas import make_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_posts_an_update_for_everyone(browser_page: Any, live_server: Any) -> None:
    personas = make_personas()
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    page = browser_page
    errors = watch_console(page)
    sign_in(page, live_server.url, personas.operator_a)
    page.goto(f"/incidents/{incident.number}/")
    page.get_by_label("What is affected").fill("Paying by card on the web shop")
    page.get_by_label("What customers see").fill("An error page after pressing Pay")
    page.get_by_label("What to tell customers").fill("We know and are fixing it; PayPal works.")
    page.get_by_label("Next update by").fill("2099-01-01T10:00")
    page.get_by_role("button", name="Post for everyone").click()
    # Too far ahead: refused next to the field, nothing posted.
    page.wait_for_selector(".field-error")
    assert "The next update must come within 7 days." in page.inner_text("main")
    assert StatusUpdate.objects.count() == 0
    errors.clear()  # the refused form answered 400 on purpose
    next_by = page.evaluate(
        "(() => { const d = new Date(Date.now() + 3600e3); d.setMinutes(d.getMinutes() - d.getTimezoneOffset());"
        " return d.toISOString().slice(0, 16); })()"
    )
    page.get_by_label("Next update by").fill(next_by)
    screenshot(page, "incident-update-form")
    page.get_by_role("button", name="Post for everyone").click()
    page.wait_for_url(re.compile(rf".*/incidents/{incident.number}/$"))
    assert "Update posted; subscribers are told." in page.inner_text("main")
    assert StatusUpdate.objects.get().customers_see == "An error page after pressing Pay"
    assert errors == []


@pytest.mark.phone
def test_it_shows_sales_the_status_on_a_phone(browser_page: Any, live_server: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from steadyops.core.actor import Actor
    from steadyops.incidents import incident_services

    personas = make_personas()
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront], severity=2)
    incident_services.post_update(
        actor=Actor(user=personas.operator_a),
        incident=incident,
        audience="stakeholders",
        affected="Paying by card on the web shop",
        customers_see="An error page after pressing Pay",
        tell_customers="We know and are fixing it; PayPal works.",
        next_update_by=timezone.now() + timedelta(minutes=30),
    )
    page = browser_page
    errors = watch_console(page)
    sign_in(page, live_server.url, personas.stakeholder)
    page.goto("/incidents/status/")
    text = page.inner_text("main")
    assert "There is one problem right now." in text
    assert "We know and are fixing it; PayPal works." in text
    # Times name their zone: the site's (UTC here), which need not be the reader's.
    incident.refresh_from_db()
    assert f"Next update by\n{timezone.localtime(incident.next_update_due_at):%a %-d %b, %H:%M} UTC" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "incident-status-page-phone")
    page.get_by_role("link", name="More about this problem").click()
    page.wait_for_url(re.compile(rf".*/incidents/{incident.number}/$"))
    page.get_by_role("button", name="Follow this incident").click()
    page.wait_for_url(re.compile(rf".*/incidents/{incident.number}/$"))
    assert "You will hear about INC-1 until it is fixed." in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "incident-detail-phone")
    assert errors == []
