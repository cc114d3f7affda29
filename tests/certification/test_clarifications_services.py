"""Clarification requests: the auditor asks on a criterion, the company answers (with evidence
if it likes), the auditor asks again or closes; each step keeps its deadline."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import (
    ClarificationMessage,
    ClarificationStatus,
    Deadline,
    DeadlineKind,
    Evidence,
)
from certification.selectors.clarifications import (
    clarification_counts,
    clarification_threads,
    open_clarifications_of_organization,
)
from certification.services.applications import application_transition
from certification.services.clarifications import (
    clarification_answer,
    clarification_ask,
    clarification_close,
    clarification_reply,
)
from certification.services.deadlines import deadlines_remind
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError

from .helpers import criteria_of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def ask(application, user, criterion=None, question="Who owns the OCPP interface?"):
    criterion = criterion or criteria_of(application)[0]
    return clarification_ask(
        application=application, criterion_id=criterion.pk, question=question, by=user
    )


def deadlines_of(request):
    with scopes_disabled():
        return list(Deadline.objects.filter(kind=DeadlineKind.CLARIFICATION, clarification=request))


def test_an_assigned_auditor_asks_and_the_company_hears_with_the_question(
    in_audit, auditor_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(in_audit, auditor_user)
    assert request.status == ClarificationStatus.OPEN
    assert request.due_on == timezone.localdate() + timedelta(days=14)
    [deadline] = deadlines_of(request)
    assert deadline.due_on == request.due_on and deadline.application_id == in_audit.pk
    assert any("Who owns the OCPP interface?" in m.body for m in mailoutbox)
    with scopes_disabled():
        assert ActivityEntry.objects.filter(verb="certification.clarification_asked").exists()


def test_only_an_assigned_auditor_asks(in_audit, alice, co_user):
    for user in (alice, co_user):
        with pytest.raises(DomainError):
            ask(in_audit, user)


def test_a_question_needs_text_and_a_criterion_of_the_scheme(in_audit, auditor_user):
    with pytest.raises(DomainError):
        ask(in_audit, auditor_user, question="  ")
    with pytest.raises(DomainError):
        clarification_ask(application=in_audit, criterion_id=999999, question="?", by=auditor_user)


def test_no_question_outside_the_scoring_states(assigned, auditor_user):
    with pytest.raises(DomainError):
        ask(assigned, auditor_user)


def test_the_company_answers_with_evidence_and_the_deadline_closes(
    in_audit, auditor_user, alice, mailoutbox, django_capture_on_commit_callbacks
):
    request = ask(in_audit, auditor_user)
    upload = SimpleUploadedFile("owners.pdf", PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        clarification_answer(request=request, body="Our CTO owns it.", upload=upload, by=alice)
    request.refresh_from_db()
    assert request.status == ClarificationStatus.ANSWERED
    assert all(d.closed_at for d in deadlines_of(request))
    with scopes_disabled():
        evidence = Evidence.objects.get(clarification=request)
        assert evidence.criterion_id == request.criterion_id and evidence.sha256
        sides = list(
            ClarificationMessage.objects.filter(request=request).values_list("side", flat=True)
        )
    assert sides == ["auditor", "company"]
    assert any("Our CTO owns it." in m.body for m in mailoutbox)


def test_an_answer_refuses_a_disguised_file_and_writes_nothing(in_audit, auditor_user, alice):
    request = ask(in_audit, auditor_user)
    upload = SimpleUploadedFile(
        "owners.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    with pytest.raises(DomainError):
        clarification_answer(request=request, body="See file.", upload=upload, by=alice)
    request.refresh_from_db()
    assert request.status == ClarificationStatus.OPEN


def test_a_member_who_is_not_admin_cannot_answer(in_audit, auditor_user, bob):
    request = ask(in_audit, auditor_user)
    with pytest.raises(DomainError):
        clarification_answer(request=request, body="Hi", by=bob)


def test_an_answered_request_is_not_answered_twice(in_audit, auditor_user, alice):
    request = ask(in_audit, auditor_user)
    clarification_answer(request=request, body="Once.", url="https://alpha.example/a", by=alice)
    with pytest.raises(DomainError):
        clarification_answer(request=request, body="Twice.", by=alice)


def test_the_auditor_asks_again_with_a_new_deadline_then_closes(in_audit, auditor_user, alice):
    request = ask(in_audit, auditor_user)
    with pytest.raises(DomainError):  # nothing to follow up before the answer
        clarification_reply(request=request, body="And?", by=auditor_user)
    clarification_answer(request=request, body="The CTO.", by=alice)
    clarification_reply(request=request, body="Since when?", by=auditor_user)
    request.refresh_from_db()
    assert request.status == ClarificationStatus.OPEN
    open_deadlines = [d for d in deadlines_of(request) if d.closed_at is None]
    assert len(open_deadlines) == 1 and len(deadlines_of(request)) == 2
    clarification_close(request=request, by=auditor_user)
    request.refresh_from_db()
    assert request.status == ClarificationStatus.CLOSED and request.closed_by == auditor_user
    assert all(d.closed_at for d in deadlines_of(request))
    with pytest.raises(DomainError):
        clarification_close(request=request, by=auditor_user)
    with pytest.raises(DomainError):
        clarification_answer(request=request, body="Late.", by=alice)


def test_the_company_is_reminded_and_the_office_told_when_overdue(
    in_audit, auditor_user, mailoutbox, django_capture_on_commit_callbacks
):
    request = ask(in_audit, auditor_user)
    mailoutbox.clear()
    with (
        time_machine.travel(request.due_on + timedelta(days=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        deadlines_remind()
    subjects = [m.subject for m in mailoutbox]
    assert any("Answer a clarification request" in s for s in subjects)
    assert any(f"clarification request #{request.pk}" in m.body for m in mailoutbox)
    assert any(f"/clarifications/{request.pk}/" in m.body for m in mailoutbox)


def test_a_submitted_report_closes_the_open_deadline(in_audit, auditor_user):
    request = ask(in_audit, auditor_user)
    with scopes_disabled():
        application_transition(in_audit, "submit_report", by=auditor_user)
    assert all(d.closed_at for d in deadlines_of(request))


def test_selectors_count_per_criterion_and_list_the_open_ones(in_audit, auditor_user, alice):
    first, second = criteria_of(in_audit)[:2]
    a = ask(in_audit, auditor_user, first)
    ask(in_audit, auditor_user, first, question="Another?")
    ask(in_audit, auditor_user, second)
    clarification_answer(request=a, body="Done.", by=alice)
    counts = clarification_counts(in_audit)
    assert counts[first.pk] == {"total": 2, "open": 1, "answered": 1}
    assert counts[second.pk]["open"] == 1
    assert len(open_clarifications_of_organization(in_audit.organization)) == 2
    threads = clarification_threads(in_audit)
    assert threads[0].pk == a.pk
    assert [m.side for m in threads[0].messages.all()] == ["auditor", "company"]


def test_the_report_pdf_lists_the_threads_and_marks_ratings_without_evidence(
    in_audit, auditor_user, alice
):
    from certification.models import Rating
    from certification.services.audits import report_submit
    from tests.certification.test_audits_documents import _rendered, pdf_text

    from .helpers import plan_for_report, score_all

    request = ask(in_audit, auditor_user, question="Who signs the interface releases?")
    clarification_answer(request=request, body="Our head of engineering signs them.", by=alice)
    clarification_close(request=request, by=auditor_user)
    score_all(in_audit, auditor_user, Rating.FULFILLED)  # confirmed where evidence is missing
    plan_for_report(in_audit)
    report_submit(application=in_audit, recommendation="grant", summary="Met.", by=auditor_user)
    _document, pdf = _rendered(in_audit)
    text = pdf_text(pdf)
    assert "Clarification requests" in text
    assert "Who signs the interface releases?" in text
    assert "Our head of engineering signs them." in text
    assert "Rated without evidence" in text
