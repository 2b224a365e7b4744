"""The docs pages in a real browser (headless Chromium): they render, no request leaves the site, and Swagger UI keeps
its token across a reload.

Chromium is driven over its DevTools protocol on a pipe (--remote-debugging-pipe: JSON messages ended by a NUL byte
on file descriptors 3 and 4), so no browser-driver package is needed. Skipped where Chromium is not installed,
except in CI (CI=true), where a missing browser is a failure.
"""

import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
if CHROMIUM is None and os.environ.get("CI", "").lower() != "true":
    pytestmark.append(pytest.mark.skip(reason="headless Chromium is not installed (apt-get install chromium)"))


class Browser:
    """One headless Chromium with one page, spoken to over the DevTools protocol."""

    def __init__(self, profile_dir: str) -> None:
        assert CHROMIUM, "Chromium is required in CI"
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        # Chromium reads commands on fd 3 and writes answers on fd 4: move our ends out of the way first.
        child_r, child_w = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser_r, from_browser_w))

        def wire_up() -> None:
            os.dup2(child_r, 3)
            os.dup2(child_w, 4)

        self.process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",  # tests may run as root
                "--disable-gpu",
                "--remote-debugging-pipe",
                f"--user-data-dir={profile_dir}",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "about:blank",
            ],
            preexec_fn=wire_up,
            pass_fds=(3, 4),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for fd in (to_browser_r, from_browser_w, child_r, child_w):
            os.close(fd)
        self.writer, self.reader = to_browser_w, from_browser_r
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Network", "Page", "Runtime"):
            self.call(f"{domain}.enable", session=True)

    def _receive(self, timeout: float) -> dict | None:
        while b"\0" not in self.buffer:
            ready, _, _ = select.select([self.reader], [], [], timeout)
            if not ready:
                return None
            data = os.read(self.reader, 1 << 16)
            if not data:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buffer += data
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, session: bool = False, **params) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self.writer, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            answer = self._receive(timeout=deadline - time.monotonic())
            if answer is None:
                break
            if answer.get("id") == self.next_id:
                assert "error" not in answer, answer
                return answer["result"]
            if "method" in answer:
                self.events.append(answer)
        raise TimeoutError(method)

    def idle(self, seconds: float) -> None:
        """Collect events for `seconds`."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            event = self._receive(timeout=left)
            if event is not None and "method" in event:
                self.events.append(event)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not self.evaluate(expression):
            if time.monotonic() > deadline:
                raise TimeoutError(expression)
            self.idle(0.25)

    def requests(self) -> list[tuple[str, str | None]]:
        """Every request the page started: (url, why the browser blocked it, or None)."""
        blocked = {
            event["params"]["requestId"]: event["params"].get("blockedReason") or event["params"].get("errorText")
            for event in self.events
            if event.get("method") == "Network.loadingFailed"
        }
        return [
            (event["params"]["request"]["url"], blocked.get(event["params"]["requestId"]))
            for event in self.events
            if event.get("method") == "Network.requestWillBeSent"
        ]

    def close(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)
        os.close(self.writer)
        os.close(self.reader)


@pytest.fixture
def browser(tmp_path):
    chromium = Browser(str(tmp_path / "profile"))
    yield chromium
    chromium.close()


@pytest.fixture
def docs_server(live_server_workers):
    # DEBUG serves the static files straight from the packages (no collectstatic); the pages are the same.
    return live_server_workers(workers=1, DEBUG="true")


def _outside(url: str, site: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return False
    return f"{parts.scheme}://{parts.netloc}" != site


def _open(browser: Browser, url: str, rendered: str) -> None:
    browser.call("Page.navigate", session=True, url=url)
    browser.wait_for(rendered)
    browser.idle(1.5)  # late requests: images, fonts, the logo


def _assert_nothing_left_the_site(browser: Browser, site: str) -> None:
    requests = browser.requests()
    assert any(url.startswith(f"{site}/static/") for url, _ in requests)  # the page did load its UI
    # A request the content security policy stopped never left the browser.
    left = [(url, blocked) for url, blocked in requests if _outside(url, site) and blocked != "csp"]
    assert left == []


def test_swagger_ui_loads_nothing_from_outside_and_keeps_the_token(browser, docs_server):
    _open(browser, f"{docs_server}/api/docs", "document.querySelectorAll('.opblock-tag').length > 0")
    _assert_nothing_left_the_site(browser, docs_server)
    # What the Authorize dialog does with a pasted token.
    browser.evaluate(
        "ui.authActions.authorizeWithPersistOption({staffToken: {name: 'staffToken', "
        "schema: {type: 'http', scheme: 'bearer'}, value: 'token-from-the-test'}})"
    )
    browser.call("Page.reload", session=True)
    browser.idle(0.5)
    browser.wait_for("typeof ui !== 'undefined' && document.querySelectorAll('.opblock-tag').length > 0")
    kept = browser.evaluate("ui.authSelectors.authorized().toJS()")
    assert kept["staffToken"]["value"] == "token-from-the-test"


def test_redoc_loads_nothing_from_outside(browser, docs_server):
    _open(
        browser,
        f"{docs_server}/api/redoc",
        "!!document.querySelector('h1') && document.querySelector('h1').textContent.includes('Mechanic Shop API')",
    )
    _assert_nothing_left_the_site(browser, docs_server)
    # ReDoc's vendor logo is the one outside image it asks for: blocked, and left out of the page.
    assert browser.evaluate("document.querySelectorAll('img[src^=\"http\"]').length") == 0
