"""Data-migration tests: `migrate(targets)` moves the test database to `targets` (a list of (app, migration)) and
returns the historical apps of that state, so rows can be made as an older release made them; afterwards the
database goes back to the latest state."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.fixture
def migrate(transactional_db):
    def to(targets):
        MigrationExecutor(connection).migrate(targets)
        return MigrationExecutor(connection).loader.project_state(targets).apps

    yield to
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
