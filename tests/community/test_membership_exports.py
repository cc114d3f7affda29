"""The office's export of the association memberships as CSV (UTF-8 with BOM) and .xlsx."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from cpo_portal.tenancy.models import Organization

pytestmark = pytest.mark.django_db


def body(response):
    return b"".join(response.streaming_content)


@pytest.fixture
def members(alpha_member, beta_member, alpha):
    with scopes_disabled():
        Organization.objects.filter(pk=alpha.pk).update(display_name="Würth", legal_name="=Evil")


def test_csv_with_bom_readable_columns_and_the_filter(client, office_user, members):
    client.force_login(office_user)
    response = client.get(reverse("community:office_memberships_csv"), {"q": "Würth"})
    assert response.status_code == 200
    assert "cpo-memberships-" in response["Content-Disposition"]
    raw = body(response)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    (row,) = rows
    assert row["Organization"] == "Würth"
    assert row["Legal name"] == "'=Evil"
    assert row["Group"] == "IT vendor" and row["Country"] == "Germany"
    assert row["Status"] == "Verified"


def test_xlsx_has_dates_as_dates(client, office_user, members, django_assert_max_num_queries):
    client.force_login(office_user)
    with django_assert_max_num_queries(6):
        raw = body(client.get(reverse("community:office_memberships_xlsx")))
    sheet = openpyxl.load_workbook(io.BytesIO(raw)).active
    header = [cell.value for cell in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2
    assert all(isinstance(row[header.index("Member since")], date) for row in rows)
    assert {row[header.index("Country")] for row in rows} == {"Germany", "France"}


def test_office_only(client, members, alice):
    client.force_login(alice)
    for name in ("community:office_memberships_csv", "community:office_memberships_xlsx"):
        assert client.get(reverse(name)).status_code == 404


def test_the_list_offers_the_export(client, office_user, members):
    client.force_login(office_user)
    text = client.get(reverse("community:office_memberships_all"), {"status": "verified"})
    assert (
        reverse("community:office_memberships_xlsx") + "?status=verified" in text.content.decode()
    )
