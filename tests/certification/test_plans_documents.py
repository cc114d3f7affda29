"""The audit report PDF records the evaluation planning: the plan in force (dates, mode,
sites, method, agenda, team, duration and its rule), its versions, the company's
confirmation and the objections with their outcome, times in UTC."""

import pytest
from django_scopes import scopes_disabled

from certification.models import AuditorAssignment
from certification.services import plans
from certification.services.audits import report_submit

from .helpers import raise_objection, score_all, send_plan
from .test_audits_documents import _rendered, pdf_text

pytestmark = pytest.mark.django_db


def test_the_report_pdf_has_the_plan_its_confirmation_and_the_objections(
    in_audit, auditor_user, alice, office_user
):
    first = send_plan(in_audit, auditor_user)
    with scopes_disabled():
        lead = AuditorAssignment.objects.get(application=in_audit, role="lead")
    objection = raise_objection(first, lead, alice, reason="Worked for Beta until 2025.")
    plans.objection_dismiss(objection=objection, reason="Two years ago; no link.", by=office_user)
    second = send_plan(in_audit, office_user, change_note="One day later.")
    plans.plan_confirm(plan=second, by=alice)
    score_all(in_audit, auditor_user)
    report_submit(application=in_audit, recommendation="grant", summary="Met.", by=auditor_user)

    _document, pdf = _rendered(in_audit)
    text = pdf_text(pdf)
    plan = text[text.index("Audit plan Version in force") :]
    assert "Version in force 2 · Confirmed by the company" in plan
    assert "Alice Owner" in plan and " UTC" in plan
    assert "Remote" in plan
    assert "2.5 person-days" in plan
    assert "Rule: 1.5 base (Organizational) + 0.25 × 4 subject areas beyond 4 = 2.5" in plan
    assert "Arne Auditor (Lead auditor, Audit Body)" in plan
    # The agenda: by day, the timed rows first.
    assert plan.index("09:00 Opening meeting") < plan.index("1 Management") < plan.index("Closing")
    assert "One day later." in plan
    assert "Replaced by a later version" in plan  # version 1 in the list of versions
    assert "Worked for Beta until 2025." in plan
    assert "Dismissed: the auditor stays" in plan and "Two years ago; no link." in plan


def test_without_a_plan_the_report_says_so(reported):
    # A report from before the audit plan existed (the rows written directly).
    from certification.models import AuditPlan

    with scopes_disabled():
        AuditPlan.objects.filter(application=reported).delete()
    text = pdf_text(_rendered(reported)[1])
    assert "No audit plan was sent." in text
    assert "The company raised no objection to an auditor." in text
