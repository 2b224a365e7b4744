"""A real headless Chromium for browser tests (mark them `browser`): the `browser` fixture, and helpers to wait for
a page (`wait_until`) and to list the requests it made (`page_requests`). Screenshots are read with Pillow.

Debian's `chromium` and `chromium-driver` packages provide it (CI installs them). Where they, or selenium, are
missing, the tests skip; under CI (CI=true) they fail instead, so a CI run never passes without them.
"""

import json
import os
import shutil
import time

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


def console_errors(driver) -> list[str]:
    """The console's errors since the last call (reading the log empties it), but the favicon's: the browser asks for
    /favicon.ico on its own and the site has none (a 404), which is no page's error."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and "/favicon.ico" not in entry["message"]
    ]


@pytest.fixture
def browser(settings, tmp_path_factory):
    """A headless Chromium through chromedriver; at the end, its console must hold no error (a test that expects
    some reads them first with `console_errors`). Its temporary files (profile, singleton socket) go to a directory
    of pytest's, which pytest cleans up: Chromium leaves a directory in /tmp behind on every run otherwise."""
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
    # The console, and the performance log: the DevTools protocol's Network events, for `page_requests`.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # Both paths given, so selenium never tries to download a browser or driver of its own.
    scratch = tmp_path_factory.mktemp("chromium")
    service = Service(executable_path=driver_path, env={**os.environ, "TMPDIR": str(scratch)})
    driver = webdriver.Chrome(options=options, service=service)
    driver.implicitly_wait(5)
    try:
        yield driver
        errors = console_errors(driver)
        assert not errors, errors
    finally:
        driver.quit()


def wait_until(driver, script: str, timeout: float = 30) -> None:
    """Wait until the JavaScript expression `script` is true in the page (a TimeoutException after `timeout`)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(lambda page: page.execute_script(f"return !!({script})"), message=script)


def page_requests(driver, quiet: float = 1.5, timeout: float = 20) -> list[tuple[str, str | None]]:
    """Every request the browser started since the last call, once none has started or ended for `quiet` seconds
    (late ones: images, fonts, a logo): (url, why it failed, or None). Why: the DevTools protocol's blockedReason,
    e.g. "csp" for one the page's Content-Security-Policy stopped before it left the browser, else its error text.

    Read from Chromium's performance log (Network.requestWillBeSent and Network.loadingFailed events), which
    reading empties."""
    events: list[dict] = []
    deadline, last_news = time.monotonic() + timeout, time.monotonic()
    while (now := time.monotonic()) - last_news < quiet:
        if now > deadline:
            raise TimeoutError(f"the page was still loading after {timeout} s")
        news = [
            message
            for entry in driver.get_log("performance")
            if (message := json.loads(entry["message"])["message"])["method"].startswith("Network.")
        ]
        if news:
            events += news
            last_news = time.monotonic()
        time.sleep(0.25)
    failed = {
        event["params"]["requestId"]: event["params"].get("blockedReason") or event["params"].get("errorText")
        for event in events
        if event["method"] == "Network.loadingFailed"
    }
    return [
        (event["params"]["request"]["url"], failed.get(event["params"]["requestId"]))
        for event in events
        if event["method"] == "Network.requestWillBeSent"
    ]
