"""Export a catalogue version as YAML or JSON (the import format) or its criteria as CSV."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cpo_portal.exports import csv_lines
from criteria.interchange import dump
from criteria.models import CatalogueVersion
from criteria.selectors.catalogue import CSV_COLUMNS, catalogue_as_canonical, criteria_csv_rows


class Command(BaseCommand):
    help = "Write a catalogue version in the format cpo-catalogue/1 (or its criteria as CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("version", help="the version code, e.g. demo-1")
        parser.add_argument("--format", choices=["yaml", "json", "csv"], default="yaml")
        parser.add_argument("--output", help="write to this file instead of standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        version = CatalogueVersion.objects.filter(code=options["version"]).first()
        if version is None:
            raise CommandError(f"There is no catalogue version {options['version']!r}.")
        fmt = options["format"]
        if fmt == "csv":
            text = "".join(csv_lines(CSV_COLUMNS, criteria_csv_rows(version)))
        else:
            text = dump(catalogue_as_canonical(version), fmt)
        if options["output"]:
            path = Path(options["output"])
            try:
                # newline="": the CSV rows carry their own line ends.
                with path.open("w", encoding="utf-8", newline="") as out:
                    out.write(text)
            except OSError as exc:
                raise CommandError(f"Cannot write {path}: {exc.strerror or exc}") from None
            self.stderr.write(f"Version {version.code} written to {path}.")
        else:
            self.stdout.write(text, ending="")
