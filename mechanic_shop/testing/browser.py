"""A real headless Chromium for browser tests (mark them `browser`): the `browser` fixture. Screenshots
are read with Pillow.

Debian's `chromium` and `chromium-driver` packages provide it (CI installs them). Where they, or selenium, are
missing, the tests skip; under CI (CI=true) they fail instead, so a CI run never passes without them.
"""

import os
import shutil

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


class By:
    """selenium's locator strategies, here so that a test module imports without selenium (and then skips)."""

    ID = "id"
    CSS_SELECTOR = "css selector"


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def browser(settings):
    """A headless Chromium through chromedriver; at the end, its console must hold no error."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (requirements-dev.txt)")
    binary = next((path for path in map(shutil.which, BROWSERS) if path), None)
    driver_path = shutil.which("chromedriver")
    if binary is None or driver_path is None:
        _unavailable("no chromium or chromedriver on PATH (apt-get install chromium chromium-driver)")
    # The live server speaks plain HTTP: cookies marked Secure (DEBUG off) would not come back.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # Both paths given, so selenium never tries to download a browser or driver of its own.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.implicitly_wait(5)
    try:
        yield driver
        # The browser asks for /favicon.ico on its own; the site has none (a 404), which is no page's error.
        errors = [
            entry["message"]
            for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" and "/favicon.ico" not in entry["message"]
        ]
        assert not errors, errors
    finally:
        driver.quit()

