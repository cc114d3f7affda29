"""The office's export of its signee review list as CSV (UTF-8 with BOM) and .xlsx."""

import csv
import io
from datetime import datetime

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def body(response):
    return b"".join(response.streaming_content)


@pytest.fixture
def queue(bulk_signees):
    """Two pending signees, one of them named like a formula, and one approved."""
    pending = bulk_signees(2, prefix="Würth", status="pending", country="DE", group="it_vendor")
    bulk_signees(1, prefix="=Evil", status="pending", country="FR", group="it_customer")
    bulk_signees(1, prefix="Listed", status="approved")
    return pending


def test_csv_follows_the_queue_filter(client, office_user, queue):
    client.force_login(office_user)
    response = client.get(reverse("signees:office_export_csv"))  # pending by default
    today = timezone.localdate().isoformat()
    assert f'filename="cpo-signings-{today}.csv"' in response["Content-Disposition"]
    raw = body(response)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 3
    names = {row["Legal name"] for row in rows}
    assert any(name.startswith("Würth") for name in names)
    assert any(name.startswith("'=Evil") for name in names)
    wurth = next(row for row in rows if row["Legal name"].startswith("Würth"))
    assert wurth["Group"] == "IT vendor" and wurth["Group code"] == "it_vendor"
    assert wurth["Country"] == "Germany" and wurth["Status"] == "Pending review"
    assert wurth["Record"].startswith("http://testserver/office/signees/")
    approved = client.get(reverse("signees:office_export_csv"), {"status": "approved"})
    assert len(body(approved).decode("utf-8-sig").splitlines()) == 2


def test_xlsx_has_times_as_times(client, office_user, queue, django_assert_max_num_queries):
    client.force_login(office_user)
    with django_assert_max_num_queries(8):
        raw = body(client.get(reverse("signees:office_export_xlsx")))
    sheet = openpyxl.load_workbook(io.BytesIO(raw)).active
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Company", "Legal name", "Group"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3
    assert all(isinstance(row[header.index("Signed (UTC)")], datetime) for row in rows)


def test_queries_do_not_grow_with_the_rows(
    client, office_user, bulk_signees, django_assert_max_num_queries
):
    bulk_signees(300, status="pending")
    client.force_login(office_user)
    with django_assert_max_num_queries(8):
        assert len(body(client.get(reverse("signees:office_export_csv"))).splitlines()) == 301


def test_office_only(client, queue, alice):
    assert client.get(reverse("signees:office_export_csv")).status_code == 302
    client.force_login(alice)
    assert client.get(reverse("signees:office_export_csv")).status_code == 404
    assert client.get(reverse("signees:office_export_xlsx")).status_code == 404


def test_the_queue_offers_the_export(client, office_user, queue):
    client.force_login(office_user)
    text = client.get(reverse("signees:office_list"), {"status": "approved"}).content.decode()
    assert reverse("signees:office_export_xlsx") + "?status=approved" in text
