"""The certification API: each endpoint scoped to its audience (organization, assigned
auditor, CPO office); outsiders get 404, bad input a 400 that writes nothing, a stale
score a 409 with both values; lists and the audit sheet in a bounded number of queries."""

import json
from datetime import timedelta

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from certification.models import (
    ApplicationEvent,
    ApplicationStatus,
    AuditorAssignment,
    AuditorConflict,
    AuditorQualification,
    Evidence,
    Finding,
    OrganizationalGrant,
    Score,
    ScoreChange,
    SelfAssessmentAnswer,
)
from certification.services.applications import (
    application_accept,
    application_reopen_audit,
    application_submit,
)
from certification.services.auditors import assignment_end, auditor_assign, auditor_conflict_declare
from certification.services.audits import finding_answer, finding_raise, report_submit
from certification.services.self_assessment import evidence_add_link
from criteria.models import CatalogueVersion, Obligation, VersionStatus
from tests.certification.factories import advance
from tests.certification.helpers import (
    answer_all,
    criteria_of,
    new_application,
    score,
    score_all,
)
from tests.criteria.factories import build_version

pytestmark = pytest.mark.django_db

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
ORG = "/api/v1/organizations/alpha/applications/"


@pytest.fixture
def api():
    return APIClient()


def as_user(api, user):
    api.force_authenticate(user)
    return api


def counts():
    """Everything a refused write must leave alone."""
    with scopes_disabled():
        return {
            "events": ApplicationEvent.objects.count(),
            "answers": SelfAssessmentAnswer.objects.count(),
            "evidence": Evidence.objects.count(),
            "findings": list(Finding.objects.values_list("pk", "status", "corrective_action")),
            "scores": list(Score.objects.values_list("pk", "rating", "version")),
            "changes": ScoreChange.objects.count(),
            "assignments": list(AuditorAssignment.objects.values_list("pk", "status")),
            "qualifications": list(
                AuditorQualification.objects.order_by("pk").values_list("pk", "scheme_kind")
            ),
            "conflicts": list(AuditorConflict.objects.order_by("pk").values_list("pk", "until")),
            "grants": OrganizationalGrant.objects.count(),
        }


@pytest.fixture
def case(in_audit, auditor_user, alice):
    """An application in audit with one major finding carrying one piece of evidence."""
    criterion = criteria_of(in_audit, Obligation.SHALL)[0]
    finding = finding_raise(
        application=in_audit,
        kind="major",
        criterion_ids=[criterion.pk],
        description="No interface owner is named.",
        by=auditor_user,
    )
    evidence = evidence_add_link(
        application=in_audit, url="https://alpha.example/owners", finding=finding, by=alice
    )
    return {
        "app": in_audit,
        "criterion": criterion,
        "finding": finding,
        "evidence": evidence,
        "id": in_audit.pk,
        "cid": criterion.pk,
        "fid": finding.pk,
        "eid": evidence.pk,
    }


# --- Every endpoint, by audience ---------------------------------------------------------

COMPANY = [
    ("get", ORG),
    ("post", ORG),
    ("get", ORG + "{id}/"),
    ("patch", ORG + "{id}/"),
    ("post", ORG + "{id}/submit/"),
    ("post", ORG + "{id}/withdraw/"),
    ("get", ORG + "{id}/self-assessment/"),
    ("put", ORG + "{id}/self-assessment/{cid}/"),
    ("post", ORG + "{id}/self-assessment/{cid}/evidence/"),
    ("post", ORG + "{id}/self-assessment/submit/"),
    ("delete", ORG + "{id}/evidence/{eid}/"),
    ("post", ORG + "{id}/findings/{fid}/answer/"),
    ("post", ORG + "{id}/findings/{fid}/evidence/"),
]
AUDIT = [
    ("get", "/api/v1/audits/"),
    ("get", "/api/v1/audits/{id}/"),
    ("put", "/api/v1/audits/{id}/scores/{cid}/"),
    ("post", "/api/v1/audits/{id}/findings/"),
    ("post", "/api/v1/audits/{id}/findings/{fid}/close/"),
    ("post", "/api/v1/audits/{id}/findings/{fid}/reopen/"),
    ("post", "/api/v1/audits/{id}/corrections/"),
    ("post", "/api/v1/audits/{id}/resume/"),
    ("post", "/api/v1/audits/{id}/report/"),
    ("post", "/api/v1/audits/{id}/decline/"),
]
OFFICE = [
    ("get", "/api/v1/office/applications/"),
    ("get", "/api/v1/office/applications/{id}/"),
    ("post", "/api/v1/office/applications/{id}/accept/"),
    ("post", "/api/v1/office/applications/{id}/return/"),
    ("post", "/api/v1/office/applications/{id}/reject/"),
    ("post", "/api/v1/office/applications/{id}/reopen/"),
    ("post", "/api/v1/office/applications/{id}/assignments/"),
    ("post", "/api/v1/office/applications/{id}/assignments/{aid}/end/"),
    ("post", "/api/v1/office/applications/{id}/decide/"),
    ("get", "/api/v1/office/applications/{id}/scores/"),
]
ALL = COMPANY + AUDIT + OFFICE
# Endpoints that need no case: the auditor's own profile ({conflict}: one of their
# declarations) and the office's recorded grants.
PROFILE = [
    ("get", "/api/v1/audit/profile/"),
    ("put", "/api/v1/audit/profile/qualifications/"),
    ("post", "/api/v1/audit/profile/conflicts/"),
    ("delete", "/api/v1/audit/profile/conflicts/{conflict}/"),
]
GRANTS = [("get", "/api/v1/office/grants/"), ("post", "/api/v1/office/grants/")]
# Plausible bodies, so a refusal is about who asks, not about what they send.
BODY = {
    "reason": "Because.",
    "note": "Verified.",
    "status": "implemented",
    "explanation": "Done.",
    "url": "https://example.org/x",
    "corrective_action": "We named owners.",
    "rating": "fulfilled",
    "rationale": "",
    "version": 0,
    "kind": "major",
    "criterion_ids": [1],
    "description": "Seen.",
    "recommendation": "grant",
    "summary": "Fine.",
    "auditor_id": 1,
    "role": "co",
    "decision": "grant",
    "scheme_kinds": [],
    "organization": "alpha",
    "reference": "ORG-2026-001",
    "valid_until": "2030-12-31",
}


