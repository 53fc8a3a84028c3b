"""The account pages in a real browser: sign in, teams, tokens, and the phone layout."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from steadyops.accounts.models import ApiToken, Membership
from steadyops.testing.browser import screenshot, sign_in, watch_console
from steadyops.testing.personas import PASSWORD, make_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_signs_in_through_the_login_form(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    make_personas()
    page = browser_page
    errors = watch_console(page)
    page.goto(live_server.url + reverse("home"))
    assert page.url.startswith(live_server.url + reverse("login"))
    screenshot(page, "login")
    page.get_by_label("User name").fill("operator_a")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/")
    expect(page.get_by_role("heading", name="Hello, Operator A")).to_be_visible()
    expect(page.get_by_text("Platform").first).to_be_visible()
    screenshot(page, "home")
    assert errors == []


def test_it_shows_a_wrong_password_plainly(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    make_personas()
    page = browser_page
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("User name").fill("operator_a")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().startswith("Please enter a correct username and password.")


def test_an_admin_creates_a_team_and_adds_a_member(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    personas = make_personas()
    page = browser_page
    errors = watch_console(page)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server.url, personas.admin)
    page.goto(live_server.url + reverse("team_list"))
    page.get_by_role("link", name="New team").click()
    page.get_by_label("Name").fill("Search")
    page.get_by_label("Description").fill("Runs the search service")
    screenshot(page, "team_create")
    page.get_by_role("button", name="Create the team").click()
    page.wait_for_url(live_server.url + reverse("team_detail", args=["search"]))
    expect(page.get_by_text("The team Search is ready.")).to_be_visible()
    expect(page.get_by_text("Nobody is in this team yet.")).to_be_visible()
    page.get_by_label("Person").select_option(label="Viewer (viewer)")
    page.get_by_role("button", name="Add to Search").click()
    page.get_by_text("Viewer is now in Search.").wait_for()
    assert page.locator("#members tbody tr").count() == 1
    screenshot(page, "team_detail")
    assert Membership.objects.filter(team__slug="search", user=personas.viewer).exists()
    # htmx swapped the section in place: still the same page.
    assert page.url == live_server.url + reverse("team_detail", args=["search"])
    page.get_by_role("button", name="Remove Viewer").click()
    page.get_by_text("Viewer is no longer in Search.").wait_for()
    assert not Membership.objects.filter(team__slug="search").exists()
    assert errors == []


def test_a_form_error_appears_next_to_the_field(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    personas = make_personas()
    page = browser_page
    sign_in(page, live_server.url, personas.admin)
    page.goto(live_server.url + reverse("team_create"))
    page.get_by_label("Name").fill("Platform")
    page.get_by_role("button", name="Create the team").click()
    error = page.locator("#id_name_error")
    error.wait_for()
    assert "already exists" in error.inner_text()
    assert page.url == live_server.url + reverse("team_create")
    screenshot(page, "team_create_error")


def test_a_person_creates_and_revokes_a_token(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    personas = make_personas()
    page = browser_page
    errors = watch_console(page)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server.url, personas.operator_a)
    page.goto(live_server.url + "/")
    page.locator(".user-menu summary").click()
    page.get_by_role("link", name="My tokens").click()
    expect(page.get_by_text("You have no tokens yet.")).to_be_visible()
    assert page.get_by_label("all:").count() == 0
    page.get_by_label("Name").fill("platform deploys")
    page.get_by_label("write: Change what the token's owner may change").check()
    page.get_by_role("button", name="Make the token").click()
    secret = page.locator("#new-token-secret")
    secret.wait_for()
    token = ApiToken.objects.get(user=personas.operator_a)
    assert secret.inner_text().startswith(token.hint)
    expect(page.get_by_role("button", name="Copy to clipboard")).to_be_visible()
    screenshot(page, "token_created")
    page.get_by_role("button", name="Revoke").click()
    page.get_by_text("The token “platform deploys” no longer works.").wait_for()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert page.locator("#new-token-secret").count() == 0
    screenshot(page, "token_revoked")
    assert errors == []


@pytest.mark.phone
def test_the_home_page_fits_a_phone(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    personas = make_personas()
    page = browser_page
    errors = watch_console(page)
    sign_in(page, live_server.url, personas.admin)
    page.goto(live_server.url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    nav_link = page.locator("#site-nav").get_by_role("link", name="People")
    expect(nav_link).to_be_hidden()
    screenshot(page, "home_phone")
    page.get_by_role("button", name="Menu").click()
    expect(nav_link).to_be_visible()
    screenshot(page, "home_phone_menu")
    nav_link.click()
    page.wait_for_url(live_server.url + reverse("people_list"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "people_phone")
    assert errors == []
