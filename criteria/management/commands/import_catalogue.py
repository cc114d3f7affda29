"""Import a catalogue file (docs/catalogue-format.md); refused as a whole on any error."""

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from criteria.interchange import CatalogueInvalid, parse
from criteria.selectors.catalogue import version_summary
from criteria.services.catalogue import catalogue_import


class Command(BaseCommand):
    help = "Import a catalogue version from a YAML or JSON file in the format cpo-catalogue/1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .yaml, .yml or .json file")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publish the version right after a successful import",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from None
        try:
            data = parse(content, filename=path.name.lower())
            version, outcome = catalogue_import(data=data, by=None, publish=options["publish"])
        except CatalogueInvalid as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            count = len(exc.errors)
            raise CommandError(
                f"{path.name}: {count} error{'s' if count != 1 else ''}; nothing was imported."
            ) from None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        summary = version_summary(version)
        self.stdout.write(
            self.style.SUCCESS(f"Version {version.code}: {outcome} ({version.status}).")
        )
        self.stdout.write(
            f"{summary.categories} categories, {summary.criteria} criteria, "
            f"{summary.schemes} schemes, {summary.assessment_criteria} assessment criteria, "
            f"{summary.mappings} mapping links."
        )
