"""A pytest plugin loaded before Django (`-p mechanic_shop.testing.plugin` in pytest.ini).

Tests run with DEBUG off (pytest-django's default), so the secrets must exist before settings load; these
are for tests only. Values already in the environment (CI's DATABASE_URL, REDIS_URL) win.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("JWT_SIGNING_KEY", "test-only-jwt-signing-key-not-for-production-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")


def pytest_report_header(config):
    """Say which database and cache the suite runs on, so a CI log shows both runs apart."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    return [
        f"database: {database['ENGINE'].rsplit('.', 1)[-1]} "
        f"({database.get('HOST') or database.get('TEST', {}).get('NAME') or database['NAME']})",
        f"cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}",
    ]


def pytest_sessionfinish(session, exitstatus):
    """Remove the generation files this run's test databases left (mechanic_shop/core/generations.py)."""
    import shutil

    from mechanic_shop.core import generations

    for directory in generations.FILE_STORE.directories.values():
        shutil.rmtree(directory, ignore_errors=True)
