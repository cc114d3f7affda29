"""The database half of a backup: every model of every installed app, found through the app
registry (the floor imports no feature app), as Django JSON Lines with primary keys kept.

Content types and permissions are not in the archive: `migrate` makes them in every
database, with ids of its own. References to them travel by natural key instead, so an
archive loads into any freshly migrated database.

Rows are written in primary-key order, never in the order they were inserted: ballots have
random keys so that their order says nothing about who voted when, and a backup must not
bring that order back (nor must a restore, which inserts them in key order).
"""

import datetime
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from django.apps import apps
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers import jsonl
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils.timezone import is_aware
from django.utils.translation import gettext as _

from .archive import BackupError

# Rows that `migrate` makes in every database (post_migrate handlers).
MADE_BY_MIGRATE = {"contenttypes.contenttype", "auth.permission"}
# Also made by `migrate` (the CPO office group), yet edited by people, so it is in the
# archive; its presence alone does not make a database "not empty".
PRESENT_AFTER_MIGRATE = {"auth.group"}

Model = type[models.Model]


def label(model: Model) -> str:
    return model._meta.label_lower


def backed_up_models(using: str) -> list[Model]:
    """Concrete, Django-managed models whose rows this database holds."""
    return [
        model
        for model in apps.get_models()
        if label(model) not in MADE_BY_MIGRATE
        and not model._meta.proxy
        and model._meta.managed
        and router.allow_migrate_model(using, model)
    ]


def _automatic_m2m(model: Model) -> list[Any]:
    """The many-to-many fields whose through table Django made (serialized with the owner)."""
    fields: list[Any] = list(model._meta.local_many_to_many)
    return [field for field in fields if field.remote_field.through._meta.auto_created]


def m2m_tables(models_: Iterable[Model]) -> list[Model]:
    return [field.remote_field.through for model in models_ for field in _automatic_m2m(model)]


