"""Restore a backup archive into an empty, freshly migrated database and its media storage."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from cpo_portal.backup.services import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty, freshly migrated "
        "database: every SHA-256 is checked first, the rows load in one transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The archive to restore.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the data of a database that is not empty, and media files that differ.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = backup_restore(
                path=options["path"], using=options["database"], force=options["force"]
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        out = self.stdout.write
        out(
            _("Checked the SHA-256 of the data and of every file of %(path)s.")
            % {"path": summary.path}
        )
        if summary.replaced_data:
            out(_("Replaced the data that was in the database (--force)."))
        out(
            _("Loaded %(rows)d rows into %(tables)d tables in one transaction; row counts match.")
            % {"rows": summary.rows, "tables": summary.tables}
        )
        out(
            _("Restored %(written)d media files (%(present)d already in place, %(size)s bytes).")
            % {
                "written": summary.files - summary.files_already_present,
                "present": summary.files_already_present,
                "size": summary.media_bytes,
            }
        )
        out(
            _("Reset %(count)d id sequences; cleared the cache.")
            % {"count": summary.sequences_reset}
        )
        self.stdout.write(self.style.SUCCESS(_("Restore complete.")))
