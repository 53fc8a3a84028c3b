"""Metric history in a real browser: an operator checks a CSV file, imports it, and finds the new series."""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from steadyops.catalog import services as catalog
from steadyops.core.actor import Actor
from steadyops.demand.models import MetricPoint
from steadyops.testing.browser import screenshot, sign_in, watch_console
from steadyops.testing.personas import make_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = "timestamp,value\n2026-11-01T00:00:00Z,12.5\n2026-11-01T01:00:00Z,14\n2026-11-01T02:00:00Z,-3\n"


def test_an_operator_checks_and_imports_a_csv_file(browser_page, live_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    personas = make_personas()
    catalog.create_service(actor=Actor(personas.admin), name="Checkout", owner=personas.team_b, user_facing=True)
    page = browser_page
    errors = watch_console(page)
    sign_in(page, live_server.url, personas.operator_b)
    page.goto(live_server.url + reverse("demand_series_import"))

    bad = tmp_path / "traffic.csv"
    bad.write_text(CSV)
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_label("Service").select_option(label="Checkout (checkout)")
    page.get_by_label("Metric").fill("requests_per_second")
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("line 4", exact=False)).to_be_visible()
    screenshot(page, "demand-series-import-error")
    assert MetricPoint.objects.count() == 0

    good = tmp_path / "traffic-fixed.csv"
    good.write_text(CSV.replace(",-3", ",3"))
    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(live_server.url + reverse("demand_series_list"))
    expect(page.get_by_role("link", name="requests_per_second", exact=False).first).to_be_visible()
    screenshot(page, "demand-series-list")
    assert MetricPoint.objects.count() == 3
    # The refused check answers 400 (shown in place by htmx); the browser logs that answer, and nothing else.
    assert errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
