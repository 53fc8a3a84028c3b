"""The decision log in a real browser: someone starts a decision, sees the similar past one beside the form,
saves, and says the new decision replaces the old one."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from steadyops.consensus import decision_services as services
from steadyops.consensus.models import Decision
from steadyops.consensus.similar import install_search_index
from steadyops.core.actor import Actor
from steadyops.testing.browser import screenshot, sign_in, watch_console
from steadyops.testing.personas import make_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_someone_writes_a_decision_down_and_replaces_an_older_one(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    install_search_index()
    personas = make_personas()
    actor = Actor(user=personas.operator_a)
    services.create_decision(
        actor=actor,
        title="Release every Monday morning",
        status="accepted",
        team=personas.team_a,
        decision_outcome="One release a week, on Monday at 10:00.",
    )
    services.create_decision(actor=actor, title="Keep the shop's data in PostgreSQL", status="accepted")
    page = browser_page
    errors = watch_console(page)
    sign_in(page, live_server.url, personas.operator_a)
    page.goto(live_server.url + reverse("consensus_decision_list"))
    page.get_by_role("link", name="Write a decision down").click()
    panel = page.locator("#similar-panel")
    expect(panel.get_by_text("Nothing similar yet")).to_be_visible()

    page.get_by_label("Title").fill("Release on Tuesday instead of Monday")
    expect(panel.get_by_role("link", name="1. Release every Monday morning")).to_be_visible()
    expect(panel.get_by_text("PostgreSQL")).to_have_count(0)
    page.get_by_label("Context and problem").fill("Weekend problems get fixed in a rush on **Monday**.")
    page.get_by_label("What we decided, and why").fill("Release on Tuesday at 10:00.")
    page.get_by_label("Status").select_option(label="Accepted")
    screenshot(page, "consensus_decision_create_similar")
    page.get_by_role("button", name="Write it down").click()
    page.wait_for_url(live_server.url + reverse("consensus_decision_detail", args=[3]))
    expect(page.get_by_text("Decision 3 is written down.")).to_be_visible()
    expect(page.locator("strong", has_text="Monday")).to_be_visible()

    page.get_by_role("link", name="Replaces an earlier decision").click()
    page.get_by_label("Number of the decision this one replaces").fill("1")
    page.get_by_role("button", name="Mark it replaced").click()
    page.get_by_text("Decision 3 now replaces decision 1.").wait_for()
    expect(page.locator("dl").get_by_role("link", name="1. Release every Monday morning")).to_be_visible()
    screenshot(page, "consensus_decision_detail_chain")
    page.goto(live_server.url + reverse("consensus_decision_detail", args=[1]))
    expect(page.locator(".notice", has_text="Replaced by 3. Release on Tuesday instead of Monday")).to_be_visible()
    assert Decision.objects.get(number=1).status == "superseded"
    assert Decision.objects.get(number=3).supersedes == Decision.objects.get(number=1)
    assert errors == []
