"""Shared fixtures: one API client per kind of caller (API.md §2), with real JWTs."""

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from model_bakery import baker
from rest_framework.test import APIClient

from customers.services import customer_set_password
from mechanic_shop.accounts.authentication import ROLE_CUSTOMER, ROLE_STAFF
from mechanic_shop.accounts.tokens import issue_tokens

CUSTOMER_PASSWORD = "Tr1cky-Gearbox-42"
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # throttle counters and cached pages must not leak between tests
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_throttles_by_default(settings):
    # Throttle tests switch them back on with small rates; everything else should not trip over them.
    settings.THROTTLE_ENABLED = False


@pytest.fixture
def anon_client():
    return APIClient()


def client_with_token(user, role: str) -> APIClient:
    client = APIClient()
    _refresh, access = issue_tokens(user, role)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    client.user = user
    return client


@pytest.fixture
def make_staff(db):
    """A staff user holding the given permissions, e.g. make_staff("customers.view_customer")."""

    def make(*perms: str, username: str | None = None, **fields):
        fields = {"is_staff": True, "is_active": True, **fields}
        user = baker.make(get_user_model(), username=username or f"staff{next(_serial)}", **fields)
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        return user

    return make


@pytest.fixture
def staff_client(make_staff):
    """A client for a staff user with the given permissions: staff_client("inventory.view_part")."""

    def make(*perms: str, **fields):
        return client_with_token(make_staff(*perms, **fields), ROLE_STAFF)

    return make


@pytest.fixture
def admin_client_api(db):
    """A superuser's API client: every permission."""
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "Sup3r-Secret-Boss")
    return client_with_token(user, ROLE_STAFF)


@pytest.fixture
def make_customer(db):
    """A customer; with_login=True gives it a login with CUSTOMER_PASSWORD."""

    def make(with_login: bool = True, **fields):
        fields.setdefault("email", f"customer{next(_serial)}@example.com")
        fields.setdefault("phone_number", "555-0100")
        fields.setdefault("name", "Dana Driver")
        customer = baker.make("customers.Customer", **fields)
        if with_login:
            customer_set_password(customer=customer, password=CUSTOMER_PASSWORD)
        return customer

    return make


@pytest.fixture
def customer(make_customer):
    return make_customer()


@pytest.fixture
def other_customer(make_customer):
    return make_customer(name="Olive Other")


@pytest.fixture
def customer_client(customer):
    return client_with_token(customer.user, ROLE_CUSTOMER)


@pytest.fixture
def other_customer_client(other_customer):
    return client_with_token(other_customer.user, ROLE_CUSTOMER)


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
        cwd=Path(__file__).parent,
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
            "LOG_LEVEL": "WARNING",
            **env_overrides,
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "mechanic_shop.wsgi:application"],
            cwd=Path(__file__).parent,
            env=env,
            start_new_session=True,
        )
        servers.append(server)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2):
                    return url
            except urllib.error.HTTPError:
                return url  # answering, if unhealthy (a test may start it with a part down on purpose)
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /health within 30 s")

    yield start
    for server in servers:
        os.killpg(server.pid, signal.SIGTERM)
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
