"""In a real browser: a marketing colleague registers an event from the form; an operator acknowledges it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from steadyops.demand.models.events import DemandEvent
from steadyops.demand.tests.authz_events import build_services, next_week
from steadyops.testing.browser import screenshot, sign_in, watch_console
from steadyops.testing.personas import make_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _register(page: Any, base: str, name: str) -> DemandEvent:
    errors = watch_console(page)
    page.goto("/demand/events/new/")
    page.get_by_label("What is happening?").fill("Black Friday sale")
    start = next_week()
    page.get_by_label("When does it start?").fill(f"{start:%Y-%m-%dT%H:%M}")
    page.get_by_label("When does it end?").fill(f"{start:%Y-%m-%d}T23:00")
    page.get_by_label("Time zone of these times").select_option("Europe/Paris")
    page.get_by_label("About this many times a normal day").check()
    page.get_by_label("About how many times a normal day?").fill("6")
    page.get_by_label("Checkout").check()
    page.get_by_label("Fairly sure").check()
    screenshot(page, f"{name}-form")
    page.get_by_role("button", name="Tell operations").click()
    page.wait_for_url(re.compile(r".*/demand/events/\d+/$"))
    assert "Thank you! Operations now knows about “Black Friday sale”." in page.inner_text("main")
    screenshot(page, f"{name}-registered")
    assert errors == []
    return DemandEvent.objects.get(title="Black Friday sale")


def test_it_registers_an_event_and_an_operator_acknowledges_it(browser_page: Any, live_server: Any) -> None:
    personas = make_personas()
    build_services(personas)
    page = browser_page
    sign_in(page, live_server.url, personas.stakeholder)
    event = _register(page, live_server.url, "demand-event")
    assert (event.multiplier, event.timezone, [s.slug for s in event.services.all()]) == (
        6,
        "Europe/Paris",
        ["checkout"],
    )
    summary = page.inner_text("#event-summary")
    assert "about 6 times a normal day on Checkout." in summary

    page.context.clear_cookies()
    sign_in(page, live_server.url, personas.operator_b)
    page.goto(f"/demand/events/{event.pk}/")
    page.get_by_role("button", name="Mark: Seen by operations").click()
    page.wait_for_load_state()
    assert "Status: Seen by operations." in page.inner_text("main")
    screenshot(page, "demand-event-acknowledged")
    event.refresh_from_db()
    assert event.status == "acknowledged"


@pytest.mark.phone
def test_it_works_on_a_phone(browser_page: Any, live_server: Any) -> None:
    personas = make_personas()
    build_services(personas)
    sign_in(browser_page, live_server.url, personas.stakeholder)
    event = _register(browser_page, live_server.url, "demand-event-phone")
    assert event.size_kind == "multiplier"
    width = browser_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    browser_page.goto("/demand/calendar/")
    screenshot(browser_page, "demand-calendar-phone")
