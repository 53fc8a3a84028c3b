"""In a real browser: marketing tells operations about Black Friday; an operator sees the shortfall it makes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from steadyops.demand.models import DemandEvent, HeadroomFinding
from steadyops.demand.tests.authz_headroom import make_world
from steadyops.testing.browser import screenshot, sign_in, watch_console
from steadyops.testing.personas import make_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_marketing_registers_black_friday_and_an_operator_sees_the_shortfall(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    personas = make_personas()
    world = make_world(personas, with_event=False)
    start = (world.last_point + timedelta(days=10)).replace(hour=0)
    page = browser_page
    errors = watch_console(page)

    sign_in(page, live_server.url, personas.stakeholder)
    page.goto(live_server.url + reverse("demand_event_create"))
    page.get_by_label("What is happening?").fill("Black Friday")
    page.get_by_label("When does it start?").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("When does it end?").fill((start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Time zone of these times").select_option("UTC")
    page.get_by_label("About this many times a normal day").check()
    page.get_by_label("About how many times a normal day?").fill("6")
    page.get_by_label("Checkout", exact=True).check()
    page.get_by_label("Who can we ask?").fill("Maria in marketing")
    screenshot(page, "demand_event_black_friday_form")
    page.get_by_role("button", name="Tell operations").click()
    page.get_by_text("Operations now knows about").wait_for()
    event = DemandEvent.objects.get(title="Black Friday")
    assert event.starts_at == start

    page.context.clear_cookies()
    sign_in(page, live_server.url, personas.operator_b)
    page.goto(live_server.url + reverse("demand_headroom"))
    expect(page.get_by_role("heading", name="Open findings (0)")).to_be_visible()
    page.get_by_role("button", name="Recompute now").click()
    page.get_by_text("Headroom recomputed: 1 checked, 1 new, 0 closed, 1 person told.").wait_for()
    expect(page.get_by_role("heading", name="Open findings (1)")).to_be_visible()
    finding = HeadroomFinding.objects.get()
    card = page.locator(f"#finding-{finding.pk}")
    expect(card.get_by_text(finding.recommendation)).to_be_visible()
    assert finding.recommendation.startswith("Add 4 Checkout instances by ")
    expect(card.get_by_text("2 now, 6 needed (4 short)")).to_be_visible()
    screenshot(page, "demand_headroom_shortfall")

    card.get_by_role("link", name="Checkout").click()
    chart = page.locator("#demand-chart")
    expect(chart).to_be_visible()
    expect(page.get_by_text("What the service can carry at its target load: 80.0 requests/s.")).to_be_visible()
    screenshot(page, "demand_service_checkout")

    page.context.clear_cookies()
    sign_in(page, live_server.url, personas.stakeholder)
    page.goto(live_server.url + reverse("demand_event_readiness", kwargs={"pk": event.pk}))
    expect(page.get_by_role("heading", name="Ready for Black Friday?")).to_be_visible()
    expect(page.get_by_text("Not yet: operations has work to do before it starts.")).to_be_visible()
    expect(page.get_by_text("Checkout needs more room: operations will add 4 more servers by")).to_be_visible()
    screenshot(page, "demand_readiness_black_friday")
    assert errors == []
