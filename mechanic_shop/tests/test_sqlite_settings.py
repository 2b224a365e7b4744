"""The SQLite connection's settings (mechanic_shop/settings.py): on MariaDB these do not apply."""

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own settings"),
]


def test_a_connection_caches_64_mib_of_pages():
    # A page of 100 tickets reads about 3 MB of scattered pages; SQLite's default cache is 2 MB (decision 0042).
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        assert cursor.fetchone()[0] == -65536  # negative: KiB, not pages
