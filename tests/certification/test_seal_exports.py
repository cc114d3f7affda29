"""Seals on the public signee list (provided by certification through signees.extensions)
and the seal registry's exports: the seal column and the "holds a valid seal" filter, the
same seal columns in the CSV, JSON, .xlsx and the API, bounded queries; the registry as CSV
(UTF-8 with BOM) and .xlsx."""

import csv
import io
import json
from datetime import date, timedelta

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import Certificate
from criteria.models import SchemeKind
from signees.models import Signee
from tests.certification.helpers import make_certificates
from tests.signees.factories import SigneeFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def body(response):
    return b"".join(response.streaming_content)


def csv_dicts(response):
    raw = body(response)
    assert raw.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.fixture
def sealed(catalogue, alpha, alpha_signee, beta_signee):
    """Alpha holds a valid organizational and a suspended product seal, and an expired one;
    Beta (a signee too) holds none."""
    (organizational,) = make_certificates(alpha, catalogue, 1)
    (product,) = make_certificates(alpha, catalogue, 1, kind=SchemeKind.PRODUCT, status="suspended")
    make_certificates(alpha, catalogue, 1, start=2, valid_until=TODAY - timedelta(days=1))
    with scopes_disabled():
        Signee.objects.filter(organization=alpha).update(listed_name="Würth Alpha")
    return organizational, product


# --- The list ---------------------------------------------------------------------------


def test_the_list_shows_each_signees_seals_with_status_and_verify_link(client, sealed):
    organizational, product = sealed
    response = client.get(reverse("signees:list"))
    rows = {row["signee"].listed_name or "Beta": row["seals"] for row in response.context["rows"]}
    seals = rows["Würth Alpha"]
    assert [(s.number, s.kind, s.valid) for s in seals] == [
        (organizational.number, "organizational", True),
        (product.number, "product", False),
    ]
    assert [s.status_label for s in seals] == ["Valid", "Suspended"]
    text = response.content.decode()
    assert f'href="/verify/{organizational.number}/"' in text
    assert f'href="/verify/{product.number}/"' in text
    assert "CPO-O-2025-0002" not in text  # expired: not a current seal
    assert rows["Beta"] == []


@pytest.mark.parametrize(
    ("seal", "expected"),
    [("", 2), ("valid", 1), ("organizational", 1), ("product", 0), ("bogus", 2)],
)
def test_the_seal_filter(client, sealed, seal, expected):
    response = client.get(reverse("signees:list"), {"seal": seal})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == expected


def test_a_suspended_seal_alone_is_not_a_valid_seal(client, sealed):
    organizational, _product = sealed
    with scopes_disabled():
        Certificate.objects.filter(pk=organizational.pk).update(status="suspended")
    assert client.get(reverse("signees:list"), {"seal": "valid"}).context["rows"] == []


def test_csv_json_and_xlsx_carry_the_same_seal_columns(client, sealed):
    organizational, product = sealed
    (alpha,) = csv_dicts(client.get("/signees.csv", {"seal": "valid"}))
    assert alpha["name"] == "Würth Alpha"
    assert alpha["group"] == "IT vendor" and alpha["group_code"] == "it_vendor"
    assert alpha["country"] == "Germany" and alpha["country_code"] == "DE"
    assert alpha["valid_seal"] == "yes"
    assert alpha["organizational_seals"] == f"{organizational.number} (Valid)"
    assert alpha["product_seals"] == f"{product.number} (Suspended)"
    (record,) = json.loads(body(client.get("/signees.json", {"seal": "valid"})))
    assert list(record) == list(alpha)
    assert record["valid_seal"] is True
    assert record["organizational_seals"] == alpha["organizational_seals"]
    sheet = openpyxl.load_workbook(io.BytesIO(body(client.get("/signees.xlsx")))).active
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["Company", "Legal name", "Group", "Group code"]
    assert "Product seals" in header
    values = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    row = values["Würth Alpha"]
    assert row[header.index("Group")] == "IT vendor"
    assert row[header.index("Country")] == "Germany"
    assert row[header.index("Holds a valid seal")] is True
    assert isinstance(row[header.index("Signee since")], date)


def test_the_export_follows_the_language_of_the_request(client, sealed):
    rows = csv_dicts(client.get("/signees.csv", {"seal": "valid"}, HTTP_ACCEPT_LANGUAGE="de"))
    assert rows[0]["country"] == "Deutschland"
    assert rows[0]["organizational_seals"].endswith("(Gültig)")