def call(api, method, template, case, **extra):
    with scopes_disabled():
        assignment = AuditorAssignment.objects.filter(application_id=case["id"]).first()
    url = template.format(aid=assignment.pk if assignment else 0, **case)
    body = {**BODY, **extra} if method in ("post", "put", "patch") else None
    return getattr(api, method)(url, body, format="json")


@pytest.mark.parametrize(("method", "template"), ALL)
def test_anonymous_gets_401_and_nothing_is_written(api, case, method, template):
    before = counts()
    response = call(api, method, template, case)
    assert response.status_code == 401, response.content
    assert counts() == before


@pytest.mark.parametrize(("method", "template"), ALL)
def test_charlie_gets_404_everywhere(api, case, beta, charlie, method, template):
    before = counts()
    response = call(as_user(api, charlie), method, template, case)
    assert response.status_code == 404, response.content
    assert counts() == before


@pytest.mark.parametrize(("method", "template"), AUDIT[1:])
def test_unassigned_auditor_gets_404(api, case, co_user, co, method, template):
    before = counts()
    response = call(as_user(api, co_user), method, template, case)
    assert response.status_code == 404, response.content
    assert counts() == before


def test_unassigned_auditor_sees_an_empty_list(api, case, co_user, co):
    assert as_user(api, co_user).get("/api/v1/audits/").json()["count"] == 0


@pytest.mark.parametrize(("method", "template"), AUDIT[1:])
def test_auditor_whose_assignment_ended_gets_404(
    api, case, auditor_user, office_user, method, template
):
    with scopes_disabled():
        assignment = AuditorAssignment.objects.get(application_id=case["id"])
    assignment_end(assignment=assignment, by=office_user, reason="Moved on.")
    before = counts()
    response = call(as_user(api, auditor_user), method, template, case)
    assert response.status_code == 404, response.content
    assert counts() == before


@pytest.mark.parametrize(("method", "template"), OFFICE)
@pytest.mark.parametrize("who", ["alice", "auditor_user"])
def test_non_office_gets_404_on_office_endpoints(api, case, request, who, method, template):
    before = counts()
    response = call(as_user(api, request.getfixturevalue(who)), method, template, case)
    assert response.status_code == 404, response.content
    assert counts() == before


@pytest.mark.parametrize(("method", "template"), COMPANY)
def test_auditor_and_office_are_outsiders_to_the_organization_endpoints(
    api, case, auditor_user, office_user, method, template
):
    for user in (auditor_user, office_user):
        assert call(as_user(api, user), method, template, case).status_code == 404


@pytest.mark.parametrize(
    ("method", "template"), [(m, t) for m, t in COMPANY if m != "get" and t != ORG]
)
def test_plain_member_reads_but_may_not_write(api, case, bob, method, template):
    before = counts()
    response = call(as_user(api, bob), method, template, case)
    assert response.status_code == 403, response.content
    assert counts() == before


def test_unknown_ids_are_404_not_500(api, case, alice, auditor_user, office_user):
    as_user(api, alice)
    assert api.get(ORG + "999999/").status_code == 404
    assert api.get(ORG + "abc/").status_code == 404
    assert api.post(ORG + f"{case['id']}/findings/999999/answer/", BODY).status_code == 404
    as_user(api, auditor_user)
    assert api.get("/api/v1/audits/999999/").status_code == 404
    assert api.put("/api/v1/audits/x/scores/1/", BODY).status_code == 404
    assert api.post(f"/api/v1/audits/{case['id']}/findings/99999/close/", BODY).status_code == 404
    as_user(api, office_user)
    assert api.get("/api/v1/office/applications/999999/").status_code == 404


