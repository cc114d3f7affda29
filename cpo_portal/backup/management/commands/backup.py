"""Back up the database and the media files into one tar.gz archive."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone
from django.utils.translation import gettext as _

from cpo_portal.backup.services import BackupError, backup_create


def default_path() -> Path:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return Path(settings.BASE_DIR) / "var" / "backups" / f"cpo-portal-{stamp}.tar.gz"


class Command(BaseCommand):
    help = "Back up the database and the media files into one .tar.gz archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            type=Path,
            help="The archive to write (default: var/backups/cpo-portal-<time>.tar.gz).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"] or default_path()
        try:
            summary = backup_create(path=path, using=options["database"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Backed up %(rows)d rows of %(tables)d tables and %(files)d media files ")
            % {"rows": summary.rows, "tables": summary.tables, "files": summary.files}
            + _("(%(media)s bytes) to %(path)s (%(size)s bytes).")
            % {"media": summary.media_bytes, "path": summary.path, "size": summary.archive_bytes}
        )
        self.stdout.write(self.style.SUCCESS(_("Backup complete.")))
