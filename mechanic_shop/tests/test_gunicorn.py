"""gunicorn.conf.py trusts forwarded headers exactly as the Django settings do (SECURE_PROXY_SSL_HEADER)."""

import http.client
import json
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings


def _config(**env) -> dict:
    """gunicorn.conf.py's values, read in a new process with this environment."""
    code = (
        "import json, runpy; c = runpy.run_path('gunicorn.conf.py'); "
        "print(json.dumps({k: c[k] for k in ('secure_scheme_headers', 'forwarded_allow_ips')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_forwarded_header_is_trusted_when_the_settings_trust_none():
    assert _config() == {"secure_scheme_headers": {}, "forwarded_allow_ips": ""}
    # Not even from an address an operator lists: without SECURE_PROXY_SSL_HEADER there is no proxy to trust.
    assert _config(SECURE_PROXY_SSL_HEADER="false", GUNICORN_FORWARDED_ALLOW_IPS="10.0.0.2") == {
        "secure_scheme_headers": {},
        "forwarded_allow_ips": "",
    }


def test_only_x_forwarded_proto_and_only_from_the_proxy_when_the_settings_trust_it():
    assert _config(SECURE_PROXY_SSL_HEADER="true") == {
        "secure_scheme_headers": {"X-FORWARDED-PROTO": "https"},
        "forwarded_allow_ips": "127.0.0.1,::1",
    }
    assert _config(SECURE_PROXY_SSL_HEADER="true", GUNICORN_FORWARDED_ALLOW_IPS="10.0.0.2")["forwarded_allow_ips"] == (
        "10.0.0.2"
    )


def _get(url: str, headers: dict[str, str]) -> tuple[int, str | None]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", "/health", headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.headers.get("Location")
    finally:
        connection.close()


CLAIMS_HTTPS = [{"X-Forwarded-Proto": "https"}, {"X-Forwarded-Ssl": "on"}, {"X-Forwarded-Protocol": "ssl"}]


@pytest.mark.live
def test_a_client_behind_a_same_host_proxy_cannot_skip_the_https_redirect(live_server_workers):
    url = live_server_workers(workers=2, SECURE_SSL_REDIRECT="true", SECURE_PROXY_SSL_HEADER="false")
    for headers in [{}, *CLAIMS_HTTPS]:
        status, location = _get(url, headers)
        assert status == 301, headers
        assert location == f"https://127.0.0.1:{urlsplit(url).port}/health"


@pytest.mark.live
def test_the_proxys_x_forwarded_proto_is_trusted_when_the_settings_say_so(live_server_workers):
    url = live_server_workers(workers=2, SECURE_SSL_REDIRECT="true", SECURE_PROXY_SSL_HEADER="true")
    assert _get(url, {"X-Forwarded-Proto": "https"}) == (200, None)
    # The other headers gunicorn would trust by default still are not.
    for headers in [{}, {"X-Forwarded-Ssl": "on"}, {"X-Forwarded-Protocol": "ssl"}]:
        assert _get(url, headers)[0] == 301, headers


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_loading_the_wsgi_module_imports_every_view_before_gunicorn_forks():
    # gunicorn's master loads mechanic_shop.wsgi once (preload_app): the URLconf and the views behind it must be
    # loaded by then, or each new worker imports them on its first request while requests wait behind it.
    code = (
        "import sys; import mechanic_shop.wsgi; "
        "print(all(m in sys.modules for m in ('mechanic_shop.urls', 'customers.views', 'tickets.views')))"
    )
    assert _run(code) == "True"


def test_each_worker_is_forked_with_the_masters_objects_frozen():
    # What the master holds when it forks is out of the workers' garbage collections (and their shutdown's).
    code = (
        "import gc, runpy; import mechanic_shop.wsgi; c = runpy.run_path('gunicorn.conf.py'); "
        "before = gc.get_freeze_count(); c['pre_fork'](None, None); "
        "print(before == 0 and gc.get_freeze_count() > 10000)"
    )
    assert _run(code) == "True"