# --- The organization --------------------------------------------------------------------


def test_owner_creates_edits_submits_and_lists_applications(api, alpha_signee, alice, bob):
    as_user(api, alice)
    response = api.post(
        ORG,
        {
            "kind": "organizational",
            "scope_description": "PLM business unit",
            "window_start": "2027-03-01",
            "window_end": "2027-03-31",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["scheme"]["kind"] == "organizational"
    assert body["pass_result"] is None
    pk = body["id"]
    response = api.patch(f"{ORG}{pk}/", {"scope_description": "Whole company"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["scope_description"] == "Whole company"
    response = api.post(f"{ORG}{pk}/submit/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert [e["action"] for e in body["events"]] == ["submit"]
    as_user(api, bob)
    listing = api.get(ORG).json()
    assert listing["count"] == 1
    assert listing["results"][0]["id"] == pk
    assert api.get(f"{ORG}{pk}/").json()["status_label"] == "Submitted"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "kind"),
        ({"kind": "bogus"}, "kind"),
        ({"window_start": "not a date"}, "window_start"),
        ({"window_end": "2027-01-01"}, "non_field_errors"),  # ends before it starts
        ({"scope_description": ""}, "scope_description"),
        ({"kind": "product", "product_name": "X", "product_version": "1"}, "kind"),
    ],
)
def test_bad_application_input_is_400_and_writes_nothing(api, alpha_signee, alice, payload, field):
    valid = {
        "kind": "organizational",
        "scope_description": "PLM",
        "window_start": "2027-03-01",
        "window_end": "2027-03-31",
    }
    data = valid | payload if payload else {}
    response = as_user(api, alice).post(ORG, data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert api.get(ORG).json()["count"] == 0


def test_withdraw_with_reason(api, submitted, alice):
    response = as_user(api, alice).post(
        f"{ORG}{submitted.pk}/withdraw/", {"reason": "Not this year."}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn"
    assert response.json()["reason"] == "Not this year."


def test_out_of_order_submit_is_400(api, accepted, alice):
    before = counts()
    response = as_user(api, alice).post(f"{ORG}{accepted.pk}/submit/")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert counts() == before


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


def test_company_answers_a_finding_and_adds_evidence(api, case, alice):
    as_user(api, alice)
    base = f"{ORG}{case['id']}/findings/{case['fid']}/"
    assert api.post(base + "answer/", {}, format="json").status_code == 400
    response = api.post(base + "answer/", {"corrective_action": "Owners named."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "answered"
    assert response.json()["criteria"] == [case["criterion"].code]
    upload = SimpleUploadedFile("owners.pdf", PDF_BYTES)
    response = api.post(base + "evidence/", {"file": upload})
    assert response.status_code == 201, response.content
    # Answering twice is refused.
    before = counts()
    response = api.post(base + "answer/", {"corrective_action": "Again."}, format="json")
    assert response.status_code == 400
    assert counts() == before
    detail = api.get(f"{ORG}{case['id']}/").json()
    assert [f["id"] for f in detail["findings"]] == [case["fid"]]
    assert [a["auditor"] for a in detail["assignments"]] == ["Arne Auditor"]
    assert detail["pass_result"] is None  # not before the report


def test_company_removes_evidence(api, case, alice):
    response = as_user(api, alice).delete(f"{ORG}{case['id']}/evidence/{case['eid']}/")
    assert response.status_code == 204
    with scopes_disabled():
        assert not Evidence.objects.filter(pk=case["eid"]).exists()


def test_company_sees_the_pass_result_after_the_report(api, reported, alice):
    body = as_user(api, alice).get(f"{ORG}{reported.pk}/").json()
    assert body["status"] == "report_submitted"
    assert body["recommendation"] == "grant"
    assert body["pass_result"]["passed"] is True
    assert body["pass_result"]["complete"] is True
    assert len(body["pass_result"]["groups"]) == 8  # the eight organizational subject areas
    assert body["pass_result"]["groups"][0]["area"]["title"]


# --- The auditor -------------------------------------------------------------------------


def test_auditor_lists_and_reads_the_sheet(api, case, auditor_user):
    as_user(api, auditor_user)
    listing = api.get("/api/v1/audits/").json()
    assert [(a["id"], a["role"], a["organization"]) for a in listing["results"]] == [
        (case["id"], "lead", "Alpha")
    ]
    body = api.get(f"/api/v1/audits/{case['id']}/").json()
    assert body["role"] == "lead"
    assert body["application"]["status"] == "audit"
    assert body["progress"]["total"] == 30
    assert body["progress"]["scored"] == 0
    rows = [row for block in body["blocks"] for row in block["rows"]]
    assert len(rows) == 30
    row = next(r for r in rows if r["criterion"]["id"] == case["cid"])
    assert row["answer"]["status"] == "implemented"
    assert row["score"]["version"] == 0
    assert row["score"]["rating"] == ""
    assert row["findings"] == [case["fid"]]
    (finding,) = body["findings"]
    assert finding["kind"] == "major"
    assert finding["evidence"][0]["url"] == "https://alpha.example/owners"
    assert body["pass_result"]["passed"] is False
    assert body["pass_result"]["open_majors"] == 1
    assert len(body["pass_result"]["groups"]) == 8


def test_sheet_filters(api, case, auditor_user):
    as_user(api, auditor_user)
    url = f"/api/v1/audits/{case['id']}/"
    with_findings = api.get(url, {"with_findings": "true"}).json()
    assert [r["criterion"]["id"] for b in with_findings["blocks"] for r in b["rows"]] == [
        case["cid"]
    ]
    shall = api.get(url, {"shall_only": "1"}).json()
    assert {r["criterion"]["obligation"] for b in shall["blocks"] for r in b["rows"]} == {"shall"}
    assert api.get(url, {"unscored": "perhaps"}).status_code == 400


def test_score_save_and_lost_update(api, case, auditor_user, co_user, co, office_user):
    auditor_assign(application=case["app"], auditor=co, role="co", by=office_user)
    url = f"/api/v1/audits/{case['id']}/scores/{case['cid']}/"
    response = as_user(api, auditor_user).put(
        url, {"rating": "partially", "rationale": "Half the owners.", "version": 0}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "criterion_id": case["cid"],
        "rating": "partially",
        "rationale": "Half the owners.",
        "version": 1,
        "updated_by": "Arne Auditor",
        "updated_at": response.json()["updated_at"],
    }
    # The co-auditor's tab still holds version 0: refused, with the newer value.
    before = counts()
    response = as_user(api, co_user).put(
        url, {"rating": "fulfilled", "rationale": "", "version": 0}, format="json"
    )
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["detail"]
    assert body["current"]["rating"] == "partially"
    assert body["current"]["rationale"] == "Half the owners."
    assert body["current"]["version"] == 1
    assert body["current"]["updated_by"] == "Arne Auditor"
    assert body["current"]["updated_at"]
    assert counts() == before
    # Based on the newer version, it goes through.
    response = api.put(url, {"rating": "fulfilled", "version": 1}, format="json")
    assert response.status_code == 200
    assert response.json()["version"] == 2


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"rating": "great", "version": 0}, "rating"),
        ({"rating": "fulfilled"}, "version"),
        ({"rating": "fulfilled", "version": "abc"}, "version"),
        ({"rating": "fulfilled", "version": -1}, "version"),
        ({"rating": "not_fulfilled", "rationale": "", "version": 0}, "rationale"),
        ({"rating": "fulfilled", "version": 0, "rationale": "x" * 10001}, "rationale"),
    ],
)
def test_bad_score_is_400_and_writes_nothing(api, case, auditor_user, payload, field):
    before = counts()
    response = as_user(api, auditor_user).put(
        f"/api/v1/audits/{case['id']}/scores/{case['cid']}/", payload, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert counts() == before


def test_not_applicable_where_not_allowed_is_400(api, case, auditor_user):
    criterion = next(c for c in criteria_of(case["app"]) if not c.na_allowed)
    response = as_user(api, auditor_user).put(
        f"/api/v1/audits/{case['id']}/scores/{criterion.pk}/",
        {"rating": "not_applicable", "rationale": "n/a", "version": 0},
        format="json",
    )
    assert response.status_code == 400
    assert "rating" in response.json()


def test_scoring_a_criterion_of_another_scheme_is_400(api, case, auditor_user):
    from criteria.models import AssessmentCriterion

    other = AssessmentCriterion.objects.exclude(scheme_id=case["app"].scheme_id).first()
    before = counts()
    response = as_user(api, auditor_user).put(
        f"/api/v1/audits/{case['id']}/scores/{other.pk}/",
        {"rating": "fulfilled", "version": 0},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert counts() == before


def test_findings_raise_close_reopen(api, case, auditor_user, alice):
    as_user(api, auditor_user)
    base = f"/api/v1/audits/{case['id']}/findings/"
    response = api.post(
        base,
        {"kind": "observation", "criterion_ids": [case["cid"]], "description": "Nice docs."},
        format="json",
    )
    assert response.status_code == 201, response.content
    observation = response.json()
    assert observation["due_date"] is None
    response = api.post(f"{base}{observation['id']}/close/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed"
    # The major one: closing before the company answered is refused.
    before = counts()
    response = api.post(f"{base}{case['fid']}/close/", {"note": "ok"}, format="json")
    assert response.status_code == 400
    assert counts() == before
    finding_answer(finding=case["finding"], corrective_action="Named.", by=alice)
    response = api.post(f"{base}{case['fid']}/reopen/", {"note": "Not enough."}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "open"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "bad", "criterion_ids": [1], "description": "x"}, "kind"),
        ({"kind": "minor", "criterion_ids": [], "description": "x"}, "criterion_ids"),
        ({"kind": "minor", "criterion_ids": ["a"], "description": "x"}, "criterion_ids"),
        ({"kind": "minor", "criterion_ids": [999999], "description": "x"}, "criterion_ids"),
        ({"kind": "minor", "criterion_ids": "{cid}", "description": ""}, "description"),
        (
            {
                "kind": "minor",
                "criterion_ids": ["{cid}"],
                "description": "x",
                "due_date": "2001-01-01",
            },
            "non_field_errors",
        ),
    ],
)
def test_bad_finding_is_400_and_writes_nothing(api, case, auditor_user, payload, field):
    data = {k: ([case["cid"]] if v in ("{cid}", ["{cid}"]) else v) for k, v in payload.items()}
    before = counts()
    response = as_user(api, auditor_user).post(
        f"/api/v1/audits/{case['id']}/findings/", data, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert counts() == before


def test_corrections_and_resume(api, case, auditor_user):
    as_user(api, auditor_user)
    response = api.post(f"/api/v1/audits/{case['id']}/corrections/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "corrective_actions"
    assert api.post(f"/api/v1/audits/{case['id']}/corrections/").status_code == 400
    assert api.post(f"/api/v1/audits/{case['id']}/resume/").json()["status"] == "audit"


def test_report_refused_while_incomplete_then_submitted(api, in_audit, auditor_user):
    as_user(api, auditor_user)
    url = f"/api/v1/audits/{in_audit.pk}/report/"
    assert api.post(url, {"recommendation": "grant"}, format="json").status_code == 400
    before = counts()
    response = api.post(url, {"recommendation": "grant", "summary": "Good."}, format="json")
    assert response.status_code == 400  # nothing scored yet
    assert counts() == before
    score_all(in_audit, auditor_user)
    response = api.post(url, {"recommendation": "grant", "summary": "Good."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "report_submitted"


def test_co_auditor_may_not_submit_the_report(api, in_audit, co, co_user, office_user):
    auditor_assign(application=in_audit, auditor=co, role="co", by=office_user)
    response = as_user(api, co_user).post(
        f"/api/v1/audits/{in_audit.pk}/report/",
        {"recommendation": "deny", "summary": "No."},
        format="json",
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_decline_needs_a_reason_and_ends_the_assignment(api, case, auditor_user):
    as_user(api, auditor_user)
    url = f"/api/v1/audits/{case['id']}/decline/"
    before = counts()
    assert api.post(url, {}, format="json").status_code == 400
    assert api.post(url, {"reason": "   "}, format="json").status_code == 400
    assert counts() == before
    assert api.post(url, {"reason": "Overbooked."}, format="json").status_code == 204
    assert api.get(f"/api/v1/audits/{case['id']}/").status_code == 404


# --- The office --------------------------------------------------------------------------


def test_office_reviews_and_assigns(api, submitted, office_user, lead, co):
    as_user(api, office_user)
    base = f"/api/v1/office/applications/{submitted.pk}/"
    before = counts()
    assert api.post(base + "return/", {"reason": ""}, format="json").status_code == 400
    assert counts() == before
    response = api.post(base + "accept/", {}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "accepted"
    assert {o["auditor_id"]: o["eligible"] for o in body["auditor_options"]} == {
        lead.pk: True,
        co.pk: True,
    }
    response = api.post(
        base + "assignments/", {"auditor_id": lead.pk, "role": "lead"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["role"] == "lead"
    assert response.json()["status"] == "active"
    detail = api.get(base).json()
    assert detail["status"] == "auditor_assigned"
    assert [a["auditor_email"] for a in detail["assignments"]] == [lead.user.email]
    response = api.post(
        base + f"assignments/{response.json()['id']}/end/", {"reason": "Ill."}, format="json"
    )
    assert response.status_code == 204
    assert api.get(base).json()["status"] == "accepted"


def test_office_rejects_with_reason(api, submitted, office_user, alice):
    response = as_user(api, office_user).post(
        f"/api/v1/office/applications/{submitted.pk}/reject/",
        {"reason": "Out of scope."},
        format="json",
    )
    assert response.status_code == 200
    assert as_user(api, alice).get(f"{ORG}{submitted.pk}/").json()["reason"] == "Out of scope."


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"auditor_id": 999999, "role": "lead"}, "auditor_id"),
        ({"auditor_id": "x", "role": "lead"}, "auditor_id"),
        ({"role": "lead"}, "auditor_id"),
        ({"auditor_id": "{lead}", "role": "boss"}, "role"),
        ({"auditor_id": "{lead}", "role": "co"}, "non_field_errors"),  # lead first
        ({"auditor_id": "{conflicted}", "role": "lead"}, "auditor_id"),
        ({"auditor_id": "{unqualified}", "role": "lead"}, "auditor_id"),
    ],
)
def test_bad_assignment_is_400_and_writes_nothing(
    api, accepted, office_user, lead, co, alpha, make_user, payload, field
):
    from tests.certification.helpers import make_auditor

    auditor_conflict_declare(auditor=co, organization=alpha, by=co.user)
    unqualified = make_auditor(make_user(email="p@example.org"), "product")
    ids = {"{lead}": lead.pk, "{conflicted}": co.pk, "{unqualified}": unqualified.pk}
    data = {k: ids.get(v, v) for k, v in payload.items()}
    before = counts()
    response = as_user(api, office_user).post(
        f"/api/v1/office/applications/{accepted.pk}/assignments/", data, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert counts() == before
    accepted.refresh_from_db()
    assert accepted.status == ApplicationStatus.ACCEPTED


def test_office_decides_with_four_eyes(api, reported, office2, office_user, auditor_user):
    as_user(api, office2)
    url = f"/api/v1/office/applications/{reported.pk}/decide/"
    assert api.post(url, {"decision": "maybe", "rationale": "x"}, format="json").status_code == 400
    assert api.post(url, {"decision": "grant"}, format="json").status_code == 400
    detail = api.get(f"/api/v1/office/applications/{reported.pk}/").json()
    assert detail["pass_result"]["passed"] is True
    response = api.post(url, {"decision": "grant", "rationale": "Conclusive."}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "decided"
    assert body["decision"] == "grant"
    assert body["decided_by"] == "Otto Office"


def test_an_auditor_of_the_case_may_not_decide(api, reported, co_user, co, office_user):
    from django.contrib.auth.models import Group

    from cpo_portal.accounts.models import OFFICE_GROUP

    # co audited this case and is office staff as well.
    application_reopen_audit(application=reported, by=office_user, reason="Check.")
    auditor_assign(application=reported, auditor=co, role="co", by=office_user)
    report_submit(
        application=reported, recommendation="grant", summary="Fine.", by=reported_lead(reported)
    )
    co_user.groups.add(Group.objects.get(name=OFFICE_GROUP))
    before = counts()
    response = as_user(api, co_user).post(
        f"/api/v1/office/applications/{reported.pk}/decide/",
        {"decision": "grant", "rationale": "Mine."},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "four-eyes" in response.json()["non_field_errors"][0]
    assert counts() == before


def reported_lead(application):
    with scopes_disabled():
        return AuditorAssignment.objects.get(application=application, role="lead").auditor.user


def test_grant_refused_while_the_pass_rule_fails(api, in_audit, auditor_user, office2):
    score_all(in_audit, auditor_user, rating="not_fulfilled")
    report_submit(application=in_audit, recommendation="deny", summary="Gaps.", by=auditor_user)
    before = counts()
    response = as_user(api, office2).post(
        f"/api/v1/office/applications/{in_audit.pk}/decide/",
        {"decision": "grant", "rationale": "Anyway."},
        format="json",
    )
    assert response.status_code == 400
    assert "decision" in response.json()
    assert counts() == before


def test_office_list_filters_and_bad_filters(api, submitted, office_user, alice, alpha):
    new_application(alpha, alice)  # a draft: invisible to the office
    as_user(api, office_user)
    body = api.get("/api/v1/office/applications/").json()
    assert [a["id"] for a in body["results"]] == [submitted.pk]
    assert body["results"][0]["organization"] == "Alpha"
    assert api.get("/api/v1/office/applications/", {"status": "accepted"}).json()["count"] == 0
    assert api.get("/api/v1/office/applications/", {"kind": "organizational"}).json()["count"] == 1
    assert api.get("/api/v1/office/applications/", {"q": "alp"}).json()["count"] == 1
    assert api.get("/api/v1/office/applications/", {"q": "zeta"}).json()["count"] == 0
    for bad in ({"status": "bogus"}, {"kind": "x"}, {"q": "x" * 101}):
        assert api.get("/api/v1/office/applications/", bad).status_code == 400


def test_office_score_history(api, in_audit, auditor_user, office_user):
    criterion = criteria_of(in_audit)[0]
    score(in_audit, criterion, "fulfilled", auditor_user)
    score(in_audit, criterion, "partially", auditor_user)
    body = (
        as_user(api, office_user).get(f"/api/v1/office/applications/{in_audit.pk}/scores/").json()
    )
    assert [(c["criterion"], c["version"], c["rating"]) for c in body["results"]] == [
        (criterion.code, 2, "partially"),
        (criterion.code, 1, "fulfilled"),
    ]
    assert body["results"][0]["by"] == "Arne Auditor"


# --- Query counts ------------------------------------------------------------------------


def test_organization_list_queries_do_not_grow(
    api, alpha_signee, alpha, alice, django_assert_max_num_queries
):
    as_user(api, alice)
    new_application(alpha, alice)
    with django_assert_max_num_queries(20) as few:
        assert api.get(ORG).json()["count"] == 1
    for _ in range(30):
        new_application(alpha, alice)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = api.get(ORG).json()
    assert body["count"] == 31


def test_office_list_queries_do_not_grow(
    api, alpha_signee, alpha, alice, office_user, django_assert_max_num_queries
):
    def submit():
        application_submit(application=new_application(alpha, alice), by=alice)

    as_user(api, office_user)
    submit()
    with django_assert_max_num_queries(20) as few:
        assert api.get("/api/v1/office/applications/").json()["count"] == 1
    for _ in range(30):
        submit()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get("/api/v1/office/applications/").json()["count"] == 31


def test_audit_list_queries_do_not_grow(
    api, alpha_signee, alpha, alice, office_user, lead, auditor_user, django_assert_max_num_queries
):
    def assigned_case():
        application = new_application(alpha, alice)
        application_submit(application=application, by=alice)
        application_accept(application=application, by=office_user)
        auditor_assign(application=application, auditor=lead, role="lead", by=office_user)

    as_user(api, auditor_user)
    assigned_case()
    with django_assert_max_num_queries(20) as few:
        assert api.get("/api/v1/audits/").json()["count"] == 1
    for _ in range(8):
        assigned_case()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get("/api/v1/audits/").json()["count"] == 9


def _into_audit(application, alice, office_user, lead, auditor_user):
    advance(application, to=ApplicationStatus.AUDIT, office=office_user, lead=lead)
    criterion = criteria_of(application)[0]
    finding = finding_raise(
        application=application,
        kind="minor",
        criterion_ids=[criterion.pk],
        description="Gap.",
        by=auditor_user,
    )
    evidence_add_link(
        application=application, url="https://a.example/fix", finding=finding, by=alice
    )
    score(application, criterion, "partially", auditor_user)
    return application


def test_audit_sheet_queries_are_the_same_for_30_and_150_criteria(
    api, alpha_signee, alpha, alice, office_user, lead, auditor_user
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = _into_audit(new_application(alpha, alice), alice, office_user, lead, auditor_user)
    big_version = build_version("big-1", 150, status=VersionStatus.PUBLISHED)
    CatalogueVersion.objects.filter(pk=big_version.pk).update(
        published_at=timezone.now() + timedelta(seconds=1)
    )
    big = _into_audit(new_application(alpha, alice), alice, office_user, lead, auditor_user)
    as_user(api, auditor_user)
    measured = {}
    for application in (small, big):
        with CaptureQueriesContext(connection) as queries:
            body = api.get(f"/api/v1/audits/{application.pk}/").json()
        measured[body["progress"]["total"]] = len(queries.captured_queries)
    assert set(measured) == {30, 150}
    assert measured[30] == measured[150], measured
    assert measured[150] <= 15, measured


def test_score_save_costs_few_queries(api, in_audit, auditor_user, django_assert_max_num_queries):
    criterion = criteria_of(in_audit)[0]
    as_user(api, auditor_user)
    with django_assert_max_num_queries(7):
        response = api.put(
            f"/api/v1/audits/{in_audit.pk}/scores/{criterion.pk}/",
            {"rating": "fulfilled", "version": 0},
            format="json",
        )
    assert response.status_code == 200


# --- The auditor's profile -----------------------------------------------------------------

PROFILE_URL = "/api/v1/audit/profile/"


def test_auditor_keeps_their_profile(api, co, co_user, beta):
    as_user(api, co_user)
    profile = api.get(PROFILE_URL).json()
    assert [q["scheme_kind"] for q in profile["qualifications"]] == ["organizational", "product"]
    assert profile["conflicts"] == []

    response = api.put(
        PROFILE_URL + "qualifications/", {"scheme_kinds": ["product"]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["qualifications"] == [
        {"scheme_kind": "product", "scheme_label": "Product", "valid_until": None}
    ]

    until = timezone.now().date() + timedelta(days=30)
    response = api.post(
        PROFILE_URL + "conflicts/",
        {"organization": "beta", "until": str(until), "reason": "Former employer"},
        format="json",
    )
    assert response.status_code == 201, response.content
    conflict = response.json()
    assert (conflict["organization_slug"], conflict["until"], conflict["reason"]) == (
        "beta",
        str(until),
        "Former employer",
    )
    assert [c["id"] for c in api.get(PROFILE_URL).json()["conflicts"]] == [conflict["id"]]

    assert api.delete(f"{PROFILE_URL}conflicts/{conflict['id']}/").status_code == 204
    assert api.delete(f"{PROFILE_URL}conflicts/{conflict['id']}/").status_code == 404
    assert co.conflicts.count() == 0
    assert set(co.qualifications.values_list("scheme_kind", flat=True)) == {"product"}


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("qualifications/", {"scheme_kinds": ["space"]}, "scheme_kinds"),
        ("qualifications/", {}, "scheme_kinds"),
        ("conflicts/", {}, "organization"),
        ("conflicts/", {"organization": "no-such-org"}, "organization"),
        ("conflicts/", {"organization": "beta", "until": "soon"}, "until"),
        ("conflicts/", {"organization": "beta", "until": "2001-01-01"}, "until"),
        ("conflicts/", {"organization": "beta", "reason": "x" * 501}, "reason"),
    ],
)
def test_bad_profile_input_is_400_and_writes_nothing(api, co, co_user, beta, path, payload, field):
    before = counts()
    response = as_user(api, co_user).generic(
        "PUT" if path == "qualifications/" else "POST",
        PROFILE_URL + path,
        json.dumps(payload),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert counts() == before


def test_profile_and_grants_refuse_everyone_else(alpha, co, lead, charlie, alice, office_user):
    """Anonymous: 401; a non-auditor on the profile and a non-office user on the grants:
    404; another auditor's declaration: 404. Nothing is written."""
    conflict = auditor_conflict_declare(auditor=co, organization=alpha, by=office_user)
    before = counts()
    refusals = [
        (None, PROFILE + GRANTS, 401),
        (charlie, PROFILE + GRANTS, 404),
        (alice, PROFILE + GRANTS, 404),
        (office_user, PROFILE, 404),
        (lead.user, GRANTS, 404),
        (lead.user, [("delete", "/api/v1/audit/profile/conflicts/{conflict}/")], 404),
    ]
    for user, endpoints, expected in refusals:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        for method, template in endpoints:
            url = template.format(conflict=conflict.pk)
            body = BODY | {"organization": "beta"} if method in ("post", "put") else None
            response = getattr(client, method)(url, body, format="json")
            assert response.status_code == expected, (user, method, url, response.content)
    assert counts() == before


def test_conflict_declared_through_the_api_ends_the_assignment(api, assigned, auditor_user):
    as_user(api, auditor_user)
    assert api.get(f"/api/v1/audits/{assigned.pk}/").status_code == 200

    response = api.post(PROFILE_URL + "conflicts/", {"organization": "alpha"}, format="json")

    assert response.status_code == 201, response.content
    with scopes_disabled():
        ended = AuditorAssignment.objects.get(application=assigned)
    assert (ended.status, ended.reason) == ("ended", "conflict of interest declared")
    assert api.get(f"/api/v1/audits/{assigned.pk}/").status_code == 404
    assert api.get("/api/v1/audits/").json()["count"] == 0


def test_removing_a_qualification_while_assigned_is_400(api, assigned, auditor_user):
    before = counts()
    response = as_user(api, auditor_user).put(
        PROFILE_URL + "qualifications/", {"scheme_kinds": ["product"]}, format="json"
    )
    assert response.status_code == 400
    assert "while assigned" in response.json()["scheme_kinds"][0]
    assert counts() == before


# --- The office's recorded organizational grants ------------------------------------------------


def test_office_records_an_organizational_grant(api, alpha_signee, alpha, alice, office_user):
    until = timezone.now().date() + timedelta(days=365)
    as_user(api, office_user)

    response = api.post(
        "/api/v1/office/grants/",
        {"organization": "alpha", "reference": " ORG-2026-7 ", "valid_until": str(until)},
        format="json",
    )

    assert response.status_code == 201, response.content
    grant = response.json()
    assert (grant["organization_slug"], grant["reference"], grant["valid_until"]) == (
        "alpha",
        "ORG-2026-7",
        str(until),
    )
    assert grant["recorded_by"] == str(office_user)
    listed = api.get("/api/v1/office/grants/").json()
    assert [g["id"] for g in listed["results"]] == [grant["id"]]
    # It counts as the organizational certificate: alpha may apply for a product one.
    application = new_application(alpha, alice, kind="product")
    assert application.kind == "product"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"organization": "beta"}, "organization"),  # Beta is no approved signee
        ({"organization": "nobody"}, "organization"),
        ({"reference": ""}, "reference"),
        ({"reference": "x" * 101}, "reference"),
        ({"valid_until": "someday"}, "valid_until"),
        ({"valid_until": "2001-01-01"}, "non_field_errors"),
    ],
)
def test_bad_grant_is_400_and_writes_nothing(api, alpha_signee, beta, office_user, payload, field):
    body = {"organization": "alpha", "reference": "ORG-1", "valid_until": "2030-12-31"} | payload
    before = counts()
    response = as_user(api, office_user).post("/api/v1/office/grants/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert counts() == before


# --- The schema --------------------------------------------------------------------------


def test_every_endpoint_is_in_the_openapi_schema(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    paths = schema["paths"]
    for method, template in ALL + PROFILE + GRANTS:
        path = (
            template.replace("alpha", "{org_slug}")
            .replace("{cid}", "{criterion_id}")
            .replace("{fid}", "{finding_id}")
            .replace("{eid}", "{evidence_id}")
            .replace("{aid}", "{assignment_id}")
            .replace("{conflict}", "{conflict_id}")
        )
        assert path in paths, path
        assert method in paths[path], (method, path)


def test_schema_generation_has_no_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
