"""The audit report PDF with findings in steps: each finding's full history (every step with
its date in UTC, the person and the text), the participants (the audit team with roles, the
company's people by name, never an e-mail address) and the plan in force (mode, dates, sites,
method and sampling, agenda)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from certification.models import FindingKind, Rating
from certification.services.audits import report_submit
from certification.services.findings import (
    finding_answer,
    finding_raise,
    finding_send_back,
    finding_verify,
)
from tests.certification.helpers import criteria_of, plan_for_report, score
from tests.certification.test_audits_documents import _rendered, _report_document, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported_with_history(in_audit, auditor_user, alice):
    for criterion in criteria_of(in_audit):
        score(in_audit, criterion, Rating.FULFILLED, auditor_user)
    major = finding_raise(
        application=in_audit,
        kind=FindingKind.MAJOR,
        criterion_ids=[criteria_of(in_audit)[0].pk],
        description="No owner of the interfaces is named.",
        objective_evidence="Org chart v3 names nobody.",
        by=auditor_user,
    )
    answer = {
        "correction": "Named an owner at once.",
        "root_cause": "Roles were not reviewed.",
        "action_due_on": timezone.localdate() + timedelta(days=30),
    }
    finding_answer(finding=major, corrective_action="A yearly review.", by=alice, **answer)
    finding_send_back(finding=major, reason="No record of the review.", by=auditor_user)
    finding_answer(finding=major, corrective_action="A minuted review.", by=alice, **answer)
    finding_verify(finding=major, note="Minutes of 2026-12 seen.", by=auditor_user)
    plan_for_report(in_audit)
    report_submit(
        application=in_audit, recommendation="deny", summary="See findings.", by=auditor_user
    )
    return in_audit


def test_report_pdf_shows_each_findings_full_history(reported_with_history):
    _document, pdf = _rendered(reported_with_history)
    text = pdf_text(pdf)
    for expected in (
        "No owner of the interfaces is named.",
        "Org chart v3 names nobody.",
        "Finding raised",
        "Correction and corrective action proposed",
        "Named an owner at once.",
        "Roles were not reviewed.",
        "A yearly review.",
        "Sent back to the company",
        "No record of the review.",
        "A minuted review.",
        "Effectiveness verified",
        "Minutes of 2026-12 seen.",
        "UTC",
    ):
        assert expected in text, expected
    # Who took each step, by name.
    assert "Arne Auditor" in text and "Alice Owner" in text


def test_report_pdf_names_participants_and_the_plan_without_e_mail(reported_with_history):
    _document, pdf = _rendered(reported_with_history)
    text = pdf_text(pdf)
    assert "Participants" in text
    assert "Audit team" in text and "For the company" in text
    assert "Alice Owner" in text
    assert "@" not in text  # names only, never an e-mail address
    for expected in ("Audit plan", "Audit mode", "Audit dates", "Method and sampling", "Agenda"):
        assert expected in text, expected


def test_report_context_with_histories_stays_bounded(
    reported_with_history, auditor_user, django_assert_max_num_queries
):
    from cpo_portal.documents.registry import get_kind
    from cpo_portal.documents.rendering import render_html

    document = _report_document(reported_with_history)
    kind = get_kind("audit_report")
    # The histories cost one query for all findings; the participants four.
    with django_assert_max_num_queries(20):
        context = kind.build_context(document)
        html = render_html(kind.template, {"document": document, **context}, language="en")
    assert "Effectiveness verified" in html
