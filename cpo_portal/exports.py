"""Exports, written once: CSV streamed row by row, `.xlsx` written in constant memory.

A cell that starts like a formula (`=`, `+`, `-`, `@`, tab, carriage return) is prefixed
with an apostrophe, so a company or person named "=HYPERLINK(…)" stays text in Excel and
LibreOffice (CSV injection); the same guard applies to the cells of an `.xlsx`. A CSV meant
for people starts with a byte-order mark so Excel reads UTF-8 ("Würth", not "WÃ¼rth").

A list offered for download describes itself as `Column`s (a stable key for scripts, a label
for people) and rows of plain values: dates stay dates in the `.xlsx` (Excel sorts and filters
them), times are written in UTC and the column says so. File names carry the day of the
export ("cpo-signees-2026-12-08.xlsx"), so two downloads never overwrite each other.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django_countries import countries

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# An .xlsx is a zip written at the end: it is built in a temporary file that stays in memory
# up to this size and moves to disk beyond it.
XLSX_SPOOL_BYTES = 8 * 1024 * 1024
DATETIME_TEXT = "%Y-%m-%d %H:%M:%S"


def safe_cell(value: Any) -> str:
    """The value as text a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    """A file that hands back what is written: csv.writer then yields lines, not a buffer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The header and every row as CSV lines, each cell made safe."""
    writer = csv.writer(_Echo())
    yield writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def in_pieces(lines: Iterable[str], size: int = 64 * 1024) -> Iterator[bytes]:
    """Lines joined into pieces of about `size` characters: fewer, larger writes."""
    buffer: list[str] = []
    length = 0
    for line in lines:
        buffer.append(line)
        length += len(line)
        if length >= size:
            yield "".join(buffer).encode()
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer).encode()


def csv_response(
    filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]], *, bom: bool = False
) -> StreamingHttpResponse:
    """A streamed CSV download; `bom` for files meant to be opened in Excel."""
    lines = csv_lines(header, rows)
    if bom:
        lines = _prefixed(BOM, lines)
    response = StreamingHttpResponse(in_pieces(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _prefixed(first: str, lines: Iterator[str]) -> Iterator[str]:
    yield first
    yield from lines


# --- Lists for people: CSV with BOM and .xlsx ----------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of an export: `key` heads a CSV for scripts, `label` is what people read."""

    key: str
    label: str | Promise
    width: int = 18


def filter_query(request: HttpRequest) -> str:
    """The list page's filters for its download links: "?…" without the page, or ""."""
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else ""


def country_name(code: str | None) -> str:
    """A country's name in the active language, for a readable column beside its code."""
    return str(countries.name(code)) if code else ""


def dated_filename(stem: str, extension: str, *, on: date | None = None) -> str:
    """ "cpo-signees" → "cpo-signees-2026-12-08.csv": the day of the export, local time."""
    return f"{stem}-{(on or timezone.localdate()).isoformat()}.{extension}"


def as_utc(value: datetime) -> datetime:
    """An aware time in UTC without its zone, as a spreadsheet cell holds it."""
    if timezone.is_aware(value):
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None)


def text_value(value: Any) -> Any:
    """A cell of a CSV: dates as ISO dates, times in UTC ("2026-12-08 09:30:00")."""
    if isinstance(value, datetime):
        return as_utc(value).strftime(DATETIME_TEXT)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _xlsx_value(value: Any) -> Any:
    # Imported here: only an .xlsx download needs openpyxl.
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, date):
        return value
    # Control characters make an .xlsx Excel refuses to open; a formula must stay text.
    return ILLEGAL_CHARACTERS_RE.sub("", safe_cell(value))


def header_of(columns: Sequence[Column], *, labels: bool) -> list[str]:
    return [str(column.label) if labels else column.key for column in columns]


def csv_export(
    stem: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    labels: bool = False,
    on: date | None = None,
) -> StreamingHttpResponse:
    """A streamed CSV in UTF-8 with a byte-order mark, headed by keys (or labels)."""
    lines = ([text_value(value) for value in row] for row in rows)
    return csv_response(
        dated_filename(stem, CSV, on=on), header_of(columns, labels=labels), lines, bom=True
    )


def _sheet_title(title: str) -> str:
    for forbidden in "[]:*?/\\":
        title = title.replace(forbidden, " ")
    return title.strip()[:31] or "Export"


def xlsx_export(
    stem: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    title: str | Promise = "",
    on: date | None = None,
) -> FileResponse:
    """An .xlsx with a bold, frozen header row of labels and typed cells (dates are dates).

    openpyxl's write-only mode keeps one row in memory at a time; the finished file goes to
    a temporary file that spills to disk when large.
    """
    # Imported here: only an .xlsx download needs openpyxl.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(str(title or stem)))
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for label in header_of(columns, labels=True):
        cell = WriteOnlyCell(sheet, value=_xlsx_value(label))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_value(value) for value in row])
    spool = tempfile.SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES)  # noqa: SIM115
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=dated_filename(stem, XLSX, on=on),
        content_type=XLSX_CONTENT_TYPE,
    )


def export_response(
    kind: str,
    stem: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    labels: bool = False,
    title: str | Promise = "",
) -> StreamingHttpResponse | FileResponse:
    """The list as `kind` ("csv" or "xlsx"); a CSV is headed by keys unless `labels`."""
    if kind == XLSX:
        return xlsx_export(stem, columns, rows, title=title)
    return csv_export(stem, columns, rows, labels=labels)
