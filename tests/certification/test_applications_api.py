"""The certification API for applications: every endpoint scoped to its audience
(organization, assigned auditor, CPO office; outsiders get 404, anonymous 401, nothing
written); the organization's applications, the office's review and decision, its recorded
grants; bounded list queries; the OpenAPI schema."""

from datetime import timedelta

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from certification.models import (
    AuditorAssignment,
)
from certification.services.applications import (
    application_reopen_audit,
    application_submit,
)
from certification.services.auditors import assignment_end, auditor_assign, auditor_conflict_declare
from certification.services.audits import report_submit
from tests.certification.helpers import (
    ORG,
    as_user,
    counts,
    new_application,
    plan_for_report,
    score_all,
)

pytestmark = pytest.mark.django_db


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
    ("post", "/api/v1/audit/profile/qualifications/"),
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


def test_company_sees_the_pass_result_after_the_report(api, reported, alice):
    body = as_user(api, alice).get(f"{ORG}{reported.pk}/").json()
    assert body["status"] == "report_submitted"
    assert body["recommendation"] == "grant"
    assert body["pass_result"]["passed"] is True
    assert body["pass_result"]["complete"] is True
    assert len(body["pass_result"]["groups"]) == 8  # the eight organizational subject areas
    assert body["pass_result"]["groups"][0]["area"]["title"]


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

    from tests.factories import make_office

    # co audited this case and is office staff as well.
    application_reopen_audit(application=reported, by=office_user, reason="Check.")
    auditor_assign(application=reported, auditor=co, role="co", by=office_user)
    plan_for_report(reported)  # the report waits for a plan sent (plans)
    report_submit(
        application=reported, recommendation="grant", summary="Fine.", by=reported_lead(reported)
    )
    make_office(co_user)
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
    plan_for_report(in_audit)  # the report waits for a plan sent (plans)
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


# --- The office's recorded organizational grants ------------------------------------------------


def test_office_records_an_organizational_grant(api, alpha_signee, alpha, alice, office_user):
    until = timezone.localdate() + timedelta(days=365)
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
