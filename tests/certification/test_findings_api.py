"""Findings in the API: the auditor raises with objective evidence, the company answers in
its steps, the auditor sends back and verifies; every response carries the step history;
the company cannot verify, the auditor cannot answer, outsiders get 404."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.certification.helpers import ORG, as_user, counts, criteria_of

pytestmark = pytest.mark.django_db


def audit_base(case):
    return f"/api/v1/audits/{case['id']}/findings/"


def answer_payload(**extra):
    return {
        "correction": "Named an owner.",
        "root_cause": "No role review.",
        "corrective_action": "Yearly role review.",
        "action_due_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        **extra,
    }


def test_a_finding_through_its_steps(api, case, auditor_user, alice):
    as_user(api, auditor_user)
    criterion = criteria_of(case["app"])[1]
    refused = api.post(
        audit_base(case),
        {"kind": "minor", "criterion_ids": [criterion.pk], "description": "Gap."},
        format="json",
    )
    assert refused.status_code == 400
    assert "objective_evidence" in refused.json()
    raised = api.post(
        audit_base(case),
        {
            "kind": "minor",
            "criterion_ids": [criterion.pk],
            "description": "Gap.",
            "objective_evidence": "Seen in the log.",
        },
        format="json",
    )
    assert raised.status_code == 201, raised.content
    body = raised.json()
    assert body["objective_evidence"] == "Seen in the log."
    assert [s["step"] for s in body["steps"]] == ["raised"]
    assert body["steps"][0]["by"] == "Arne Auditor"
    fid = body["id"]

    as_user(api, alice)
    company = f"{ORG}{case['id']}/findings/{fid}/answer/"
    missing = api.post(company, answer_payload(root_cause=""), format="json")
    assert missing.status_code == 400 and "root_cause" in missing.json()
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert api.post(company, answer_payload(action_due_on=past), format="json").status_code == 400
    answered = api.post(company, answer_payload(), format="json")
    assert answered.status_code == 200, answered.content
    assert answered.json()["root_cause"] == "No role review."

    as_user(api, auditor_user)
    back = api.post(f"{audit_base(case)}{fid}/reopen/", {"reason": "No minutes."}, format="json")
    assert back.status_code == 200 and back.json()["status"] == "open"
    as_user(api, alice)
    assert api.post(company, answer_payload(), format="json").status_code == 200
    as_user(api, auditor_user)
    assert api.post(f"{audit_base(case)}{fid}/close/", {}, format="json").status_code == 400
    done = api.post(f"{audit_base(case)}{fid}/close/", {"note": "Minutes seen."}, format="json")
    assert done.status_code == 200
    assert [s["step"] for s in done.json()["steps"]] == [
        "raised",
        "answered",
        "sent_back",
        "answered",
        "accepted",
    ]


def test_the_company_cannot_verify_and_the_auditor_cannot_answer(api, case, auditor_user, alice):
    fid = case["fid"]
    as_user(api, alice)
    assert api.post(f"{audit_base(case)}{fid}/close/", {"note": "x"}).status_code == 404
    as_user(api, auditor_user)
    before = counts()
    response = api.post(
        f"{ORG}{case['id']}/findings/{fid}/answer/", answer_payload(), format="json"
    )
    assert response.status_code == 404
    assert counts() == before


def test_outsiders_get_404(api, case, charlie, co):
    for user in (charlie, co.user):
        as_user(api, user)
        assert api.post(f"{audit_base(case)}{case['fid']}/close/", {"note": "x"}).status_code == 404
        answer = f"/api/v1/organizations/alpha/applications/{case['id']}/findings/{case['fid']}/"
        assert api.post(answer + "answer/", answer_payload(), format="json").status_code == 404
