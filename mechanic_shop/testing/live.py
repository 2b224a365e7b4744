"""Tests against real servers and processes on the test database: gunicorn workers, `manage.py shell`.

`live_server_workers` starts gunicorn (mark such tests `live`); `http_json` calls it; `run_in_another_process`
runs code the way an operator's shell would; `other_process_env` is the environment both get.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection

PROJECT_DIR = django_settings.BASE_DIR  # where manage.py and gunicorn.conf.py are
# How long a live server's workers get to finish their requests when a test stops it (gunicorn's default is 30 s).
GRACEFUL_SECONDS = 5


def other_process_env(settings) -> dict:
    """The environment for another process (a server, a management command) on this test database and cache."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        database_url = f"sqlite:///{db['NAME']}"
    else:
        database_url = (
            f"mysql://{quote(db['USER'])}:{quote(db['PASSWORD'])}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 3306}/{db['NAME']}"
        )
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "JWT_SIGNING_KEY": settings.SIMPLE_JWT["SIGNING_KEY"],
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
    }


def run_in_another_process(settings, code: str) -> str:
    """Run Python code in `manage.py shell` in a new process on this test database (as an operator would)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=PROJECT_DIR,
        env={**other_process_env(settings), "LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def live_server_workers(transactional_db, settings):
    """Start real gunicorn workers on the test database: live_server_workers(workers=4, **env) → base URL.

    The data a test makes before the call is committed (transactional_db), so the workers see it. The server
    gets the test process's secrets, and REDIS_URL when set, so tokens and the shared cache work across both.
    """
    servers = []

    def start(workers: int = 4, **env_overrides) -> str:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {
            **other_process_env(settings),
            "THROTTLE_ENABLED": "false",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_ACCESSLOG": "",
            "GUNICORN_GRACEFUL_TIMEOUT": str(GRACEFUL_SECONDS),
            "LOG_LEVEL": "WARNING",
            **env_overrides,
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "mechanic_shop.wsgi:application"],
            cwd=PROJECT_DIR,
            env=env,
            start_new_session=True,
        )
        servers.append(server)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            # Any answer will do: unhealthy (a test may start it with a part down on purpose) or a redirect to HTTPS.
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                connection.request("GET", "/health")
                connection.getresponse().read()
                return url
            except OSError:
                time.sleep(0.2)  # not listening yet
            finally:
                connection.close()
        raise RuntimeError("gunicorn did not answer /health within 30 s")

    yield start
    for server in servers:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=GRACEFUL_SECONDS + 10)
        except subprocess.TimeoutExpired:
            # A worker still inside a request (a busy CI machine, a client that never finished): the test's answers
            # are in already, so stop the group outright rather than fail the test at teardown.
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


def http_json(method: str, url: str, body=None, token: str | None = None) -> tuple[int, dict]:
    """One request on a new connection (so requests spread over the workers): (status, JSON body)."""
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
