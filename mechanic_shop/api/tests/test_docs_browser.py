"""The docs pages in a real headless Chromium (mechanic_shop/testing/browser.py), against pytest-django's live
server, which serves the static files too: Swagger UI and ReDoc render, no request leaves the site, Swagger UI keeps
its token across a reload, and ReDoc shows no outside image."""

from urllib.parse import urlsplit

import pytest

from mechanic_shop.testing.browser import console_errors, page_requests, wait_until

pytestmark = [pytest.mark.browser]

SWAGGER_RENDERED = "typeof ui !== 'undefined' && document.querySelectorAll('.opblock-tag').length > 0"
REDOC_RENDERED = "document.querySelector('h1')?.textContent.includes('Mechanic Shop API')"


def _outside(url: str, site: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return False
    return f"{parts.scheme}://{parts.netloc}" != site


def _open(browser, url: str, rendered: str) -> list[tuple[str, str | None]]:
    """Open the page, wait until it has rendered and stopped loading: the requests it made."""
    browser.get(url)
    wait_until(browser, rendered)
    return page_requests(browser)


def _assert_nothing_left_the_site(requests: list[tuple[str, str | None]], site: str) -> None:
    assert any(url.startswith(f"{site}/static/") for url, _ in requests)  # the page did load its UI
    # A request the content security policy stopped never left the browser.
    left = [(url, why) for url, why in requests if _outside(url, site) and why != "csp"]
    assert left == []


def test_swagger_ui_loads_nothing_from_outside_and_keeps_the_token(browser, live_server):
    requests = _open(browser, f"{live_server.url}/api/docs", SWAGGER_RENDERED)
    _assert_nothing_left_the_site(requests, live_server.url)
    # What the Authorize dialog does with a pasted token.
    browser.execute_script(
        "ui.authActions.authorizeWithPersistOption({staffToken: {name: 'staffToken', "
        "schema: {type: 'http', scheme: 'bearer'}, value: 'token-from-the-test'}})"
    )
    browser.refresh()
    wait_until(browser, SWAGGER_RENDERED)
    kept = browser.execute_script("return ui.authSelectors.authorized().toJS()")
    assert kept.get("staffToken", {}).get("value") == "token-from-the-test"


def test_redoc_loads_nothing_from_outside(browser, live_server):
    requests = _open(browser, f"{live_server.url}/api/redoc", REDOC_RENDERED)
    _assert_nothing_left_the_site(requests, live_server.url)
    # ReDoc's vendor logo is the one outside image it asks for: blocked, and left out of the page.
    images = browser.execute_script("return Array.from(document.images, image => image.src)")
    assert [src for src in images if _outside(src, live_server.url)] == []
    # The console's only errors: the policy's refusals, one for each request it stopped.
    blocked = [url for url, why in requests if why == "csp"]
    errors = console_errors(browser)
    assert len(errors) == len(blocked)
    assert all("Content Security Policy" in error and any(url in error for url in blocked) for error in errors)