class ExactJSONEncoder(DjangoJSONEncoder):
    """Times with their microseconds: Django's encoder cuts them to milliseconds, and a
    restored timestamp must be the same value (ETags and orderings are built from them)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.time):
            if isinstance(o, datetime.time) and is_aware(o):
                raise ValueError("JSON can't represent timezone-aware times.")
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class Serializer(jsonl.Serializer):
    """JSON Lines with primary keys, except for references to rows made by `migrate`."""

    _current: dict[str, Any]

    def __init__(self, using: str) -> None:
        super().__init__()
        self.using = using
        self.natural_keys: dict[Model, dict[Any, list[Any]]] = {}

    def _natural(self, model: Model, pk: Any) -> list[Any]:
        if model not in self.natural_keys:
            rows: Iterable[Any] = model._base_manager.using(self.using).select_related()
            self.natural_keys[model] = {row.pk: list(row.natural_key()) for row in rows}
        return self.natural_keys[model][pk]

    def handle_fk_field(self, obj: models.Model, field: Any) -> None:
        model = field.remote_field.model
        if label(model) not in MADE_BY_MIGRATE:
            return super().handle_fk_field(obj, field)
        pk = getattr(obj, field.attname)
        self._current[field.name] = None if pk is None else self._natural(model, pk)

    def handle_m2m_field(self, obj: models.Model, field: Any) -> None:
        model = field.remote_field.model
        if label(model) not in MADE_BY_MIGRATE or not field.remote_field.through._meta.auto_created:
            return super().handle_m2m_field(obj, field)
        related = getattr(obj, field.name).all()
        self._current[field.name] = sorted(self._natural(model, row.pk) for row in related)


class _Counted:
    def __init__(self, rows: Iterator[models.Model]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[models.Model]:
        for row in self.rows:
            self.count += 1
            yield row


def dump(stream: TextIO, using: str) -> dict[str, int]:
    """Write every row to `stream` (streamed, chunk by chunk); returns the rows per table."""
    serializer = Serializer(using)
    counts: dict[str, int] = {}
    selected = backed_up_models(using)
    for model in selected:
        m2m = [field.name for field in _automatic_m2m(model) if field.serialize]
        rows = model._base_manager.using(using).order_by(model._meta.pk.name)
        if m2m:
            rows = rows.prefetch_related(*m2m)
        counted = _Counted(rows.iterator(chunk_size=1000))
        serializer.serialize(counted, stream=stream, cls=ExactJSONEncoder)
        counts[label(model)] = counted.count
    for through in m2m_tables(selected):
        counts[label(through)] = through._base_manager.using(using).count()
    return counts


def load(lines: Iterable[bytes], using: str) -> int:
    """Insert every row of the archive; foreign keys are checked once at the end."""
    connection = connections[using]
    rows = 0
    with connection.constraint_checks_disabled():
        objects = serializers.deserialize(
            "jsonl", lines, using=using, handle_forward_references=False
        )
        for obj in objects:
            # The tables were emptied first: an insert, never an update attempt.
            obj.save(using=using, force_insert=True)
            rows += 1
    selected = backed_up_models(using)
    tables = [model._meta.db_table for model in [*selected, *m2m_tables(selected)]]
    connection.check_constraints(table_names=tables)
    return rows


def table_labels(using: str) -> list[str]:
    selected = backed_up_models(using)
    return [label(model) for model in [*selected, *m2m_tables(selected)]]


def counts(using: str, labels: Iterable[str]) -> dict[str, int]:
    return {name: apps.get_model(name)._base_manager.using(using).count() for name in labels}


def tables_with_rows(using: str) -> list[str]:
    """The tables that hold data a restore would replace (beyond what `migrate` makes)."""
    return [
        label(model)
        for model in backed_up_models(using)
        if label(model) not in PRESENT_AFTER_MIGRATE and model._base_manager.using(using).exists()
    ]


def empty_tables(using: str) -> None:
    """Delete every row a restore replaces, inside the caller's transaction."""
    connection = connections[using]
    selected = backed_up_models(using)
    tables = [model._meta.db_table for model in [*selected, *m2m_tables(selected)]]
    if connection.vendor == "postgresql":
        # TRUNCATE refuses a table with foreign-key checks still pending from earlier
        # writes of the same transaction (--force); run those checks now.
        connection.check_constraints()
    statements = connection.ops.sql_flush(no_style(), tables, allow_cascade=False)
    connection.ops.execute_sql_flush(statements)


def reset_sequences(using: str) -> int:
    """Point every id sequence past the restored ids (PostgreSQL; SQLite needs nothing)."""
    connection = connections[using]
    selected = backed_up_models(using)
    statements = connection.ops.sequence_reset_sql(no_style(), [*selected, *m2m_tables(selected)])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return len(statements)


def migration_state(using: str) -> dict[str, list[str]]:
    """Applied migrations per app, as the database records them."""
    state: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        state.setdefault(app_label, []).append(name)
    return state


def check_migration_state(archived: dict[str, list[str]], using: str) -> None:
    """Refuse a database that is not migrated to exactly the archive's state."""
    executor = MigrationExecutor(connections[using])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise BackupError(
            _("The database is not fully migrated (%(count)d pending). Run `manage.py migrate`.")
            % {"count": len(pending)}
        )
    here = migration_state(using)
    ours = {(app, name) for app, names in here.items() for name in names}
    theirs = {(app, name) for app, names in archived.items() for name in names}
    if ours != theirs:
        only_archive = [".".join(m) for m in sorted(theirs - ours)][:5]
        only_code = [".".join(m) for m in sorted(ours - theirs)][:5]
        raise BackupError(
            _(
                "The archive was made at another migration state than this code. Only in the "
                "archive: %(archive)s. Only in this code: %(code)s. Restore it with the code "
                "version that made it, then upgrade."
            )
            % {"archive": ", ".join(only_archive) or "-", "code": ", ".join(only_code) or "-"}
        )
