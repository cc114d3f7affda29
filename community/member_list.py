"""The prostep ivip member list as a file: reading the CSV the association sends and the
normalised keys its rows are matched on (README, "Importing the prostep ivip member list").

The file is UTF-8 (with or without the BOM Excel writes; Windows-1252 from an older Excel is
read too), separated by `;` or `,` (whichever the header line uses), with a header row naming
the columns in English or German. Only the file is judged here; which signee a row names is
the dry run's business (community.selectors.membership.member_list_dry_run).
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from cpo_portal.errors import DomainError

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000

# The columns in the order the README documents them; number and name are required.
COLUMNS = ("number", "name", "member_since", "valid_until")
REQUIRED = ("number", "name")
MAX_LENGTH = {"number": 50, "name": 200}

# Header spellings, folded like company names (case, punctuation, umlauts ignored).
HEADERS = {
    "number": {
        "membernumber",
        "membershipnumber",
        "memberno",
        "membershipno",
        "memberid",
        "membershipid",
        "number",
        "no",
        "nr",
        "mitgliedsnummer",
        "mitgliedsnr",
        "mitgliednummer",
        "mitgliedernummer",
        "mitgliedsid",
        "nummer",
    },
    "name": {
        "companyname",
        "company",
        "name",
        "membername",
        "organization",
        "organisation",
        "organizationname",
        "organisationname",
        "firma",
        "firmenname",
        "unternehmen",
        "unternehmensname",
        "mitglied",
    },
    "member_since": {
        "membersince",
        "memberfrom",
        "since",
        "joined",
        "joinedon",
        "startdate",
        "mitgliedseit",
        "seit",
        "eintritt",
        "eintrittsdatum",
        "beitritt",
        "beitrittsdatum",
        "mitgliedschaftseit",
    },
    "valid_until": {
        "validuntil",
        "validto",
        "validthrough",
        "until",
        "expires",
        "expiry",
        "expirydate",
        "enddate",
        "gultigbis",
        "bis",
        "ablauf",
        "ablaufdatum",
        "laufzeitbis",
        "mitgliedbis",
        "mitgliedschaftbis",
    },
}

# Legal forms and their fragments, dropped as whole words: "GmbH & Co. KG", "Inc.", "B.V." …
LEGAL_FORMS = {
    "ab",
    "ag",
    "as",
    "bv",
    "co",
    "corp",
    "corporation",
    "eg",
    "ev",
    "gbr",
    "gmbh",
    "inc",
    "incorporated",
    "kg",
    "kgaa",
    "limited",
    "llc",
    "llp",
    "ltd",
    "mbh",
    "nv",
    "ohg",
    "oy",
    "plc",
    "pty",
    "sa",
    "sarl",
    "sas",
    "se",
    "spa",
    "srl",
    "ug",
}
# "B.V." and "S.p.A." are written with dots: joined before the words are split.
_DOTTED = re.compile(r"\b(?:[a-z]\.){2,}(?:[a-z]\b)?")
_WORD = re.compile(r"[a-z0-9]+")
_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("ue", "u"))

DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")


def fold(text: str) -> str:
    """Lower case ASCII: umlauts and accents folded ("Würth", "Wuerth" and "Wurth" agree)."""
    text = text.casefold().replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    for digraph, letter in _DIGRAPHS:
        text = text.replace(digraph, letter)
    return text


def company_key(name: str) -> str:
    """The key two spellings of one company share: case, punctuation, spaces, umlauts and
    legal forms (GmbH, AG, SE, Inc., Ltd. …) ignored."""
    folded = fold(name)
    folded = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), folded)
    words = _WORD.findall(folded)
    kept = [word for word in words if word not in LEGAL_FORMS]
    # A name that is nothing but a legal form keeps it, rather than matching every company.
    return "".join(kept or words)


def number_key(number: str) -> str:
    """Membership numbers compare without case, spaces and punctuation ("pi 0001" is
    "PI-0001")."""
    return "".join(_WORD.findall(number.casefold())).upper()


def header_key(header: str) -> str:
    return "".join(_WORD.findall(fold(header)))


@dataclass
class MemberList:
    """The rows of the file; `columns` maps each recognised column to its header as written."""

    columns: dict[str, str]
    rows: list[dict[str, Any]] = field(default_factory=list)


def _decode(content: bytes) -> str:
    if b"\x00" in content[:4096]:
        raise DomainError(_("This is not a CSV file: save the member list as CSV (UTF-8)."))
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Excel's "CSV (Trennzeichen-getrennt)" on German Windows writes Windows-1252.
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise DomainError(
            _("The file cannot be read as text: save the member list as CSV (UTF-8).")
        ) from None


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        key = header_key(title)
        for column, spellings in HEADERS.items():
            if key in spellings and column not in found:
                found[column] = index
    return found


def parse_date(value: str) -> date | None:
    """An ISO (2026-12-31) or German (31.12.2026) date; a time after it is ignored."""
    value = value.strip()
    if len(value) > 10 and value[10] in " T":
        value = value[:10]
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    return None


def _row(number: int, cells: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {"row": number, "errors": []}
    for column in COLUMNS:
        value = " ".join(cells.get(column, "").split())
        if column in ("member_since", "valid_until"):
            parsed = parse_date(value) if value else None
            if value and parsed is None:
                row["errors"].append({"column": column, "code": "date", "value": value[:40]})
            row[column] = parsed.isoformat() if parsed else None
            continue
        if not value and column in REQUIRED:
            row["errors"].append({"column": column, "code": "missing", "value": ""})
        elif len(value) > MAX_LENGTH[column]:
            row["errors"].append({"column": column, "code": "too_long", "value": value[:40]})
            value = value[: MAX_LENGTH[column]]
        row[column] = value
    since, until = row["member_since"], row["valid_until"]
    if since and until and until < since:
        row["errors"].append({"column": "valid_until", "code": "before_since", "value": until})
    return row


def parse(content: bytes) -> MemberList:
    """The rows of the member list; a file that cannot be one is refused with the reason."""
    if len(content) > MAX_BYTES:
        raise DomainError(_("The file is larger than 2 MB."))
    if content.startswith(b"PK\x03\x04"):
        raise DomainError(
            _("This is a spreadsheet workbook, not a CSV file: save it as CSV (UTF-8) first.")
        )
    text = _decode(content)
    if not text.strip():
        raise DomainError(_("The file is empty."))
    header_line = text.lstrip().splitlines()[0]
    reader = csv.reader(io.StringIO(text.lstrip()), delimiter=_delimiter(header_line))
    try:
        records = list(reader)
    except csv.Error:
        raise DomainError(_("This is not a readable CSV file.")) from None
    header = [cell.strip() for cell in records[0]]
    positions = _columns(header)
    missing = [column for column in REQUIRED if column not in positions]
    if missing:
        raise DomainError(
            _(
                "The first line must name the columns: member number and company name "
                "(e.g. “Mitgliedsnummer;Firma;Mitglied seit;Gültig bis”). Found: %(found)s"
            )
            % {"found": "; ".join(h for h in header if h)[:200] or "–"}
        )
    member_list = MemberList(columns={column: header[i] for column, i in positions.items()})
    for index, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        cells = {column: record[i] if i < len(record) else "" for column, i in positions.items()}
        member_list.rows.append(_row(index, cells))
        if len(member_list.rows) > MAX_ROWS:
            raise DomainError(
                _("The file has more than %(max)s rows: split it.") % {"max": MAX_ROWS}
            )
    if not member_list.rows:
        raise DomainError(_("The file names the columns but holds no member rows."))
    return member_list
