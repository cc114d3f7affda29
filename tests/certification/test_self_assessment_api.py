"""The certification API for the self-assessment: answers, evidence and submission;
bad input a 400 that writes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from certification.models import (
    Evidence,
)
from tests.certification.helpers import (
    ORG,
    PDF_BYTES,
    answer_all,
    as_user,
    counts,
    criteria_of,
)

pytestmark = pytest.mark.django_db


def test_self_assessment_answers_evidence_and_submit(api, assigned, alice):
    as_user(api, alice)
    base = f"{ORG}{assigned.pk}/self-assessment/"
    sheet = api.get(base).json()
    rows = [row for block in sheet["blocks"] for row in block["rows"]]
    assert sheet["progress"] == {
        "total": 30,
        "answered": 0,
        "answered_percent": 0,
        "shall_unanswered": [
            r["criterion"]["code"] for r in rows if r["criterion"]["obligation"] == "shall"
        ],
    }
    assert sheet["editable"] is True
    first = rows[0]["criterion"]["id"]
    response = api.put(f"{base}{first}/", {"status": "partially", "explanation": "Mostly."})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "partially"
    assert response.json()["criterion_id"] == first

    upload = SimpleUploadedFile("policy.pdf", PDF_BYTES, content_type="application/pdf")
    response = api.post(f"{base}{first}/evidence/", {"file": upload, "title": "Policy"})
    assert response.status_code == 201, response.content
    evidence = response.json()
    assert evidence["is_file"] is True
    assert evidence["original_name"] == "policy.pdf"
    assert evidence["download_url"] == f"http://testserver/certification/evidence/{evidence['id']}/"
    response = api.post(f"{base}{first}/evidence/", {"url": "https://alpha.example/doc"})
    assert response.status_code == 201, response.content
    assert response.json()["download_url"] is None

    # Submitting with unanswered shall criteria: refused, nothing changes.
    before = counts()
    response = api.post(f"{base}submit/")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert counts() == before

    answer_all(assigned, alice)
    response = api.post(f"{base}submit/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "audit"
    after = api.get(base).json()
    assert after["editable"] is False
    assert after["progress"]["answered"] == 30
    assert [e["title"] for e in after["blocks"][0]["rows"][0]["evidence"]] == ["Policy", ""]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({}, "status"),
        ({"status": "not_applicable", "explanation": "x"}, "non_field_errors"),
    ],
)
def test_bad_answer_is_400_and_writes_nothing(api, assigned, alice, payload, field):
    criterion = next(c for c in criteria_of(assigned) if not c.na_allowed)
    before = counts()
    response = as_user(api, alice).put(
        f"{ORG}{assigned.pk}/self-assessment/{criterion.pk}/", payload, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert counts() == before


def test_answer_for_a_criterion_of_another_scheme_is_400(api, assigned, alice):
    before = counts()
    response = as_user(api, alice).put(
        f"{ORG}{assigned.pk}/self-assessment/999999/", {"status": "implemented"}
    )
    assert response.status_code == 400
    assert counts() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"file_name": "script.pdf", "content": b"#!/bin/sh\nrm -rf /\n"}, "file"),
        ({"file_name": "image.png", "content": PDF_BYTES}, "file"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({}, "non_field_errors"),
        ({"url": "https://a.example", "file_name": "a.pdf", "content": PDF_BYTES}, None),
    ],
)
def test_bad_evidence_is_400_and_writes_nothing(api, assigned, alice, data, field):
    criterion = criteria_of(assigned)[0]
    payload = {}
    if "file_name" in data:
        payload["file"] = SimpleUploadedFile(data["file_name"], data["content"])
    if "url" in data:
        payload["url"] = data["url"]
    before = counts()
    response = as_user(api, alice).post(
        f"{ORG}{assigned.pk}/self-assessment/{criterion.pk}/evidence/", payload
    )
    assert response.status_code == 400, response.content
    assert (field or "non_field_errors") in response.json()
    assert counts() == before


def test_company_removes_evidence(api, case, alice):
    response = as_user(api, alice).delete(f"{ORG}{case['id']}/evidence/{case['eid']}/")
    assert response.status_code == 204
    with scopes_disabled():
        assert not Evidence.objects.filter(pk=case["eid"]).exists()
