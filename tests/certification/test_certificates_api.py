"""The certificates API: the public list and detail (effective status, filters, bounded
queries, 404 for unknown or malformed numbers) and the office's lifecycle steps (404 for
anyone else, 400 for a refusal, also out of order, with nothing written)."""

from datetime import timedelta

import pytest
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from certification.models import CertificateEvent
from certification.services.certificates import certificate_suspend, certificate_withdraw
from criteria.models import SchemeKind
from tests.certification.helpers import (
    TODAY,
    make_certificates,
    refreshed,
    set_fields,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/certificates/"


@pytest.fixture
def api():
    return APIClient()


def as_user(api, user):
    api.force_authenticate(user)
    return api


def detail(number):
    return f"{LIST}{number}/"


def office(number, action):
    return f"/api/v1/office/certificates/{number}/{action}/"


def event_count():
    with scopes_disabled():
        return CertificateEvent.objects.count()


# --- Public read --------------------------------------------------------------------------


def test_anyone_lists_certificates(api, certificate):
    body = api.get(LIST).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["number"] == certificate.number
    assert row["type"] == "organizational"
    assert row["status"] == "active" and row["valid"] is True
    assert row["holder"] == {"name": "Alpha", "country": "DE", "group": "it_vendor"}
    assert row["url"].endswith(detail(certificate.number))
    assert row["verify_url"].endswith(f"/verify/{certificate.number}/")


def test_list_shows_the_effective_status(api, certificate):
    set_fields(certificate, valid_until=TODAY - timedelta(days=1))
    row = api.get(LIST).json()["results"][0]
    assert row["status"] == "expired" and row["valid"] is False
    assert api.get(LIST, {"status": "expired"}).json()["count"] == 1
    assert api.get(LIST, {"status": "active"}).json()["count"] == 0


def test_list_filters(api, catalogue, alpha, beta):
    make_certificates(alpha, catalogue, 2)
    make_certificates(beta, catalogue, 1, start=10, holder_country="FR", holder_group="it_customer")
    make_certificates(
        alpha, catalogue, 1, kind=SchemeKind.PRODUCT, start=20, product_name="Alpha PLM"
    )
    make_certificates(alpha, catalogue, 1, start=30, status="suspended")

    def numbers(**query):
        return sorted(r["number"] for r in api.get(LIST, query).json()["results"])

    assert numbers(type="product") == ["CPO-P-2025-0020"]
    assert numbers(status="suspended") == ["CPO-O-2025-0030"]
    assert numbers(country="fr") == ["CPO-O-2025-0010"]
    assert numbers(group="it_customer") == ["CPO-O-2025-0010"]
    assert numbers(q="plm") == ["CPO-P-2025-0020"]
    assert numbers(q="0002") == ["CPO-O-2025-0002"]


@pytest.mark.parametrize(
    "query",
    [{"type": "both"}, {"status": "valid"}, {"group": "x"}, {"country": "XX"}, {"q": "a" * 101}],
)
def test_bad_filters_are_400(api, certificate, query):
    response = api.get(LIST, query)
    assert response.status_code == 400
    assert set(response.json()) == set(query)


def test_list_is_paginated_in_a_fixed_number_of_queries(
    api, catalogue, alpha, django_assert_max_num_queries
):
    make_certificates(alpha, catalogue, 3)
    with django_assert_max_num_queries(3) as few:
        assert api.get(LIST).status_code == 200
    make_certificates(alpha, catalogue, 260, start=100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = api.get(LIST).json()
    assert body["count"] == 263 and len(body["results"]) == 50
    assert len(api.get(LIST, {"page_size": 200}).json()["results"]) == 200
    assert api.get(LIST, {"page": 99}).status_code == 404


def test_detail_with_events(api, certificate, office_user):
    certificate_suspend(certificate=certificate, reason="Evidence lapsed.", by=office_user)
    body = api.get(detail(certificate.number)).json()
    assert body["status"] == "suspended" and body["valid"] is False
    assert body["status_reason"] == "Evidence lapsed."
    assert [e["action"] for e in body["events"]] == ["issued", "suspend"]
    assert body["events"][1]["reason"] == "Evidence lapsed."
    assert body["audit_type"] == "initial"
    assert body["predecessor"] is None and body["successor"] is None
    assert "sha256" in body and body["scope_description"]
    # Lower case works too: the number is read in its canonical form.
    assert api.get(detail(certificate.number.lower())).status_code == 200


def test_detail_in_a_fixed_number_of_queries(api, certificate, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert api.get(detail(certificate.number)).status_code == 200


@pytest.mark.parametrize(
    "number",
    ["CPO-O-2020-9999", "CPO-X-2026-0001", "nonsense", "CPO-O-2026-0001'--", "a" * 300],
)
def test_unknown_or_malformed_numbers_are_404(api, certificate, number):
    response = api.get(detail(number))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_nul_in_the_number_is_404(api, certificate):
    # Answered by the portal's NUL guard before any view, as everywhere else.
    assert api.get(detail("%00")).status_code == 404


# --- The office's steps -------------------------------------------------------------------


def test_office_suspends_reinstates_withdraws(api, certificate, office_user):
    as_user(api, office_user)
    response = api.post(office(certificate.number, "suspend"), {"reason": "Lapsed."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "suspended"
    response = api.post(office(certificate.number, "reinstate"), {}, format="json")
    assert response.json()["status"] == "active"
    response = api.post(
        office(certificate.number, "withdraw"), {"reason": "Misuse."}, format="json"
    )
    assert response.json()["status"] == "withdrawn"
    assert [e["action"] for e in response.json()["events"]] == [
        "issued",
        "suspend",
        "reinstate",
        "withdraw",
    ]


@pytest.mark.parametrize("action", ["suspend", "reinstate", "withdraw"])
def test_anonymous_gets_401(api, certificate, action):
    assert api.post(office(certificate.number, action), {"reason": "x"}).status_code == 401
    assert refreshed(certificate).status == "active"


@pytest.mark.parametrize("action", ["suspend", "reinstate", "withdraw"])
@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "auditor_user"])
def test_non_office_gets_404(api, certificate, request, who, action):
    before = event_count()
    response = as_user(api, request.getfixturevalue(who)).post(
        office(certificate.number, action), {"reason": "x"}, format="json"
    )
    assert response.status_code == 404
    assert refreshed(certificate).status == "active" and event_count() == before


def test_office_unknown_number_is_404(api, certificate, office_user):
    as_user(api, office_user)
    assert api.post(office("CPO-O-2020-9999", "suspend"), {"reason": "x"}).status_code == 404
    assert api.post(office("junk", "suspend"), {"reason": "x"}).status_code == 404
    assert api.post(office(certificate.number, "expire"), {"reason": "x"}).status_code == 404


def refused(api, certificate, action, body):
    before = event_count()
    response = api.post(office(certificate.number, action), body, format="json")
    assert response.status_code == 400, response.content
    assert event_count() == before
    return response.json()


def test_suspend_without_reason_is_400(api, certificate, office_user):
    as_user(api, office_user)
    assert "reason" in refused(api, certificate, "suspend", {})
    assert "reason" in refused(api, certificate, "suspend", {"reason": "   "})
    assert "reason" in refused(api, certificate, "withdraw", {"reason": ""})
    assert refreshed(certificate).status == "active"


def test_out_of_order_is_400(api, certificate, office_user):
    as_user(api, office_user)
    body = refused(api, certificate, "reinstate", {})
    assert "cannot be changed this way" in body["non_field_errors"][0]
    certificate_withdraw(certificate=certificate, reason="Misuse.", by=office_user)
    assert refused(api, certificate, "withdraw", {"reason": "Again."})["non_field_errors"]
    assert refused(api, certificate, "suspend", {"reason": "Again."})["non_field_errors"]
    assert refreshed(certificate).status == "withdrawn"


def test_reinstate_after_expiry_is_400(api, certificate, office_user):
    as_user(api, office_user)
    certificate_suspend(certificate=certificate, reason="Check.", by=office_user)
    set_fields(certificate, valid_until=TODAY - timedelta(days=1))
    body = refused(api, certificate, "reinstate", {})
    assert "validity has ended" in body["non_field_errors"][0]
    assert refreshed(certificate).status == "suspended"


# --- cleanup: certificate content in the API (issuer, certifier, basis, German scope) ----------


def test_detail_names_the_issuer_the_certifier_the_basis_and_the_german_scope(
    api, certificate, product, office_user, django_assert_max_num_queries
):
    from certification.services.deadlines import certification_policy_update

    set_fields(product, scope_description_de="Das Produkt")
    with django_assert_max_num_queries(2):
        body = api.get(detail(product.number)).json()
    assert body["issuer"]["name"] and body["issuer"]["accredited"] is False
    assert set(body["issuer"]) == {
        "name",
        "address",
        "accredited",
        "accreditation_body",
        "accreditation_number",
    }
    assert body["certifier"] == "Otto Office"
    assert body["scope_description_de"] == "Das Produkt"
    basis = body["organizational_certificate"]
    assert (basis["type"], basis["number"], basis["backed"]) == (
        "certificate",
        certificate.number,
        True,
    )
    assert basis["verify_url"].endswith(f"/verify/{certificate.number}/")
    assert body["valid"] is True
    # The organizational certificate itself rests on nothing; its German scope falls back.
    own = api.get(detail(certificate.number)).json()
    assert own["organizational_certificate"] is None
    assert own["scope_description_de"] == own["scope_description"]
    # Suspended: the product certificate is not backed, so not valid, though still active.
    certification_policy_update(
        values={"suspend_products_with_organizational": False}, based_on=None, by=office_user
    )
    certificate_suspend(certificate=certificate, reason="Evidence lapsed.", by=office_user)
    body = api.get(detail(product.number)).json()
    assert body["status"] == "active" and body["valid"] is False
    assert body["organizational_certificate"]["backed"] is False
    assert certificate.number in body["organizational_certificate"]["note"]
