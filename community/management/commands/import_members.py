"""Import the prostep ivip member list from the command line: the dry run is printed; with
--apply it is applied at once (README, "Importing the prostep ivip member list")."""

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from community.member_list import MAX_BYTES
from community.models import MembershipImport
from community.services.membership import membership_import_apply, membership_import_create
from cpo_portal.accounts.models import User

ACTIONS = {
    "verify": "verify the declared membership, valid until {valid_until}",
    "create": "create a verified membership, member since {member_since}, "
    "valid until {valid_until}",
    "extend": "extend the validity from {before} to {valid_until}",
    "renew": "renew the lapsed membership, valid until {valid_until}",
    "current": "nothing: verified until {before} already",
    "rejected": "nothing: the CPO office did not confirm this membership",
    "expired": "nothing: the validity in the list ended on {valid_until}",
    "number_differs": "nothing: the signee declared the number {declared}",
}
ERRORS = {
    "missing": "empty",
    "date": "“{value}” is no date (2026-12-31 or 31.12.2026)",
    "too_long": "too long",
    "before_since": "the validity ends before the membership began",
    "needed": "needed to create the membership",
    "duplicate": "names the same signee as row {value}",
}


def describe(row: dict[str, Any], columns: dict[str, str]) -> str:
    """One line per row of the dry run, in English (operators read the README's words)."""
    head = f"row {row['row']}: {row.get('number') or '–'} {row.get('name') or '–'}"
    outcome = row["outcome"]
    if outcome == "error":
        problems = "; ".join(
            f"column “{columns.get(e['column'], e['column'])}”: "
            + ERRORS[e["code"]].format(value=e["value"])
            for e in row["errors"]
        )
        return f"{head} → ERROR {problems}"
    if outcome == "no_match":
        return f"{head} → no match"
    if outcome == "ambiguous":
        names = ", ".join(c["name"] for c in row["candidates"])
        return f"{head} → ambiguous ({names}): nothing happens"
    membership = row.get("membership") or {}
    what = ACTIONS[row["action"]].format(
        valid_until=row["valid_until"],
        member_since=row["member_since"],
        before=membership.get("valid_until") or "–",
        declared=membership.get("number", ""),
    )
    return f"{head} → match by {row['match_by']}: {row['organization']['name']}: {what}"


class Command(BaseCommand):
    help = "Import the prostep ivip member list (CSV): print the dry run; --apply applies it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the member list as CSV (UTF-8, ';' or ',')")
        parser.add_argument(
            "--apply", action="store_true", help="apply the dry run right after printing it"
        )
        parser.add_argument(
            "--by",
            metavar="EMAIL",
            default="",
            help="the CPO office member the import is recorded for (default: the system)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        by = self._office_user(options["by"])
        try:
            if path.stat().st_size > MAX_BYTES:
                raise CommandError(f"{path.name}: the file is larger than 2 MB.")
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from None
        try:
            membership_import = membership_import_create(
                file_name=path.name, content=content, by=by
            )
        except ValidationError as exc:
            raise CommandError(f"{path.name}: {' '.join(exc.messages)}") from None
        self._print(membership_import)
        if not options["apply"]:
            self.stdout.write(f"Dry run {membership_import.pk}: nothing was changed.")
            return
        try:
            membership_import_apply(membership_import=membership_import, by=by)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        changes = membership_import.report["counts"]["changes"]
        self.stdout.write(
            self.style.SUCCESS(f"Applied: {changes} membership(s) verified, created or extended.")
        )

    def _office_user(self, email: str) -> User | None:
        if not email:
            return None
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {email}.")
        return user

    def _print(self, membership_import: MembershipImport) -> None:
        report = membership_import.report
        columns = report.get("columns", {})
        for row in report["rows"]:
            self.stdout.write(describe(row, columns))
        for item in report["missing"]:
            membership = item["membership"]
            self.stdout.write(
                f"not in the list: {item['organization']['name']} ({membership['number']}, "
                f"{membership['status']})"
            )
        counts = report["counts"]
        self.stdout.write(
            f"{counts['rows']} rows: {counts['match']} matches ({counts['changes']} changes), "
            f"{counts['no_match']} without a match, {counts['ambiguous']} ambiguous, "
            f"{counts['error']} errors; {counts['missing']} declared memberships not in the list."
        )
