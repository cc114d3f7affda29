"""An auditor's past audits: read-only, their own record of work.

An audit stays readable for the auditors whose assignment lasted until the case was decided
or withdrawn: the page, the report and its PDF. It is read-only (no score, finding or report
route answers), and the company's private evidence files are closed. An assignment that ended
early — declined, removed by the office, ended by a conflict of interest — leaves nothing.
"""

import re

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from certification.models import Application, AssignmentStatus, AuditorAssignment, FindingKind
from certification.selectors.auditors import assignment_of_auditor
from certification.selectors.audits import past_audits_for_auditor
from certification.services.applications import (
    application_accept,
    application_decide,
    application_submit,
    application_withdraw,
)
from certification.services.auditors import (
    assignment_decline,
    assignment_end,
    auditor_assign,
    auditor_conflict_declare,
)
from certification.services.audits import report_submit
from certification.services.findings import finding_raise
from cpo_portal.documents.models import Document
from tests.certification.factories import ApplicationFactory
from tests.certification.helpers import (
    add_pdf,
    criteria_of,
    evidence_url,
    new_application,
    plan_for_report,
    score_all,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def url(name, *args):
    return reverse(f"certification:{name}", args=args)


def refreshed(instance):
    with scopes_disabled():
        instance.refresh_from_db()
    return instance


def _closed_routes(application, criterion, finding_id=1):
    """Every route of the auditor's working area except the page itself and the PDF."""
    pk = application.pk
    return [
        ("get", url("audit_summary", pk)),
        ("post", url("score_save", pk, criterion.pk)),
        ("get", url("finding_new", pk)),
        ("post", url("finding_new", pk)),
        ("post", url("finding_close", pk, finding_id)),
        ("post", url("finding_reopen", pk, finding_id)),
        ("post", url("request_corrections", pk)),
        ("post", url("resume_audit", pk)),
        ("get", url("audit_report", pk)),
        ("post", url("audit_report", pk)),
        ("get", url("audit_decline", pk)),
        ("post", url("audit_decline", pk)),
    ]


@pytest.fixture
def with_co(reported, co, office_user):
    """A co-auditor, assigned while the audit ran (added before the report)."""
    with scopes_disabled():
        AuditorAssignment.objects.create(
            application=reported, auditor=co, role="co", assigned_by=office_user
        )
    return co


@pytest.fixture
def finding(in_audit, auditor_user):
    criterion = criteria_of(in_audit)[0]
    return finding_raise(
        objective_evidence="Seen during the audit.",
        application=in_audit,
        kind=FindingKind.OBSERVATION,
        criterion_ids=[criterion.pk],
        description="The interface handbook could be more detailed.",
        by=auditor_user,
    )


@pytest.fixture
def evidence(assigned, alice):
    """A private evidence file, added during the self-assessment (before `in_audit`)."""
    return add_pdf(assigned, alice, name="secret-handbook.pdf")


@pytest.fixture
def decided(reported, office2, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(
            application=reported, decision="grant", rationale="Conclusive.", by=office2
        )
    return refreshed(reported)


def _ready_report(application):
    with scopes_disabled():
        document = Document.objects.get(kind="audit_report", owner_id=str(application.pk))
        document.file.save("report.pdf", ContentFile(PDF), save=False)
        document.status = "ready"
        document.size = len(PDF)
        document.rendered_at = timezone.now()
        document.save()
    return document


# --- the decided audit stays readable --------------------------------------------------------


def test_decided_audit_is_readable_read_only(
    client, evidence, finding, decided, auditor_user, with_co
):
    client.force_login(auditor_user)
    response = client.get(url("audit", decided.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Read-only" in html
    assert "Alpha" in html
    assert "Granted" in html
    assert "All criteria met." in html  # the report summary
    assert "Fulfilled" in html  # the scores
    assert "The interface handbook could be more detailed." in html  # the finding
    assert "As documented in our handbook." in html  # the answers the report records
    # Nothing to write, and the company's files are closed.
    assert url("score_save", decided.pk, criteria_of(decided)[0].pk) not in html
    assert "secret-handbook.pdf" not in html
    assert evidence_url(evidence) not in html


def test_main_area_of_the_past_audit_has_no_form(client, decided, auditor_user):
    client.force_login(auditor_user)
    html = client.get(url("audit", decided.pk)).content.decode()
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<form" not in main
    assert "hx-post" not in main


def test_co_auditor_reads_the_past_audit_too(client, decided, with_co, co_user):
    client.force_login(co_user)
    response = client.get(url("audit", decided.pk))
    assert response.status_code == 200
    assert "Co-auditor" in response.content.decode()


def test_every_working_route_of_a_past_audit_is_closed(client, finding, decided, auditor_user):
    client.force_login(auditor_user)
    criterion = criteria_of(decided)[0]
    with scopes_disabled():
        scores_before = list(decided.scores.values_list("pk", "version", "rating"))
    for method, path in _closed_routes(decided, criterion, finding.pk):
        data = {"rating": "not_fulfilled", "version": 1, "note": "x", "reason": "x"}
        response = getattr(client, method)(path, data if method == "post" else None)
        assert response.status_code == 404, (method, path)
    with scopes_disabled():
        assert list(decided.scores.values_list("pk", "version", "rating")) == scores_before
    assert refreshed(decided).status == "decided"


def test_past_auditor_cannot_download_the_companys_evidence(
    client, evidence, decided, auditor_user
):
    client.force_login(auditor_user)
    assert client.get(evidence_url(evidence)).status_code == 404


def test_withdrawn_audit_is_readable(client, in_audit, alice, auditor_user):
    application_withdraw(application=in_audit, by=alice, reason="Not now.")
    client.force_login(auditor_user)
    response = client.get(url("audit", in_audit.pk))
    assert response.status_code == 200
    assert "Withdrawn" in response.content.decode()


def test_other_auditors_and_everyone_else_get_404(
    request, client, decided, co_user, co, alice, charlie, office_user
):
    for user in (co_user, alice, charlie, office_user):
        client.force_login(user)
        assert client.get(url("audit", decided.pk)).status_code == 404, user
    client.logout()
    response = client.get(url("audit", decided.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- an assignment that ended early leaves nothing ------------------------------------------


def _end_early(how, application, auditor_user, lead, office_user):
    assignment = assignment_of_auditor(auditor_user, application)
    if how == "declined":
        assignment_decline(assignment=assignment, by=auditor_user, reason="Too busy.")
    elif how == "removed":
        assignment_end(assignment=assignment, by=office_user, reason="Workload.")
    else:
        auditor_conflict_declare(
            auditor=lead, organization=application.organization, by=auditor_user
        )


@pytest.mark.parametrize("how", ["declined", "removed", "conflict"])
def test_an_assignment_ended_early_gives_no_past_access(
    how, client, in_audit, alice, auditor_user, lead, office_user, co, office2
):
    _end_early(how, in_audit, auditor_user, lead, office_user)
    # The case goes on with another auditor and is decided.
    auditor_assign(application=in_audit, auditor=co, role="lead", by=office_user)
    score_all(in_audit, co.user)
    plan_for_report(in_audit)  # the report waits for a plan sent (plans)
    report_submit(application=in_audit, recommendation="grant", summary="Fine.", by=co.user)
    application_decide(application=in_audit, decision="grant", rationale="Conclusive.", by=office2)
    client.force_login(auditor_user)
    assert client.get(url("audit", in_audit.pk)).status_code == 404
    assert f"#{in_audit.pk}" not in client.get(url("audits")).content.decode()
    with scopes_disabled():
        assert not AuditorAssignment.objects.filter(
            application=in_audit, auditor=lead, status=AssignmentStatus.ACTIVE
        ).exists()


# --- the e-mails' links resolve ----------------------------------------------------------


def _link_in(message):
    return re.search(r"https?://[^/\s]+(/audit/\d+/)", message.body).group(1)


def test_the_decision_email_link_opens_the_past_audit(
    client, reported, office2, auditor_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(
            application=reported, decision="grant", rationale="Conclusive.", by=office2
        )
    [message] = [m for m in mail.outbox if auditor_user.email in m.to]
    client.force_login(auditor_user)
    response = client.get(_link_in(message))
    assert response.status_code == 200
    assert "Read-only" in response.content.decode()


def test_the_withdrawal_email_link_opens_the_past_audit(
    client, in_audit, alice, auditor_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application_withdraw(application=in_audit, by=alice)
    [message] = [m for m in mail.outbox if auditor_user.email in m.to]
    client.force_login(auditor_user)
    assert client.get(_link_in(message)).status_code == 200


# --- the report PDF ---------------------------------------------------------------------------


def test_current_and_past_auditors_download_their_report_pdf(
    client, decided, auditor_user, co_user, co, charlie
):
    _ready_report(decided)
    client.force_login(auditor_user)
    page = client.get(url("audit", decided.pk)).content.decode()
    assert url("audit_report_pdf", decided.pk) in page
    response = client.get(url("audit_report_pdf", decided.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF
    for other in (co_user, charlie):
        client.force_login(other)
        assert client.get(url("audit_report_pdf", decided.pk)).status_code == 404


def test_report_pdf_not_ready_is_404_and_not_linked(client, decided, auditor_user):
    client.force_login(auditor_user)
    assert (
        url("audit_report_pdf", decided.pk)
        not in client.get(url("audit", decided.pk)).content.decode()
    )
    assert client.get(url("audit_report_pdf", decided.pk)).status_code == 404


def test_assigned_auditor_downloads_the_submitted_report_pdf(client, reported, auditor_user):
    _ready_report(reported)
    client.force_login(auditor_user)
    assert client.get(url("audit_report_pdf", reported.pk)).status_code == 200


# --- "Your audits": current and past, each paginated ------------------------------------------


def _decided_audit(organization, owner, lead, auditor_user, office, decider):
    from tests.certification.helpers import audit_to_report, decide

    application = audit_to_report(
        new_application(organization, owner),
        company_user=owner,
        auditor=lead,
        auditor_user=auditor_user,
        office=office,
    )
    decide(application, decider, decision="deny")
    return application


def test_list_shows_current_and_past_audits_apart(
    client, decided, auditor_user, lead, alpha, alice, office_user, office2
):
    current = new_application(alpha, alice)
    application_submit(application=current, by=alice)
    application_accept(application=current, by=office_user)
    auditor_assign(application=current, auditor=lead, role="lead", by=office_user)
    client.force_login(auditor_user)
    html = client.get(url("audits")).content.decode()
    current_part, past_part = html.split('id="past-audits"', 1)
    assert url("audit", current.pk) in current_part
    assert url("audit", decided.pk) not in current_part
    assert url("audit", decided.pk) in past_part
    assert "Granted" in past_part


def test_past_list_is_paginated_with_bounded_queries(
    client, settings, auditor_user, lead, alpha, alice, office_user, office2, alpha_signee
):
    from certification.views import audits as audit_views

    client.force_login(auditor_user)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url("audits")).status_code == 200
        return len(ctx)

    first = _decided_audit(alpha, alice, lead, auditor_user, office_user, office2)
    one = count()
    for _ in range(2):
        _decided_audit(alpha, alice, lead, auditor_user, office_user, office2)
    assert count() == one
    audit_views.PAST_PAGE_SIZE, before = 2, audit_views.PAST_PAGE_SIZE
    try:
        page_one = client.get(url("audits")).content.decode()
        page_two = client.get(url("audits") + "?past=2").content.decode()
    finally:
        audit_views.PAST_PAGE_SIZE = before
    # Newest first: the first decided audit is on the second page.
    assert url("audit", first.pk) not in page_one
    assert url("audit", first.pk) in page_two
    assert "past=2" in page_one


def test_selector_past_audits_excludes_active_and_early_ended(
    decided, in_audit_other, auditor_user
):
    ids = [a.application_id for a in past_audits_for_auditor(auditor_user)]
    assert ids == [decided.pk]


@pytest.fixture
def in_audit_other(alpha, alice, lead, office_user, alpha_signee):
    return ApplicationFactory(
        organization=alpha, created_by=alice, assigned=True, office=office_user, lead=lead
    )


def test_past_audit_page_queries_are_bounded(client, decided, auditor_user):
    client.force_login(auditor_user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url("audit", decided.pk)).status_code == 200
    assert len(ctx) <= 25


def test_application_model_is_untouched_by_reading(client, decided, auditor_user):
    with scope(organization=decided.organization):
        before = Application.objects.filter(pk=decided.pk).values().first()
    client.force_login(auditor_user)
    client.get(url("audit", decided.pk))
    with scope(organization=decided.organization):
        assert Application.objects.filter(pk=decided.pk).values().first() == before
