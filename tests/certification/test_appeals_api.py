"""Appeals in the API: members read, owners and admins file, outsiders get 404, refusals are
400s with the field."""

import pytest
from django.urls import reverse

from certification.models import AppealStatus
from tests.certification.helpers import as_user, decide, refreshed

pytestmark = [pytest.mark.django_db, pytest.mark.through_services]


@pytest.fixture
def denied(reported, office2):
    decide(reported, office2, decision="deny")
    return refreshed(reported)


def _url(name, organization, **kwargs):
    return reverse(f"api:certification-{name}", kwargs={"org_slug": organization.slug, **kwargs})


def test_an_owner_files_and_members_read_the_appeal(api, denied, alice, bob):
    organization = denied.organization
    as_user(api, alice)
    decisions = api.get(_url("appeal-decisions", organization)).json()
    item = next(d["item"] for d in decisions if d["subject"] == "refusal")
    assert item == f"refusal:{denied.pk}"
    response = api.post(
        _url("appeals", organization), {"item": item, "grounds": "Evidence overlooked."}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("APL-") and body["status"] == AppealStatus.FILED
    assert [e["action"] for e in body["events"]] == ["filed"]
    as_user(api, bob)
    listed = api.get(_url("appeals", organization)).json()
    assert [a["reference"] for a in listed["results"]] == [body["reference"]]
    assert api.get(_url("appeal", organization, appeal_id=body["id"])).status_code == 200
    response = api.post(_url("appeals", organization), {"item": item, "grounds": "x"})
    assert response.status_code == 403  # a plain member reads only


def test_refusals_are_400s_and_outsiders_get_404(api, denied, alice, charlie):
    organization = denied.organization
    as_user(api, alice)
    response = api.post(_url("appeals", organization), {"item": "refusal:999999", "grounds": "x"})
    assert response.status_code == 400 and "item" in response.json()
    first = api.post(
        _url("appeals", organization), {"item": f"refusal:{denied.pk}", "grounds": "x"}
    )
    assert first.status_code == 201
    again = api.post(
        _url("appeals", organization), {"item": f"refusal:{denied.pk}", "grounds": "y"}
    )
    assert again.status_code == 400 and "open already" in str(again.json()["item"])
    as_user(api, charlie)
    assert api.get(_url("appeals", organization)).status_code == 404
    assert api.get(_url("appeal", organization, appeal_id=first.json()["id"])).status_code == 404
    assert api.get(_url("appeal-decisions", organization)).status_code == 404
