"""Helpers of the migration tests: move the test database to a migration state and back, and
read or write rows with plain SQL (the models of the code may not match that state)."""

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(*targets: tuple[str, str]) -> Apps:
    """Migrate to `targets` (every app's latest when none); the models of that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    nodes = list(targets) or executor.loader.graph.leaf_nodes()
    executor.migrate(nodes)
    return executor.loader.project_state(nodes).apps


def rows(sql: str, *params: object) -> list[tuple]:
    """Run `sql`; the rows it returns (none for an UPDATE or INSERT)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []
