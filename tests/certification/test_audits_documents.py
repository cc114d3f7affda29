"""The audit report PDF: rendered through the Document pipeline, real text, bounded
queries, and downloadable only by the company, the assigned auditors and the office."""

import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django_scopes import scopes_disabled

from certification.models import Application, FindingKind, Rating
from certification.services.applications import application_decide
from certification.services.auditors import assignment_end
from certification.services.audits import report_submit
from certification.services.findings import finding_raise
from cpo_portal.documents.access import can_download
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.documents.services import document_render
from tests.certification.helpers import criteria_of, plan_for_report, score

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> str:
    # poppler-utils is a declared test dependency (see tests/integration); no skip here.
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext is missing (apt install poppler-utils)"
    result = subprocess.run(
        [pdftotext, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def _report_document(application):
    with scopes_disabled():
        return Document.objects.get(
            kind="audit_report",
            owner_type=ContentType.objects.get_for_model(Application),
            owner_id=str(application.pk),
        )


def _rendered(application):
    # The test never commits, so the queued rendering did not run: render in-process.
    document = document_render(document_id=_report_document(application).pk)
    assert document is not None
    assert document.status == DocumentStatus.READY, document.last_error
    with document.file.open("rb") as fh:
        return document, fh.read()


def test_report_pdf_names_organization_recommendation_and_criteria(reported):
    document, pdf = _rendered(reported)
    assert pdf.startswith(b"%PDF")
    assert document.size == len(pdf)
    text = pdf_text(pdf)
    first = criteria_of(reported)[0]
    assert "Audit report" in text
    assert "Alpha" in text
    assert "The lead auditor recommends: Grant" in text
    assert "All criteria met." in text
    assert first.code in text
    assert "The pass rule is met." in text
    assert "Arne Auditor (Lead auditor" in text
    assert "Fulfilled" in text
    assert "Initial certification" in text


def test_report_pdf_shows_failed_pass_rule_and_findings(in_audit, auditor_user):
    criteria = criteria_of(in_audit)
    for criterion in criteria:
        score(in_audit, criterion, Rating.FULFILLED, auditor_user)
    shall = criteria_of(in_audit, "shall")[0]
    score(in_audit, shall, Rating.NOT_FULFILLED, auditor_user, rationale="No handbook seen.")
    finding_raise(
        objective_evidence="Seen during the audit.",
        application=in_audit,
        kind=FindingKind.OBSERVATION,
        criterion_ids=[shall.pk],
        description="Handbook draft only.",
        by=auditor_user,
    )
    plan_for_report(in_audit)  # the report waits for a plan sent (plans)
    report_submit(
        application=in_audit, recommendation="deny", summary="Shall gap.", by=auditor_user
    )
    _document, pdf = _rendered(in_audit)
    text = pdf_text(pdf)
    assert "The lead auditor recommends: Deny" in text
    assert "The pass rule is not met." in text
    assert f"Mandatory (shall) criteria not fulfilled: {shall.code}" in text
    assert "No handbook seen." in text
    assert "Handbook draft only." in text
    assert "Observation" in text


def test_report_context_and_template_render_in_bounded_queries(
    reported, auditor_user, django_assert_max_num_queries
):
    from cpo_portal.documents.registry import get_kind
    from cpo_portal.documents.rendering import render_html

    document = _report_document(reported)
    kind = get_kind("audit_report")
    # A finding per criterion would make an N+1 visible.
    with scopes_disabled():
        Application.objects.filter(pk=reported.pk).update(status="audit")
    for criterion in criteria_of(reported)[:10]:
        finding_raise(
            objective_evidence="Seen during the audit.",
            application=reported,
            kind=FindingKind.IMPROVEMENT,
            criterion_ids=[criterion.pk],
            description=f"Consider more for {criterion.code}.",
            by=auditor_user,
        )
    # 12, and three for the audit plan section: the versions, the agenda, the objections;
    # findings: one for every finding's step history, four for the company's participants.
    with django_assert_max_num_queries(20):
        context = kind.build_context(document)
        html = render_html(kind.template, {"document": document, **context}, language="en")
    assert "Consider more for" in html


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("alice", True),
        ("bob", True),
        ("auditor_user", True),
        ("office2", True),
        ("co_user", False),
        ("charlie", False),
    ],
)
def test_report_download_access(request, reported, co, beta, who, allowed):
    document, _pdf = _rendered(reported)
    user = request.getfixturevalue(who)
    assert can_download(user, document) is allowed


def test_auditor_keeps_their_report_once_the_case_is_decided(reported, auditor_user, office2):
    """Their record of work (tests/certification/test_audits_past_views.py); nobody else's."""
    document, _pdf = _rendered(reported)
    application_decide(application=reported, decision="grant", rationale="Conclusive.", by=office2)
    assert can_download(auditor_user, document) is True


def test_auditor_removed_before_the_end_loses_the_report(
    reported, auditor_user, office_user, office2
):
    from certification.selectors.auditors import assignment_of_auditor

    document, _pdf = _rendered(reported)
    assignment = assignment_of_auditor(auditor_user, reported)
    assignment_end(assignment=assignment, by=office_user, reason="Workload.")
    assert can_download(auditor_user, document) is False


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize(
    ("instant", "shown", "berlin"),
    [
        (datetime(2026, 1, 15, 12, 5, tzinfo=UTC), "2026-01-15 12:05 UTC", "13:05"),
        (datetime(2026, 7, 15, 12, 5, tzinfo=UTC), "2026-07-15 12:05 UTC", "14:05"),
    ],
)
def test_report_pdf_states_its_times_in_utc(reported, language, instant, shown, berlin):
    """Europe/Berlin is UTC+1 in winter and UTC+2 in summer; the record says UTC and means it."""
    with scopes_disabled():
        Application.objects.filter(pk=reported.pk).update(report_submitted_at=instant)
        Document.objects.filter(pk=_report_document(reported).pk).update(
            created_at=instant, language=language
        )
    _document, pdf = _rendered(reported)
    text = pdf_text(pdf)
    # The submission and the production time, each with its zone; no sentence ends in "..".
    assert text.count(shown) == 2
    assert berlin not in text
    assert f"{shown}.." not in text
