"""In a real browser on a phone-sized screen: a sales colleague presses panic, an operator accepts the report as an
incident and writes a plain-words update, and the colleague reads it on the status page and the incident's page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from steadyops.accounts.models import Role, Team
from steadyops.core.actor import Actor
from steadyops.incidents import grouping_services, incident_services
from steadyops.incidents.models import Incident, Report
from steadyops.incidents.tests.authz_panic import build_services
from steadyops.testing.browser import screenshot, sign_in, watch_console
from steadyops.testing.personas import make_personas, make_user

pytestmark = [pytest.mark.browser, pytest.mark.phone, pytest.mark.django_db(transaction=True)]


def test_it_takes_a_press_from_a_phone_and_brings_back_plain_words(browser_page: Any, live_server: Any) -> None:
    personas = make_personas()
    build_services(personas)
    sales = Team.objects.create(slug="sales", name="Sales", is_operations=False)
    sam = make_user("sam", Role.STAKEHOLDER, sales)
    page = browser_page
    errors = watch_console(page)

    sign_in(page, live_server.url, sam)
    page.goto("/")
    panic_link = page.get_by_role("link", name="Panic button: tell ops something is broken")
    box = panic_link.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    assert box["x"] + box["width"] <= 390
    screenshot(page, "panic-phone-home")
    panic_link.click()
    page.wait_for_url(re.compile(r".*/panic$"))
    button = page.get_by_role("button", name="Tell ops something is broken")
    button_box = button.bounding_box()
    assert button_box is not None
    assert button_box["height"] >= 80
    assert button_box["y"] + button_box["height"] <= 844  # visible without scrolling
    page.get_by_label("What looks broken? (optional)").fill("Customers say they cannot pay")
    page.get_by_label("Or which part of the site? (optional)").select_option("checkout")
    page.get_by_label("Many customers").check()
    assert "Sent as Sam, team Sales." in page.inner_text("#panic-form")
    screenshot(page, "panic-phone-form")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    button.click()
    page.wait_for_url(re.compile(r".*/incidents/panic/thanks/\d+/$"))
    report = Report.objects.get(reporter=sam)
    by = timezone.localtime(report.created_at + timedelta(minutes=15)).strftime("%H:%M")
    answer = page.inner_text("main")
    assert "We got it. Ops is looking." in answer
    assert f"You'll hear back by {by}." in answer
    screenshot(page, "panic-phone-answer")
    assert (report.what, report.service.slug if report.service else None, report.customers, report.team) == (
        "Customers say they cannot pay",
        "checkout",
        "many",
        sales,
    )

    grouping_services.group_pending()
    page.context.clear_cookies()
    sign_in(page, live_server.url, personas.operator_b)
    page.goto("/incidents/triage/")
    assert "Customers say they cannot pay" in page.inner_text("main")
    assert "Sam (Sales)" in page.inner_text("main")
    screenshot(page, "panic-phone-triage")
    page.get_by_role("link", name="Decide").click()
    page.wait_for_url(re.compile(r".*/incidents/triage/\d+/$"))
    screenshot(page, "panic-phone-triage-signal")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_label("Incident title").fill("Customers cannot pay at checkout")
    page.get_by_label("SEV2: a key part is badly degraded", exact=False).check()
    page.get_by_role("button", name="Accept as an incident").click()
    page.wait_for_url(re.compile(r".*/incidents/\d+/$"))
    incident = Incident.objects.get(title="Customers cannot pay at checkout")
    assert incident.signals.get().reports.get() == report
    incident_services.post_update(
        actor=Actor(user=personas.operator_b),
        incident=incident,
        audience="stakeholders",
        affected="Paying for an order on the website.",
        customers_see="The payment step keeps loading. No money is taken.",
        tell_customers="We are fixing it; please try again in 30 minutes.",
        next_update_by=timezone.now() + timedelta(minutes=30),
    )

    page.context.clear_cookies()
    sign_in(page, live_server.url, sam)
    page.goto("/status")
    status = page.inner_text("main")
    assert "Customers cannot pay at checkout" in status
    assert "The payment step keeps loading. No money is taken." in status
    assert "We are fixing it; please try again in 30 minutes." in status
    screenshot(page, "panic-phone-status")
    page.goto(f"/incidents/{incident.number}/")
    assert "The payment step keeps loading. No money is taken." in page.inner_text("main")
    screenshot(page, "panic-phone-incident")
    page.goto("/panic")
    known = page.inner_text(".panic-known")
    assert "Customers cannot pay at checkout" in known
    assert "You are following this" in known
    screenshot(page, "panic-phone-known-problems")
    assert errors == []
