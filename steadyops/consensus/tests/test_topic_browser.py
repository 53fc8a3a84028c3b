"""A topic in a real browser: five people vote, it needs more discussion, a second round moves on, it is closed."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from steadyops.accounts.models import Role
from steadyops.consensus.models.topics import Topic, TopicStatus, Vote
from steadyops.testing.browser import screenshot, sign_in, watch_console
from steadyops.testing.personas import make_personas, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LABELS = {
    0: "0: I block this: I need changes",
    1: "1: I have serious concerns",
    2: "2: I have concerns",
    3: "3: I can live with it",
    4: "4: I support it",
    5: "5: Great idea, I will help lead it",
}


def test_five_people_vote_twice_and_the_topic_is_closed(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    personas = make_personas()
    fifth = make_user("sofia", Role.STAKEHOLDER, personas.marketing)
    creator = personas.operator_a
    page = browser_page
    errors = watch_console(page)

    def act_as(user) -> None:  # type: ignore[no-untyped-def]
        page.context.clear_cookies()
        sign_in(page, live_server.url, user)

    act_as(creator)
    page.goto(live_server.url + reverse("consensus_topic_create"))
    page.get_by_label("Question").fill("Move the release day to Tuesday?")
    page.get_by_label("Background").fill("We release on **Mondays**; weekend bugs get fixed in a rush.")
    screenshot(page, "consensus_topic_create")
    page.get_by_role("button", name="Open it for votes").click()
    page.get_by_text("Your topic is open for votes.").wait_for()
    topic = Topic.objects.get()
    detail = live_server.url + reverse("consensus_topic_detail", args=[topic.pk])
    expect(page.get_by_text("Results appear once you have voted")).to_be_visible()

    voters = [creator, personas.operator_b, personas.stakeholder, personas.admin, fifth]

    def vote_round(values: list[int]) -> None:
        for user, value in zip(voters, values, strict=True):
            act_as(user)
            page.goto(detail)
            page.get_by_label(LABELS[value]).check()
            if value == 0:
                page.get_by_label("Why (needed for 0)").fill("Support is off on Tuesdays.")
            page.get_by_role("button", name="Vote", exact=True).click()
            page.get_by_text("Your vote is counted.").wait_for()

    act_as(creator)
    page.goto(detail)
    screenshot(page, "consensus_topic_vote")
    vote_round([4, 0, 2, 3, 1])
    expect(page.get_by_text("Needs more discussion: 4 of 5 votes (80%) are 0 to 3.")).to_be_visible()
    expect(page.get_by_text("Support is off on Tuesdays.")).to_be_visible()
    screenshot(page, "consensus_topic_more_discussion")

    act_as(creator)
    page.goto(detail)
    page.get_by_label("What changed since this round").fill("Support agreed to cover Tuesdays from May.")
    page.get_by_role("button", name="Open round 2").click()
    page.get_by_text("Round 2 is open.").wait_for()
    expect(page.get_by_text("What changed: Support agreed to cover Tuesdays from May.")).to_be_visible()

    vote_round([5, 4, 4, 3, 5])
    expect(page.get_by_text("Move on: 4 of 5 votes (80%) are 4 or 5.")).to_be_visible()
    # The first round is kept beside the second.
    expect(page.get_by_text("Needs more discussion: 4 of 5 votes (80%) are 0 to 3.")).to_be_visible()

    act_as(creator)
    page.goto(detail)
    page.get_by_label("Outcome").fill("From May we release on Tuesdays at 10:00.")
    page.get_by_role("button", name="Close the topic").click()
    page.get_by_text("The topic is closed and its outcome written down.").wait_for()
    link = page.get_by_role("link", name="Record this as a decision")
    expect(link).to_be_visible()
    href = link.get_attribute("href") or ""
    assert href.startswith(reverse("consensus_decision_create") + f"?topic={topic.pk}&title=Move%20the%20release")
    screenshot(page, "consensus_topic_closed")

    topic.refresh_from_db()
    assert topic.status == TopicStatus.CLOSED
    assert sorted(Vote.objects.values_list("round__number", "value")) == [
        (1, 0),
        (1, 1),
        (1, 2),
        (1, 3),
        (1, 4),
        (2, 3),
        (2, 4),
        (2, 4),
        (2, 5),
        (2, 5),
    ]
    assert errors == []


@pytest.mark.phone
def test_the_vote_fits_a_phone(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    personas = make_personas()
    page = browser_page
    sign_in(page, live_server.url, personas.stakeholder)
    page.goto(live_server.url + reverse("consensus_topic_create"))
    page.get_by_label("Question").fill("Send the newsletter on Thursdays?")
    page.get_by_role("button", name="Open it for votes").click()
    page.get_by_text("Your topic is open for votes.").wait_for()
    page.get_by_label(LABELS[5]).check()
    page.get_by_role("button", name="Vote", exact=True).click()
    page.get_by_text("Move on: 1 of 1 vote (100%) is 4 or 5.").wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1
    screenshot(page, "consensus_topic_phone")
