"""The docs pages (mechanic_shop/api/docs.py) load everything from the site itself; Swagger UI keeps its token.

What a browser really fetches is checked in headless Chromium by test_docs_browser.py.
"""

import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from mechanic_shop.api.docs import DOCS_CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.django_db


class _Resources(HTMLParser):
    """Every URL an HTML page makes the browser load: script src, link href (styles, icons, preconnects), img src."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src"}
        wanted = dict(attrs).get(names.get(tag, ""))
        if wanted:
            self.urls.append(wanted)


def _resources(html: str) -> list[str]:
    parser = _Resources()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize("name", ["swagger-ui", "redoc"])
def test_docs_pages_load_only_the_sites_own_files(anon_client, name):
    response = anon_client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    urls = _resources(html)
    assert urls, "the page loads its UI from static files"
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme, url  # relative to the site, never another host
        assert not parts.netloc, url
        assert url.startswith("/static/drf_spectacular_sidecar/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not one of the site's static files"
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", html)
    assert "fonts.googleapis.com" not in html
    assert "fonts.gstatic.com" not in html


@pytest.mark.parametrize("name", ["swagger-ui", "redoc"])
def test_docs_pages_keep_the_browser_on_the_site(anon_client, name):
    policy = anon_client.get(reverse(name)).headers["Content-Security-Policy"]
    assert policy == DOCS_CONTENT_SECURITY_POLICY
    directives = dict(directive.split(" ", 1) for directive in policy.split("; "))
    # Nothing but the site (and inline/data/blob content it makes itself) for any kind of resource.
    for kind in ("default-src", "script-src", "style-src", "img-src", "font-src", "connect-src", "worker-src"):
        sources = set(directives[kind].split())
        assert sources <= {"'self'", "'unsafe-inline'", "data:", "blob:"}, kind


def test_swagger_ui_keeps_the_token_across_a_reload_and_asks_no_validator(anon_client):
    html = anon_client.get(reverse("swagger-ui")).content.decode()
    settings = json.loads(re.search(r"const swaggerSettings = (\{.*?\});", html, re.S).group(1))
    assert settings["persistAuthorization"] is True
    assert settings["validatorUrl"] is None


def test_the_schema_needs_no_token_even_a_stale_one(anon_client):
    anon_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = anon_client.get(reverse("schema"))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.oai.openapi")
