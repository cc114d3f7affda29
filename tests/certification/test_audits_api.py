"""The certification API for audits: the company answers findings; the assigned auditor's
sheet, scores (a stale score a 409 with both values), findings, corrections and report; the
office's score history; the audit list and sheet in a bounded number of queries."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from certification.models import (
    ApplicationStatus,
)
from certification.services.applications import (
    application_accept,
    application_submit,
)
from certification.services.auditors import auditor_assign
from certification.services.findings import finding_answer, finding_raise
from certification.services.self_assessment import evidence_add_link
from criteria.models import CatalogueVersion, VersionStatus
from tests.certification.factories import advance
from tests.certification.helpers import (
    ORG,
    PDF_BYTES,
    answer_fields,
    as_user,
    counts,
    criteria_of,
    new_application,
    score,
    score_all,
    send_plan,
)
from tests.criteria.factories import build_version

pytestmark = pytest.mark.django_db


def test_company_answers_a_finding_and_adds_evidence(api, case, alice):
    as_user(api, alice)
    base = f"{ORG}{case['id']}/findings/{case['fid']}/"
    assert api.post(base + "answer/", {}, format="json").status_code == 400
    # findings: correction, root cause, corrective action and its completion date.
    answer = {"corrective_action": "Owners named.", **answer_fields()}
    answer["action_due_on"] = answer["action_due_on"].isoformat()
    response = api.post(base + "answer/", answer, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "answered"
    assert response.json()["criteria"] == [case["criterion"].code]
    upload = SimpleUploadedFile("owners.pdf", PDF_BYTES)
    response = api.post(base + "evidence/", {"file": upload})
    assert response.status_code == 201, response.content
    # Answering twice is refused.
    before = counts()
    response = api.post(base + "answer/", {**answer, "corrective_action": "Again."}, format="json")
    assert response.status_code == 400
    assert counts() == before
    detail = api.get(f"{ORG}{case['id']}/").json()
    assert [f["id"] for f in detail["findings"]] == [case["fid"]]
    assert [a["auditor"] for a in detail["assignments"]] == ["Arne Auditor"]
    assert detail["pass_result"] is None  # not before the report


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
        "without_evidence": False,  # evidence required (clarifications)
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
    # Based on the newer version, it goes through (confirmed: the criterion requires evidence
    # the company did not give; clarifications).
    response = api.put(
        url,
        {"rating": "fulfilled", "version": 1, "without_evidence": True, "rationale": "Seen."},
        format="json",
    )
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
    finding_answer(**answer_fields(), finding=case["finding"], corrective_action="Named.", by=alice)
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
    assert response.status_code == 400  # no plan sent yet (plans)
    assert "Send the audit plan" in response.json()["non_field_errors"][0]
    send_plan(in_audit, auditor_user)
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
        objective_evidence="Seen during the audit.",
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
    criterion = next(c for c in criteria_of(in_audit) if not c.evidence_required)
    as_user(api, auditor_user)
    with django_assert_max_num_queries(7):
        response = api.put(
            f"/api/v1/audits/{in_audit.pk}/scores/{criterion.pk}/",
            {"rating": "fulfilled", "version": 0},
            format="json",
        )
    assert response.status_code == 200


# --- Evidence required (clarifications) ------------------------------------------------------


def test_fulfilled_without_evidence_is_a_400_naming_the_confirmation(api, in_audit, auditor_user):
    criterion = next(c for c in criteria_of(in_audit) if c.evidence_required)
    url = f"/api/v1/audits/{in_audit.pk}/scores/{criterion.pk}/"
    as_user(api, auditor_user)
    refused = api.put(url, {"rating": "fulfilled", "version": 0}, format="json")
    assert refused.status_code == 400
    assert "without_evidence" in refused.json()
    saved = api.put(
        url,
        {
            "rating": "fulfilled",
            "rationale": "Seen on site.",
            "version": 0,
            "without_evidence": True,
        },
        format="json",
    )
    assert saved.status_code == 200 and saved.json()["without_evidence"] is True
