import pytest

from steadyops.testing.browser import screenshot


@pytest.mark.browser
def test_it_renders_the_docs_in_a_browser_without_csp_violations(browser_page):
    page = browser_page
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: messages.append(str(error)))
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))

    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    page.wait_for_selector('.opblock-summary-path[data-path="/api/v1/teams"]')
    screenshot(page, "api-docs")

    assert "steadyops API" in page.inner_text(".swagger-ui .info .title")
    assert [m for m in messages if "Content Security Policy" in m or "Refused" in m] == []
    assert failed == []
