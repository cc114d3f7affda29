"""The signees API: the public list and detail (approved signees only), and an
organization's own signing status for its members (everyone else gets 404)."""

from datetime import timedelta

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from signees.models import SigneeStatus
from signees.services.signing import signee_reject
from tests.signees.helpers import HIDDEN_STATUSES, publish_statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def names(response):
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["results"]]


# --- The public list -------------------------------------------------------------------


def test_list_is_public_and_paginated(api, bulk_signees):
    bulk_signees(60)
    body = api.get("/api/v1/signees/").json()
    assert body["count"] == 60
    assert len(body["results"]) == 50
    assert "page=2" in body["next"]


def test_list_item_fields(api, three, mini_catalogue):
    acme = three[0]
    publish_statement(acme, mini_catalogue)
    (item,) = api.get("/api/v1/signees/", {"group": "it_vendor"}).json()["results"]
    slug = acme.organization.slug
    assert item == {
        "slug": slug,
        "name": "Acme",
        "legal_name": acme.organization.legal_name,
        "group": "it_vendor",
        "group_label": "IT vendor",
        "country": "DE",
        "country_name": "Germany",
        "website": acme.organization.website,
        "signee_since": (timezone.localdate() - timedelta(days=30)).isoformat(),
        "statement_url": f"http://testserver/signees/{slug}/statement/",
        "url": f"http://testserver/api/v1/signees/{slug}/",
        "html_url": f"http://testserver/signees/{slug}/",
        "seals": [],  # no certificate (seals: tests/certification/test_seal_exports.py)
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Acme", "Bolt", "Cobalt"]),
        ({"q": "cobalt"}, ["Cobalt"]),
        ({"q": "bolt-1.example"}, ["Bolt"]),
        ({"group": "it_customer"}, ["Bolt"]),
        ({"country": "de"}, ["Acme", "Cobalt"]),
        ({"ordering": "-name"}, ["Cobalt", "Bolt", "Acme"]),
        ({"ordering": "since"}, ["Acme", "Cobalt", "Bolt"]),
        ({"ordering": "-since", "country": "DE"}, ["Cobalt", "Acme"]),
    ],
)
def test_list_filters_and_ordering(api, three, params, expected):
    assert names(api.get("/api/v1/signees/", params)) == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group": "robots"}, "group"),
        ({"country": "ZZ"}, "country"),
        ({"country": "Germany"}, "country"),
        ({"ordering": "pk"}, "ordering"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_filters_are_400_with_field_errors(api, three, params, field):
    response = api.get("/api/v1/signees/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_unapproved_signees_are_not_in_the_api(api, three, bulk_signees):
    hidden = [bulk_signees(1, prefix="Hidden", status=status)[0] for status in HIDDEN_STATUSES]
    assert names(api.get("/api/v1/signees/")) == ["Acme", "Bolt", "Cobalt"]
    assert names(api.get("/api/v1/signees/", {"q": "hidden"})) == []
    for signee in hidden:
        assert api.get(f"/api/v1/signees/{signee.organization.slug}/").status_code == 404


def test_list_queries_do_not_grow_with_10000_signees(
    api, bulk_signees, django_assert_max_num_queries
):
    bulk_signees(20)
    with CaptureQueriesContext(connection) as small:
        api.get("/api/v1/signees/", {"ordering": "-since", "q": "company"})
    bulk_signees(9980)
    with django_assert_max_num_queries(len(small)):
        body = api.get("/api/v1/signees/", {"ordering": "-since", "q": "company"}).json()
    assert len(small) <= 2
    assert body["count"] == 10000
    assert len(body["results"]) == 50


# --- One signee ------------------------------------------------------------------------


def test_detail_of_a_vendor_without_statement(api, approved, mini_catalogue):
    slug = approved.organization.slug
    response = api.get(f"/api/v1/signees/{slug}/")
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == slug
    assert body["group"] == "it_vendor"
    assert body["catalogue_version"] == mini_catalogue.code
    assert body["statement"] is None
    assert body["statement_url"] is None
    assert body["statement_due"] == approved.statement_due.isoformat()
    assert body["openness_level_1"] is False


def test_detail_with_a_published_statement(api, approved, mini_catalogue):
    statement = publish_statement(
        approved, mini_catalogue, kind="link", external_url="https://alpha.example/cpo"
    )
    body = api.get(f"/api/v1/signees/{approved.organization.slug}/").json()
    assert body["openness_level_1"] is True
    assert body["statement_due"] is None
    assert body["statement_url"] == "https://alpha.example/cpo"
    assert body["statement"]["number"] == statement.number
    assert body["statement"]["kind"] == "link"
    assert body["statement"]["catalogue_version"] == mini_catalogue.code


def test_detail_of_an_unknown_or_rejected_signee_is_404(api, signed, office_user):
    assert api.get("/api/v1/signees/nobody/").status_code == 404
    signee_reject(signee=signed, by=office_user, reason="Not a company.")
    assert api.get(f"/api/v1/signees/{signed.organization.slug}/").status_code == 404


# --- The organization's own signing status --------------------------------------------------


def test_member_sees_the_own_signing_status(api, signed, bob, mini_catalogue):
    api.force_authenticate(bob)
    response = api.get("/api/v1/organizations/alpha/signing/")
    assert response.status_code == 200
    body = response.json()
    assert body["signed"] is True
    assert body["status"] == SigneeStatus.PENDING
    assert body["status_label"] == "Pending review"
    assert body["group"] == "it_vendor"
    assert body["catalogue_version"] == mini_catalogue.code
    assert body["statement_due"] == signed.statement_due.isoformat()
    assert body["approved_at"] is None
    assert body["listed"] is False
    assert body["public_url"] is None


def test_the_reason_of_a_decision_is_shown(api, signed, alice, office_user):
    signee_reject(signee=signed, by=office_user, reason="Not a company.")
    api.force_authenticate(alice)
    body = api.get("/api/v1/organizations/alpha/signing/").json()
    assert body["status"] == "rejected"
    assert body["reason"] == "Not a company."


def test_approved_status_links_the_public_page(api, approved, alice):
    api.force_authenticate(alice)
    body = api.get("/api/v1/organizations/alpha/signing/").json()
    assert body["listed"] is True
    assert body["approved_at"] is not None
    assert body["public_url"] == "http://testserver/signees/alpha/"


def test_not_signed_yet(api, alpha, alice):
    api.force_authenticate(alice)
    body = api.get("/api/v1/organizations/alpha/signing/").json()
    assert body["signed"] is False
    assert body["status"] is None


def test_outsider_gets_404(api, signed, beta, charlie):
    api.force_authenticate(charlie)
    assert api.get("/api/v1/organizations/alpha/signing/").status_code == 404
    # The same answer as for an organization that does not exist.
    assert api.get("/api/v1/organizations/nowhere/signing/").status_code == 404


def test_anonymous_is_refused(api, signed):
    response = api.get("/api/v1/organizations/alpha/signing/")
    assert response.status_code in (401, 403)
    assert "status" not in response.json()


# --- Schema ----------------------------------------------------------------------------


def test_schema_has_the_signee_endpoints(api, db):
    schema = yaml.safe_load(api.get("/api/schema/").content)
    paths = schema["paths"]
    assert {"/api/v1/signees/", "/api/v1/signees/{slug}/"} <= set(paths)
    assert "/api/v1/organizations/{org_slug}/signing/" in paths
    parameters = {p["name"] for p in paths["/api/v1/signees/"]["get"]["parameters"]}
    assert {"q", "group", "country", "ordering", "page"} <= parameters
    components = schema["components"]["schemas"]
    assert {"SigneeDetailOutput", "SigningStatusOutput"} <= set(components)
    assert "openness_level_1" in components["SigneeDetailOutput"]["properties"]
