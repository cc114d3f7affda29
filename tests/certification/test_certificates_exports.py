"""The office's export of the certificates and of the applications as CSV and .xlsx."""

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from criteria.models import SchemeKind
from tests.certification.helpers import make_certificates

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def body(response):
    return b"".join(response.streaming_content)


def test_certificates_csv_and_xlsx(
    client, office_user, catalogue, alpha, django_assert_max_num_queries
):
    make_certificates(alpha, catalogue, 1, holder_name="Würth =1+1")
    make_certificates(alpha, catalogue, 1, start=2, valid_until=TODAY - timedelta(days=1))
    client.force_login(office_user)
    response = client.get(reverse("certification:office_certificates_csv"))
    assert f"cpo-office-certificates-{TODAY.isoformat()}.csv" in response["Content-Disposition"]
    raw = body(response)
    assert raw.startswith("\ufeff".encode())
    rows = {
        r["Certificate number"]: r for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    }
    assert rows["CPO-O-2025-0001"]["Holder"] == "Würth =1+1"
    assert rows["CPO-O-2025-0001"]["Country"] == "Germany"
    assert rows["CPO-O-2025-0001"]["Group"] == "IT vendor"
    assert rows["CPO-O-2025-0002"]["Status code"] == "expired"
    with django_assert_max_num_queries(8):
        raw = body(client.get(reverse("certification:office_certificates_xlsx"), {"q": "Würth"}))
    sheet = openpyxl.load_workbook(io.BytesIO(raw)).active
    header = [cell.value for cell in sheet[1]]
    (row,) = sheet.iter_rows(min_row=2, values_only=True)  # the filter of the list applies
    assert isinstance(row[header.index("Issued")], date)
    assert row[header.index("Status")] == "Valid"


def test_applications_csv_and_xlsx(client, office_user, catalogue, alpha, alpha_signee):
    make_certificates(alpha, catalogue, 1, kind=SchemeKind.PRODUCT)  # a decided application
    client.force_login(office_user)
    response = client.get(reverse("certification:office_applications_csv"), {"status": "all"})
    assert f"cpo-applications-{TODAY.isoformat()}.csv" in response["Content-Disposition"]
    raw = body(response)
    assert raw.startswith("\ufeff".encode())
    (row,) = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    assert row["Organization"] == "Alpha"
    assert row["Group"] == "IT vendor" and row["Country"] == "Germany"
    assert row["Status code"] == "decided"
    raw = body(client.get(reverse("certification:office_applications_xlsx"), {"status": "all"}))
    sheet = openpyxl.load_workbook(io.BytesIO(raw)).active
    header = [cell.value for cell in sheet[1]]
    (row,) = sheet.iter_rows(min_row=2, values_only=True)
    assert isinstance(row[header.index("Audit window from")], date)


@pytest.mark.parametrize(
    "name",
    [
        "certification:office_certificates_csv",
        "certification:office_certificates_xlsx",
        "certification:office_applications_csv",
        "certification:office_applications_xlsx",
    ],
)
def test_office_only(client, alice, name):
    assert client.get(reverse(name)).status_code == 302
    client.force_login(alice)
    assert client.get(reverse(name)).status_code == 404


def test_the_lists_offer_the_export(client, office_user):
    client.force_login(office_user)
    text = client.get(reverse("certification:office_certificates")).content.decode()
    assert reverse("certification:office_certificates_xlsx") in text
    text = client.get(reverse("certification:office_applications")).content.decode()
    assert reverse("certification:office_applications_csv") in text
