"""The floor's export writer: CSV in UTF-8 with a byte-order mark and the formula guard,
.xlsx with a header row and typed cells, dated file names."""

import csv
import io
from datetime import UTC, date, datetime

import openpyxl
import time_machine

from cpo_portal.exports import (
    Column,
    csv_export,
    dated_filename,
    export_response,
    safe_cell,
    xlsx_export,
)

COLUMNS = (
    Column("name", "Company"),
    Column("country", "Country"),
    Column("since", "Signee since"),
    Column("changed_at", "Changed (UTC)"),
    Column("count", "Count"),
)
ROWS = [
    ["Würth", "Germany", date(2026, 12, 8), datetime(2026, 12, 8, 9, 30, tzinfo=UTC), 3],
    ["=HYPERLINK(1)", "France\x07", None, None, None],
]


def body(response):
    return b"".join(response.streaming_content)


def workbook(response):
    return openpyxl.load_workbook(io.BytesIO(body(response)))


def test_csv_starts_with_a_bom_and_reads_back_as_utf8():
    raw = body(csv_export("cpo-test", COLUMNS, ROWS))
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["name", "country", "since", "changed_at", "count"]
    assert rows[1] == ["Würth", "Germany", "2026-12-08", "2026-12-08 09:30:00", "3"]
    assert rows[2][0] == "'=HYPERLINK(1)"
    assert rows[2][2:] == ["", "", ""]


def test_csv_can_be_headed_by_labels():
    raw = body(csv_export("cpo-test", COLUMNS, [], labels=True))
    assert raw.decode("utf-8-sig").splitlines() == [
        "Company,Country,Signee since,Changed (UTC),Count"
    ]


def test_times_are_written_in_utc():
    from zoneinfo import ZoneInfo

    berlin = datetime(2026, 12, 8, 10, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    raw = body(csv_export("t", COLUMNS[3:4], [[berlin]])).decode("utf-8-sig")
    assert raw.splitlines()[1] == "2026-12-08 09:30:00"


def test_xlsx_has_a_bold_header_and_typed_cells():
    sheet = workbook(xlsx_export("cpo-test", COLUMNS, ROWS, title="Signees")).active
    assert sheet.title == "Signees"
    header = [cell.value for cell in sheet[1]]
    assert header == ["Company", "Country", "Signee since", "Changed (UTC)", "Count"]
    assert sheet["A1"].font.bold
    assert sheet["A2"].value == "Würth"
    assert sheet["C2"].is_date and sheet["C2"].value.date() == date(2026, 12, 8)
    assert sheet["D2"].value == datetime(2026, 12, 8, 9, 30)
    assert sheet["E2"].value == 3
    # A formula stays text; a control character Excel refuses is dropped.
    assert sheet["A3"].data_type == "s" and sheet["A3"].value == "'=HYPERLINK(1)"
    assert sheet["B3"].value == "France"
    assert sheet.freeze_panes == "A2"


def test_file_names_carry_the_day_of_the_export():
    with time_machine.travel(datetime(2026, 12, 8, 12, tzinfo=UTC), tick=False):
        assert dated_filename("cpo-signees", "csv") == "cpo-signees-2026-12-08.csv"
        csv_response = export_response("csv", "cpo-signees", COLUMNS, [])
        xlsx_response = export_response("xlsx", "cpo-signees", COLUMNS, [])
    assert csv_response["Content-Disposition"] == (
        'attachment; filename="cpo-signees-2026-12-08.csv"'
    )
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="cpo-signees-2026-12-08.xlsx"' in xlsx_response["Content-Disposition"]
    assert xlsx_response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_safe_cell_is_kept_for_existing_callers():
    assert safe_cell("+49 30") == "'+49 30"
    assert safe_cell(None) == ""
    assert safe_cell("Würth") == "Würth"
