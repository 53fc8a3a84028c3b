"""Playwright on Debian's Chromium, never a downloaded browser."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from steadyops.accounts import backends

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, but the tests' database calls (and the
    # flush after each test) are synchronous: set for the rest of the session on purpose.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium, live_server, django_db_setup, request) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh page on the live server; use sign_in(page, live_server.url, user) to act as someone."""
    viewport = (
        {"width": 390, "height": 844} if request.node.get_closest_marker("phone") else {"width": 1280, "height": 900}
    )
    context = chromium.new_context(base_url=live_server.url, viewport=viewport)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, base_url: str, user) -> None:  # type: ignore[no-untyped-def]
    """Give the browser a signed-in session for user, as if they had typed their password."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backends.PATH
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": base_url}])


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, caret="initial")
    return path


def watch_console(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Console errors and uncaught exceptions of the page: CSP violations, failed assets, script errors."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors
