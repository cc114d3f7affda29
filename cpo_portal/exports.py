"""Streaming CSV exports, written once: spreadsheet-safe cells, rows as they arrive.

A cell that starts like a formula (`=`, `+`, `-`, `@`, tab, carriage return) is prefixed
with an apostrophe, so a company or person named "=HYPERLINK(…)" stays text in Excel and
LibreOffice (CSV injection). The file starts with a byte-order mark so Excel reads UTF-8
("Würth", not "WÃ¼rth").
"""

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


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
