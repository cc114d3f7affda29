"""Script and HTML injection through the texts of the certification and report workflows:
finding descriptions, corrective actions, verification notes, score rationales and the audit
report's summary; the annual report's title, section titles and Markdown. Neutralised on
every page that shows them and in the HTML their PDFs are rendered from.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import FindingKind
from certification.services.audits import report_submit
from certification.services.findings import finding_answer, finding_raise, finding_verify
from community.models import AnnualReport
from community.services import reports as community
from cpo_portal.documents.models import Document
from cpo_portal.documents.registry import get_kind
from cpo_portal.documents.rendering import render_html
from tests.certification import conftest as certification_fixtures
from tests.certification.helpers import (
    answer_fields,
    criteria_of,
    plan_for_report,
    score,
    score_all,
)
from tests.trust.conftest import _ready_pdf
from tests.trust.test_injection import PAYLOAD, SCRIPT, assert_neutralised

pytestmark = pytest.mark.django_db

# The certification fixtures, shared with this module.
accepted = certification_fixtures.accepted
alpha_signee = certification_fixtures.alpha_signee
assigned = certification_fixtures.assigned
draft = certification_fixtures.draft
in_audit = certification_fixtures.in_audit
lead = certification_fixtures.lead
submitted = certification_fixtures.submitted
through_services = certification_fixtures.through_services

ESCAPED = "&lt;script&gt;"
# Markdown that tries the tricks the sanitizer must undo, beside the plain payload.
MARKDOWN = (
    f"# Review {SCRIPT}\n\n{PAYLOAD}\n\n* [click](javascript:alert(1))\n"
    "* ![x](javascript:alert(1))\n\n<a href='javascript:alert(1)'>x</a>\n"
)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert_neutralised(html)
    return html


def pdf_source(kind_name: str, document: Document) -> str:
    """The HTML the document pipeline hands to WeasyPrint."""
    kind = get_kind(kind_name)
    html = render_html(kind.template, kind.build_context(document), language="en")
    assert_neutralised(html)
    return html


@pytest.fixture
def hostile_audit(in_audit, auditor_user, alice):
    """An audit whose every free text carries the payload: a score's rationale, a major
    finding with the company's corrective action and the auditor's verification note."""
    score_all(in_audit, auditor_user)
    score(in_audit, criteria_of(in_audit)[0], "fulfilled", auditor_user, rationale=PAYLOAD)
    finding = finding_raise(
        objective_evidence="Seen during the audit.",
        application=in_audit,
        kind=FindingKind.MAJOR,
        criterion_ids=[criteria_of(in_audit)[0].pk],
        description=PAYLOAD,
        by=auditor_user,
    )
    finding_answer(**answer_fields(), finding=finding, corrective_action=PAYLOAD, by=alice)
    finding_verify(finding=finding, note=PAYLOAD, by=auditor_user)
    return in_audit, finding


def test_finding_texts_are_escaped_on_the_audit_and_company_pages(
    client, hostile_audit, auditor_user, alice, office_user
):
    application, finding = hostile_audit
    client.force_login(auditor_user)
    html = page(client, reverse("certification:audit", args=[application.pk]))
    assert ESCAPED in html

    client.force_login(alice)
    slug = application.organization.slug
    for url in [
        reverse("certification:application", args=[slug, application.pk]),
        reverse("certification:finding_answer", args=[slug, application.pk, finding.pk]),
    ]:
        assert ESCAPED in page(client, url), url

    client.force_login(office_user)
    assert ESCAPED in page(
        client, reverse("certification:office_application", args=[application.pk])
    )


def test_finding_texts_and_summary_are_escaped_in_the_audit_report_pdf_source(
    client, hostile_audit, auditor_user, office_user
):
    application, _finding = hostile_audit
    plan_for_report(application)  # the report waits for a plan sent (plans)
    report_submit(application=application, recommendation="grant", summary=PAYLOAD, by=auditor_user)
    with scopes_disabled():
        document = Document.objects.create(
            kind="audit_report",
            owner=application,
            organization=application.organization,
            title="Audit report",
            status_changed_at=timezone.now(),
        )
    html = pdf_source("audit_report", document)
    # The description, the corrective action, the note and the summary, each escaped.
    assert html.count(ESCAPED) >= 4

    client.force_login(office_user)
    page(client, reverse("certification:office_decide", args=[application.pk]))


@pytest.fixture
def published_report(office_user):
    year = timezone.now().year
    report = community.report_create(year=year, title=f"Report {SCRIPT}", by=office_user)
    community.report_snapshot_take(report=report, by=office_user)
    for section in report.sections.order_by("position"):
        community.report_section_save(
            report=report, section=section, by=office_user, title=PAYLOAD[:200], body=MARKDOWN
        )
    document = community.report_render(report=report, by=office_user)
    # Rendering is not under test: the file is written directly, after the last change.
    _ready_pdf(document, "report.pdf")
    return community.report_publish(report=report, by=office_user), document


def test_annual_report_is_escaped_on_its_page_and_in_the_pdf_source(client, published_report):
    report, document = published_report
    html = page(client, reverse("community:report", args=[report.year]))
    # The sections are on the page (as text), not dropped wholesale.
    assert "Review" in html and ESCAPED in html
    assert "javascript:" not in html
    page(client, reverse("community:reports"))

    with scopes_disabled():
        assert Document.objects.filter(
            owner_type=ContentType.objects.get_for_model(AnnualReport), owner_id=str(report.pk)
        ).exists()
    source = pdf_source("annual_report", document)
    assert "Review" in source and ESCAPED in source
    assert "javascript:" not in source