def test_the_api_lists_seals_and_filters_by_them(client, sealed):
    organizational, product = sealed
    data = client.get("/api/v1/signees/", {"seal": "valid"}).json()
    results = data["results"] if isinstance(data, dict) else data
    (alpha,) = results
    assert [(s["number"], s["kind"], s["status"]) for s in alpha["seals"]] == [
        (organizational.number, "organizational", "valid"),
        (product.number, "product", "suspended"),
    ]
    assert alpha["seals"][0]["verify_url"].endswith(f"/verify/{organizational.number}/")
    assert client.get("/api/v1/signees/", {"seal": "nonsense"}).status_code == 400


def _queries(fn):
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def test_seals_cost_no_query_per_signee(client, catalogue, sealed, office_user):
    few = _queries(lambda: client.get(reverse("signees:list"), {"seal": "valid"}))
    csv_few = _queries(lambda: body(client.get("/signees.csv", {"seal": "valid"})))
    for i in range(12):
        signee = SigneeFactory(approved=True, reviewed_by=office_user)
        make_certificates(signee.organization, catalogue, 2, start=100 + 2 * i)
    response = client.get(reverse("signees:list"), {"seal": "valid"})
    assert response.context["page"].paginator.count == 13
    assert _queries(lambda: client.get(reverse("signees:list"), {"seal": "valid"})) == few <= 3
    assert _queries(lambda: body(client.get("/signees.csv", {"seal": "valid"}))) == csv_few <= 2


# --- The registry -----------------------------------------------------------------------


def test_registry_csv_opens_cleanly_in_excel(client, catalogue, alpha):
    make_certificates(alpha, catalogue, 1, holder_name="Würth =SUM(A1)")
    make_certificates(alpha, catalogue, 1, start=2, holder_name="=HYPERLINK(evil)")
    response = client.get(reverse("certification:seal_csv"))
    assert f'filename="cpo-certificates-{TODAY.isoformat()}.csv"' in response["Content-Disposition"]
    rows = {row["number"]: row for row in csv_dicts(response)}
    first = rows["CPO-O-2025-0001"]
    assert first["holder"] == "Würth =SUM(A1)"
    assert first["country"] == "Germany" and first["country_code"] == "DE"
    assert first["group"] == "IT vendor" and first["group_code"] == "it_vendor"
    assert first["status"] == "active" and first["status_label"] == "Valid"
    assert first["issued_on"] == (TODAY - timedelta(days=30)).isoformat()
    assert rows["CPO-O-2025-0002"]["holder"] == "'=HYPERLINK(evil)"


def test_registry_xlsx_has_labels_and_dates(
    client, catalogue, alpha, django_assert_max_num_queries
):
    make_certificates(alpha, catalogue, 30, holder_name="=HYPERLINK(evil)")
    with django_assert_max_num_queries(5):
        response = client.get(reverse("certification:seal_xlsx"), {"status": "active"})
        raw = body(response)
    assert (
        f'filename="cpo-certificates-{TODAY.isoformat()}.xlsx"' in response["Content-Disposition"]
    )
    sheet = openpyxl.load_workbook(io.BytesIO(raw)).active
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["Certificate number", "Certificate", "Status code", "Status"]
    row = next(sheet.iter_rows(min_row=2, values_only=True))
    assert row[header.index("Holder")] == "'=HYPERLINK(evil)"
    assert row[header.index("Country")] == "Germany"
    assert row[header.index("Group")] == "IT vendor"
    assert isinstance(row[header.index("Valid until")], date)
    assert sheet.max_row == 31


def test_registry_page_offers_both_downloads(client, catalogue, alpha):
    make_certificates(alpha, catalogue, 1)
    text = client.get(reverse("certification:seal")).content.decode()
    assert reverse("certification:seal_csv") in text
    assert reverse("certification:seal_xlsx") in text


def german_header(client, url):
    raw = body(client.get(url, HTTP_ACCEPT_LANGUAGE="de"))
    return [cell.value for cell in openpyxl.load_workbook(io.BytesIO(raw)).active[1]]


def test_the_german_exports_read_as_german(client, sealed):
    """Every column of the German .xlsx has a label of its own (two columns called "Land" or
    "Status" cannot be told apart), and the seal filter says what it filters."""
    signees = german_header(client, reverse("signees:export_xlsx"))
    registry = german_header(client, reverse("certification:seal_xlsx"))
    for header in (signees, registry):
        assert len(set(header)) == len(header), header
        assert "Ländercode" in header
    assert {"Hat ein gültiges Siegel", "Organisationssiegel", "Produktsiegel"} <= set(signees)
    page = client.get(reverse("signees:list"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Mit oder ohne Siegel" in page and "Einspruch" not in page
