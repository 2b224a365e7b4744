"""The test suite's settings, in one place: a pytest plugin loaded before Django (`-p mechanic_shop.testing.plugin`
in pytest.ini).

The project has one settings module, read from the environment; what tests change about it is all here:

- the secrets, set in the environment before the settings load (tests run with DEBUG off, pytest-django's default,
  so they must exist; these are for tests only). Values already there (CI's DATABASE_URL, REDIS_URL) win;
- `TEST_SETTINGS`, applied for the whole run: a fast password hasher, and rate limits off (a throttle test switches
  them on with small rates: the `throttle_rates` fixture, or pytest-django's `settings`);
- the caches, emptied around every test (throttle counters and cached pages must not leak from one to the next);
- on SQLite, the test database as a file, one per test process (`sqlite_test_path`), so that a server a test starts
  (another process) sees it and two runs side by side do not share it.

It also registers the shared fixtures (clients.py, factories.py, live.py, browser.py, migrations.py, redis.py) once
Django is set up.
"""

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("JWT_SIGNING_KEY", "test-only-jwt-signing-key-not-for-production-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

TEST_SETTINGS = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "THROTTLE_ENABLED": False,
}

# The fixture modules import models, so they load after pytest-django has set Django up (see below).
FIXTURE_MODULES = (
    "mechanic_shop.testing.factories",
    "mechanic_shop.testing.clients",
    "mechanic_shop.testing.live",
    "mechanic_shop.testing.browser",
    "mechanic_shop.testing.migrations",
    "mechanic_shop.testing.redis",
)


def sqlite_test_path() -> str:
    """Where this test process keeps its SQLite test database: TEST_SQLITE_PATH, or a file per process in tmp."""
    return os.environ.get("TEST_SQLITE_PATH") or str(
        Path(tempfile.gettempdir()) / f"mechanic-shop-test-{os.getpid()}.sqlite3"
    )


class SettingsFixtures:
    """This plugin's fixtures. Of two plugins' fixtures with one name pytest takes the one registered last, and the
    installed plugins (pytest-django) register after the `-p` ones: so these are registered later, from
    `pytest_load_initial_conftests` below, for `django_db_modify_db_settings` to override pytest-django's."""

    @pytest.fixture(scope="session")
    @classmethod
    def django_db_modify_db_settings(cls, django_db_modify_db_settings_parallel_suffix):
        """pytest-django's hook to change the database settings before it creates the test databases.

        On SQLite, Django would make the test database in memory, where no other process can open it. Kept (by
        depending on it): pytest-django's suffix for parallel runs (tox, xdist), which names MySQL ones apart.
        """
        from django.conf import settings

        database = settings.DATABASES["default"]
        if database["ENGINE"] == "django.db.backends.sqlite3":
            database.setdefault("TEST", {})["NAME"] = sqlite_test_path()

    @pytest.fixture(scope="session", autouse=True)
    @classmethod
    def _test_settings(cls):
        from django.test import override_settings

        with override_settings(**TEST_SETTINGS):
            yield

    @pytest.fixture
    @classmethod
    def throttle_rates(cls, settings):
        """Rate limits are off in tests; this switches them on with only the given rates, e.g.
        throttle_rates(login="2/minute"). Scopes: anon_short, anon_long, user_short, user_long, login, register."""

        def switch_on(**rates):
            settings.THROTTLE_ENABLED = True
            settings.THROTTLE_RATES = dict.fromkeys(settings.THROTTLE_RATES) | rates

        return switch_on

    @pytest.fixture(autouse=True)
    @classmethod
    def _fresh_cache(cls):
        from django.core.cache import caches

        from mechanic_shop.accounts.backends import forget_recent_permission_sets
        from mechanic_shop.events.services import forget_webhooks

        for alias in caches:
            caches[alias].clear()
        forget_webhooks()  # a test's webhooks roll back with it, without the bump a delete makes
        forget_recent_permission_sets()  # and its users' ids come back in the next test, with other permissions
        yield
        for alias in caches:
            caches[alias].clear()


@pytest.hookimpl(trylast=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """pytest-django sets Django up in this same hook; running after it, the fixture modules can import models."""
    from django.apps import apps

    if not apps.ready:  # Django could not be set up, e.g. `pytest --help` on a broken configuration
        return
    early_config.pluginmanager.register(SettingsFixtures(), "mechanic_shop.testing.plugin.fixtures")
    for name in FIXTURE_MODULES:
        early_config.pluginmanager.import_plugin(name)


def pytest_report_header(config):
    """Say which database and cache the suite runs on, so a CI log shows both runs apart."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    where = sqlite_test_path() if database["ENGINE"].endswith("sqlite3") else database.get("HOST") or database["NAME"]
    return [
        f"database: {database['ENGINE'].rsplit('.', 1)[-1]} ({where})",
        f"cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}",
    ]


def pytest_sessionfinish(session, exitstatus):
    """Remove the generation files this run's test databases left (mechanic_shop/core/generations.py)."""
    import shutil

    from mechanic_shop.core import generations

    for directory in generations.FILE_STORE.directories.values():
        shutil.rmtree(directory, ignore_errors=True)
