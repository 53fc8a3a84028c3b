"""A working session in a real browser: list the points of disagreement, work them out, write the record down."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from steadyops.consensus.models.boards import SessionStatus, WorkingSession
from steadyops.testing.browser import screenshot, sign_in, watch_console
from steadyops.testing.personas import make_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_small_group_works_out_its_conflicts_and_writes_them_down(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    personas = make_personas()
    page = browser_page
    errors = watch_console(page)
    sign_in(page, live_server.url, personas.operator_a)
    page.goto(live_server.url + reverse("consensus_session_create"))
    page.get_by_label("Title").fill("Night paging rules")
    page.get_by_role("button", name="Start the session").click()
    expect(page.get_by_role("heading", name="Night paging rules")).to_be_visible()

    page.get_by_label("A point you disagree on").fill("Who is paged first: the owner or the platform team?")
    page.get_by_role("button", name="Add this point").click()
    expect(page.get_by_text("Who is paged first: the owner or the platform team?")).to_be_visible()
    page.get_by_role("link", name="Work it out").click()
    page.get_by_label("Details worked out").fill("The owning team first; platform after 15 minutes.")
    page.get_by_label("Settled").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The owning team first; platform after 15 minutes.")).to_be_visible()

    page.get_by_role("link", name="Write the record").click()
    page.get_by_label("The written record").fill("We page the owning team first, then platform after 15 minutes.")
    page.get_by_role("button", name="Save the record").click()
    page.get_by_role("button", name="Mark as written down").click()
    expect(page.get_by_role("link", name="Record as a decision")).to_be_visible()
    screenshot(page, "consensus-session-recorded")

    session = WorkingSession.objects.get(title="Night paging rules")
    assert session.status == SessionStatus.RECORDED
    assert session.record == "We page the owning team first, then platform after 15 minutes."
    assert errors == []
