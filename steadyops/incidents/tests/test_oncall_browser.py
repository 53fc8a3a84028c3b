"""On-call in a real browser: an operator sets up a weekly rotation, a cover and an escalation policy through the
forms, answers a page from its page and from the signed link in the message, and a stakeholder only looks."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from steadyops.core.actor import Actor
from steadyops.incidents import oncall_services as services
from steadyops.incidents.models import Signal
from steadyops.incidents.models.oncall import EscalationPolicy, Override, Page, PageState, Rotation
from steadyops.incidents.tests.authz_oncall import build_policy, build_rotation
from steadyops.notify.models import OutboxMessage
from steadyops.testing.browser import screenshot, sign_in, watch_console
from steadyops.testing.personas import make_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BERLIN = ZoneInfo("Europe/Berlin")


def _shown(moment: datetime) -> str:
    """A time as the rotation's pages write it ("D j M, H:i"), in the rotation's time zone."""
    local = moment.astimezone(BERLIN)
    return f"{local:%a} {local.day} {local:%b, %H:%M}"


def _handoff(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=BERLIN)


def _rows(page: Any) -> list[list[str]]:
    rows = page.locator("main table tbody tr")
    return [[cell.strip() for cell in rows.nth(i).locator("td").all_inner_texts()] for i in range(rows.count())]


def test_it_sets_up_a_weekly_rotation_and_a_cover_through_the_forms(browser_page: Any, live_server: Any) -> None:
    personas = make_personas()
    page = browser_page
    errors = watch_console(page)
    today = timezone.now().astimezone(BERLIN).date()
    # Ten days in, the second person in turn has the week: Operator A, then Admin.
    starts_on = today - timedelta(days=10)

    sign_in(page, live_server.url, personas.operator_a)
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="On call now").click()
    page.wait_for_url(re.compile(r".*/oncall/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Who is on call")
    expect(page.get_by_text("No rotations yet.")).to_be_visible()
    screenshot(page, "oncall-now-empty")

    page.locator("main").get_by_role("link", name="New rotation").click()
    page.wait_for_url(re.compile(r".*/oncall/rotations/new/$"))
    # Only teams the operator may manage are offered: their own, Platform.
    assert page.get_by_label("Team", exact=True).locator("option").all_inner_texts() == ["Platform"]
    page.get_by_label("Name", exact=True).fill("Platform primary")
    page.get_by_label("How often the shift changes hands").select_option(label="Every week")
    page.get_by_label("Hand-off time").fill("09:00")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_label("First shift starts on").fill(starts_on.isoformat())
    page.get_by_label("Person 1 in turn").select_option(label="Operator A")
    page.get_by_label("Person 2 in turn").select_option(label="Admin")
    # More rows than the form starts with: nothing is saved yet, and what was typed stays.
    page.get_by_role("button", name="Add rows for more people").click()
    page.wait_for_url(re.compile(r".*/oncall/rotations/new/#form-actions$"))
    expect(page.get_by_label("Person 15 in turn")).to_be_in_viewport()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Platform primary")
    expect(page.get_by_label("Person 2 in turn").locator("option:checked")).to_have_text("Admin")
    assert not Rotation.objects.exists()
    screenshot(page, "oncall-rotation-form")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/oncall/rotations/\d+/$"))

    rotation = Rotation.objects.get()
    assert (rotation.team, rotation.name, rotation.period, rotation.handoff_time, rotation.timezone) == (
        personas.team_a,
        "Platform primary",
        "weekly",
        time(9, 0),
        "Europe/Berlin",
    )
    assert [m.user for m in rotation.members.order_by("position")] == [personas.operator_a, personas.admin]
    main = page.locator("main")
    expect(main.get_by_role("status")).to_have_text("The rotation Platform primary is set up.")
    expect(main.get_by_role("heading", level=1)).to_have_text("Platform primary · Platform")
    expect(main.locator("p.lead")).to_have_text(
        "On call now: Admin. The shift changes hands every week at 09:00 Europe/Berlin, "
        f"starting {starts_on.day} {starts_on:%b %Y}."
    )
    assert main.locator("ol li").all_inner_texts() == ["Operator A", "Admin"]
    week_1, week_2, week_3, week_4 = (_handoff(starts_on + timedelta(days=days)) for days in (7, 14, 21, 28))
    # Whole shifts: the one under way from its hand-off, the last one of the 14 days to its end.
    assert _rows(page) == [
        ["Admin", _shown(week_1), _shown(week_2)],
        ["Operator A", _shown(week_2), _shown(week_3)],
        ["Admin", _shown(week_3), _shown(week_4)],
    ]
    expect(page.get_by_text("Nobody covers for anyone at the moment.")).to_be_visible()
    screenshot(page, "oncall-rotation-detail")

    # Admin's week: Operator A takes it over for two days.
    page.get_by_role("link", name="Someone covers…").click()
    page.wait_for_url(re.compile(r".*/oncall/rotations/\d+/overrides/new/$"))
    expect(page.get_by_text("In the rotation's time zone, Europe/Berlin.")).to_be_visible()
    cover_from, cover_until = today, today + timedelta(days=2)
    page.get_by_label("Who covers").select_option(label="Operator A")
    page.get_by_label("From").fill(f"{cover_from.isoformat()}T00:00")
    page.get_by_label("Until").fill(f"{cover_until.isoformat()}T00:00")
    page.get_by_label("Why (optional)").fill("Holiday swap")
    screenshot(page, "oncall-override-form")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/oncall/rotations/{rotation.pk}/$"))

    starts, ends = datetime.combine(cover_from, time(0), BERLIN), datetime.combine(cover_until, time(0), BERLIN)
    override = Override.objects.get()
    assert (override.user, override.starts_at, override.ends_at, override.reason) == (
        personas.operator_a,
        starts,
        ends,
        "Holiday swap",
    )
    expect(main.get_by_role("status")).to_have_text("Operator A covers Platform primary for that time.")
    expect(main.locator("p.lead")).to_contain_text("On call now: Operator A.")
    assert _rows(page) == [
        ["Operator A covering", _shown(starts), _shown(ends)],
        ["Admin", _shown(ends), _shown(week_2)],
        ["Operator A", _shown(week_2), _shown(week_3)],
        ["Admin", _shown(week_3), _shown(week_4)],
    ]
    cover = main.locator("ul li").filter(has_text="Holiday swap")
    expect(cover).to_contain_text(f"Operator A from {_shown(starts)} until {_shown(ends)} — Holiday swap")
    expect(cover.get_by_role("button", name="Take back")).to_be_visible()
    screenshot(page, "oncall-rotation-covered")

    nav.get_by_role("link", name="On call now").click()
    page.wait_for_url(re.compile(r".*/oncall/$"))
    board = page.locator("#oncall-board")
    expect(board.get_by_role("heading", level=2)).to_have_text("Platform")
    [row] = _rows(page)
    assert row[:2] == ["Platform primary", "Operator A · operator_a@example.com"]
    screenshot(page, "oncall-now")
    assert errors == []


def test_it_sets_up_an_escalation_policy_and_says_its_steps_in_plain_words(browser_page: Any, live_server: Any) -> None:
    personas = make_personas()
    rotation = build_rotation(personas, members=[personas.operator_a])
    page = browser_page
    errors = watch_console(page)

    sign_in(page, live_server.url, personas.operator_a)
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Escalation policies").click()
    page.wait_for_url(re.compile(r".*/escalation/$"))
    expect(page.get_by_text("No escalation policies yet.")).to_be_visible()
    page.get_by_role("link", name="New policy").click()
    page.wait_for_url(re.compile(r".*/escalation/new/$"))
    page.get_by_label("Name", exact=True).fill("Platform incidents")
    page.get_by_label("Run the steps again this many times if nobody answers").fill("2")
    page.get_by_label("The team's default policy (incidents page this one)").check()
    page.get_by_label("Step 1: page", exact=True).select_option(label="Platform primary (Platform)")
    page.get_by_label("Step 1: minutes to wait for an answer").fill("5")
    page.get_by_label("Step 2: page", exact=True).select_option(label="Admin (admin)")
    page.get_by_label("Step 2: minutes to wait for an answer").fill("15")
    screenshot(page, "oncall-escalation-form")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/escalation/\d+/$"))

    policy = EscalationPolicy.objects.get()
    assert (policy.team, policy.name, policy.repeat, policy.is_default) == (
        personas.team_a,
        "Platform incidents",
        2,
        True,
    )
    assert [(s.rotation, s.user, s.wait_minutes) for s in policy.steps.order_by("position")] == [
        (rotation, None, 5),
        (None, personas.admin, 15),
    ]
    main = page.locator("main")
    expect(main.get_by_role("status")).to_have_text("The escalation policy Platform incidents is set up.")
    expect(main.get_by_role("heading", level=1)).to_have_text("Platform incidents · Platform default")
    assert main.locator("ol li").all_inner_texts() == [
        "Page whoever is on call in Platform primary, then wait 5 minutes for an answer.",
        "Page Admin, then wait 15 minutes for an answer.",
    ]
    expect(main.get_by_text("If nobody answers, the steps run again, 2 more times.")).to_contain_text(
        "After the last step the team's operators are told that nobody answered."
    )
    screenshot(page, "oncall-escalation-detail")
    main.get_by_role("link", name="Platform primary").click()
    page.wait_for_url(re.compile(rf".*/oncall/rotations/{rotation.pk}/$"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Escalation policies").click()
    page.wait_for_url(re.compile(r".*/escalation/$"))
    card = page.locator("section.card")
    expect(card.get_by_role("heading", level=2)).to_have_text(re.compile(r"^Platform incidents · Platform\s+default$"))
    assert card.locator("ol li").all_inner_texts() == [
        "Page whoever is on call in Platform primary, wait 5 minutes",
        "Page Admin, wait 15 minutes",
    ]
    expect(card.locator("p")).to_have_text("Then run the steps again, 2 more times.")
    screenshot(page, "oncall-escalation-list")
    assert errors == []


def _paged_signal(title: str, reason: str) -> Page:
    now = timezone.now()
    signal = Signal.objects.create(title=title, first_seen_at=now, last_seen_at=now)
    paged = services.start_paging(signal=signal, reason=reason)
    assert paged is not None
    return paged


def test_it_lets_the_paged_operator_answer_from_the_page_and_from_the_signed_link(
    browser_page: Any, live_server: Any, settings: Any
) -> None:
    # The links in the messages point at this server, as SITE_URL does in production.
    settings.SITE_URL = live_server.url
    personas = make_personas()
    rotation = build_rotation(personas, members=[personas.operator_a])
    build_policy(
        personas,
        [
            services.StepInput(wait_minutes=10, rotation=rotation),
            services.StepInput(wait_minutes=10, user=personas.admin),
        ],
    )
    # No policy given: the default policy of the operations team applies.
    first = _paged_signal("Checkout errors above 5%", "Checkout errors since 14:05")
    second = _paged_signal("Disk almost full on db-1", "Disk at 95% and rising")
    message = OutboxMessage.objects.get(event="incident.page", recipient=personas.operator_a, payload__page=second.pk)
    acknowledge_link = message.payload["acknowledge_url"]
    assert acknowledge_link in message.body
    assert acknowledge_link.startswith(f"{live_server.url}/incidents/page-action/acknowledge/")
    page = browser_page
    errors = watch_console(page)

    sign_in(page, live_server.url, personas.operator_a)
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Recent pages").click()
    page.wait_for_url(re.compile(r".*/oncall/pages/$"))
    assert [row[1:] for row in _rows(page)] == [
        ["Disk almost full on db-1", "Waiting for someone to answer", "—"],
        ["Checkout errors above 5%", "Waiting for someone to answer", "—"],
    ]
    screenshot(page, "oncall-page-list")
    expect(page.get_by_role("columnheader", name="When (UTC)")).to_be_visible()
    page.get_by_role("row", name=re.compile("Checkout errors above 5%")).get_by_role("link").click()
    page.wait_for_url(re.compile(rf".*/oncall/pages/{first.pk}/$"))
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Page: Checkout errors above 5%")
    expect(main.locator("p.lead")).to_contain_text("Waiting for someone to answer.")
    expect(main.locator("p.lead")).to_contain_text("if nobody answers.")
    expect(main.get_by_text("Why: Checkout errors since 14:05")).to_be_visible()
    assert main.locator("ol li").all_inner_texts() == [
        "Whoever is on call in Platform primary, wait 10 minutes",
        "Admin, wait 10 minutes",
    ]
    assert [row[1:] for row in _rows(page)] == [["Operator A", "1", "1"]]
    screenshot(page, "oncall-page-detail")
    main.get_by_role("button", name="I'm on it").click()
    expect(main.get_by_role("status")).to_have_text("Thank you: the paging has stopped, everyone sees you are on it.")
    first.refresh_from_db()
    assert (first.state, first.acknowledged_by) == (PageState.ACKNOWLEDGED, personas.operator_a)
    expect(main.locator("p.lead")).to_contain_text("Someone is on it. Operator A is on it since")
    expect(main.get_by_role("button", name="I'm on it")).to_have_count(0)
    expect(main.get_by_role("button", name="Resolved")).to_be_visible()
    screenshot(page, "oncall-page-acknowledged")

    # The message's link, opened where nobody is signed in (a phone's mail app).
    page.context.clear_cookies()
    page.goto(acknowledge_link)
    expect(main.get_by_role("heading", level=1)).to_have_text("Are you on it?")
    expect(main.locator("p.lead")).to_have_text("Reported problem: Disk almost full on db-1")
    expect(main.get_by_text("Why you were paged: Disk at 95% and rising")).to_be_visible()
    expect(main.get_by_text("You are answering as Operator A.")).to_be_visible()
    second.refresh_from_db()
    assert second.state == PageState.ACTIVE  # opening the link alone changes nothing
    screenshot(page, "oncall-page-link-confirm")
    main.get_by_role("button", name="Yes, I'm on it (stop paging)").click()
    expect(main.get_by_role("heading", level=1)).to_have_text("Thank you: you are on it")
    expect(main.locator("p.lead")).to_have_text(
        "The paging has stopped, and everyone following Reported problem: Disk almost full on db-1 can see you are "
        "on it."
    )
    screenshot(page, "oncall-page-link-done")
    second.refresh_from_db()
    assert (second.state, second.acknowledged_by, second.next_step_at) == (
        PageState.ACKNOWLEDGED,
        personas.operator_a,
        None,
    )

    sign_in(page, live_server.url, personas.operator_a)
    page.goto("/")
    nav.get_by_role("link", name="Recent pages").click()
    page.wait_for_url(re.compile(r".*/oncall/pages/$"))
    assert [row[1:] for row in _rows(page)] == [
        ["Disk almost full on db-1", "Someone is on it", "Operator A"],
        ["Checkout errors above 5%", "Someone is on it", "Operator A"],
    ]
    assert errors == []


def test_it_shows_a_stakeholder_who_is_on_call_but_no_way_to_change_it(browser_page: Any, live_server: Any) -> None:
    personas = make_personas()
    rotation = build_rotation(personas, members=[personas.operator_a])
    services.create_override(
        actor=Actor(user=personas.admin),
        rotation=rotation,
        user=personas.admin,
        starts_at=timezone.now() + timedelta(days=2),
        ends_at=timezone.now() + timedelta(days=3),
        reason="Doctor",
    )
    page = browser_page
    errors = watch_console(page)

    sign_in(page, live_server.url, personas.stakeholder)
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Escalation policies")).to_have_count(0)
    expect(nav.get_by_role("link", name="Recent pages")).to_have_count(0)
    nav.get_by_role("link", name="On call now").click()
    page.wait_for_url(re.compile(r".*/oncall/$"))
    main = page.locator("main")
    [row] = _rows(page)
    assert row[:2] == ["Platform primary", "Operator A · operator_a@example.com"]
    expect(main.get_by_role("link", name="New rotation")).to_have_count(0)
    expect(main.get_by_role("link", name="Set up the first one.")).to_have_count(0)
    expect(main.get_by_role("link", name="Page someone now")).to_have_count(0)
    screenshot(page, "oncall-now-stakeholder")

    main.get_by_role("link", name="Platform primary").click()
    page.wait_for_url(re.compile(rf".*/oncall/rotations/{rotation.pk}/$"))
    expect(main.locator("p.lead")).to_contain_text("On call now: Operator A.")
    expect(main.get_by_role("link", name="Someone covers…")).to_have_count(0)
    expect(main.get_by_role("link", name="Change")).to_have_count(0)
    expect(main.get_by_role("button")).to_have_count(0)
    expect(main.locator("ul li").filter(has_text="Doctor")).to_contain_text("Admin from")
    screenshot(page, "oncall-rotation-stakeholder")

    assert errors == []

    # There is no link to the form; typed by hand, the address refuses and says why.
    response = page.goto("/incidents/oncall/rotations/new/")
    assert response is not None
    assert response.status == 403
    expect(main).to_contain_text("Only administrators and the team's operators can change its on-call.")
    screenshot(page, "oncall-rotation-create-stakeholder")
    assert Rotation.objects.count() == 1
