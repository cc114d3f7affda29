"""Complaints: receiving one (reference, due dates, receipt, the reviewers' notice, double
submits), the office's steps in order (reviewer role enforced, explicit edges), the link to a
certificate with a special audit, suspension or withdrawal, the daily reminders with time
travel, the person's data, and the yearly counts of the annual report."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from certification.figures import complaint_and_appeal_figures
from certification.models import (
    Appeal,
    AppealOutcome,
    AppealStatus,
    Application,
    AuditType,
    Complaint,
    ComplaintEvent,
)
from certification.services import complaints as services
from certification.services.certificates import certification_policy
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError
from tests.factories import UserFactory, make_office

from .helpers import audit_to_report, decide, refreshed

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(timezone.datetime(2026, 12, 7, 10, 0))
EMAIL = "visitor@example.net"


@pytest.fixture(autouse=True)
def _december():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def reviewer(db):
    return make_office(UserFactory(full_name="Rita Reviewer"), "reviewer")


@pytest.fixture
def certifier(db):
    return make_office(UserFactory(full_name="Carl Certifier"), "certifier")


def submit(**extra):
    values = {
        "subject": "seal_misuse",
        "description": "A web shop shows the CPO seal without a certificate.",
        "name": "Vera Visitor",
        "email": EMAIL,
        "subject_detail": "https://shop.example.com",
    }
    return services.complaint_submit(**(values | extra))


def actions(complaint):
    return list(complaint.events.order_by("at", "pk").values_list("action", flat=True))


# --- Receiving -----------------------------------------------------------------------------------


def test_a_complaint_gets_a_gapless_reference_and_due_dates_from_the_policy(reviewer):
    first, created = submit()
    second, _ = submit(description="Another text.")
    assert created
    assert (first.reference, second.reference) == ("CPL-2026-0001", "CPL-2026-0002")
    policy = certification_policy()
    assert first.acknowledge_by == NOW.date() + timedelta(days=policy.complaint_acknowledge_days)
    assert first.answer_by == NOW.date() + timedelta(days=policy.complaint_answer_days)
    assert first.status == "received"
    assert actions(first) == ["received"]


def test_the_receipt_goes_to_the_complainant_in_the_page_language_and_the_notice_to_reviewers(
    reviewer, certifier, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), translation.override("de"):
        complaint, _ = submit(language="de")
    by_address = {m.to[0]: m for m in mailoutbox}
    receipt = by_address[EMAIL]
    assert complaint.reference in receipt.subject
    assert complaint.language == "de"
    assert "CPO-Geschäftsstelle" in receipt.body  # German (already translated: the signature)
    assert complaint.answer_by.isoformat() in receipt.body
    assert "A web shop shows the CPO seal" in receipt.body
    notice = by_address[reviewer.email]
    assert complaint.reference in notice.subject
    assert EMAIL not in notice.subject and EMAIL not in notice.body
    assert certifier.email not in by_address  # reviewers handle complaints


def test_a_double_submit_is_the_same_complaint_and_sends_nothing_twice(
    reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, created = submit()
        again, created_again = submit(email=EMAIL.upper())
    assert created and not created_again
    assert again.pk == first.pk
    assert Complaint.objects.count() == 1
    assert len([m for m in mailoutbox if m.to == [EMAIL]]) == 1
    # Later, the same text is a new complaint.
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        _, created_later = submit()
    assert created_later


def test_no_email_address_lands_in_the_activity_log(reviewer):
    complaint, _ = submit()
    services.complaint_acknowledge(complaint=complaint, by=reviewer)
    with scopes_disabled():
        entries = list(ActivityEntry.objects.filter(verb__startswith="complaint."))
    assert len(entries) == 2
    for entry in entries:
        assert EMAIL not in str(entry.data)
        assert "Vera" not in str(entry.data)
        assert entry.data["reference"] == complaint.reference


# --- The office's steps --------------------------------------------------------------------------


def test_the_lifecycle_records_every_step_and_answers_the_complainant(
    reviewer, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    complaint, _ = submit()
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_take(complaint=complaint, by=reviewer, handler=office_user)
        complaint = services.complaint_acknowledge(
            complaint=complaint, message="We are looking into it.", by=reviewer
        )
        services.complaint_investigate(complaint=complaint, by=reviewer)
        services.complaint_note(complaint=complaint, note="Called the shop.", by=reviewer)
        services.complaint_dates_change(
            complaint=complaint,
            acknowledge_by=complaint.acknowledge_by,
            answer_by=complaint.answer_by + timedelta(days=14),
            reason="Waiting for the shop's answer.",
            by=reviewer,
        )
        complaint = services.complaint_decide(
            complaint=complaint,
            outcome="upheld",
            decision="The shop holds no certificate.",
            answer="The shop has removed the seal.",
            by=reviewer,
        )
        complaint = services.complaint_close(complaint=complaint, by=reviewer)
    assert complaint.status == "closed"
    assert complaint.handler == office_user
    assert complaint.decided_by == reviewer
    assert actions(complaint) == [
        "received",
        "assigned",
        "acknowledged",
        "investigating",
        "noted",
        "dates_changed",
        "decided",
        "closed",
    ]
    to_complainant = [m for m in mailoutbox if m.to == [EMAIL]]
    assert len(to_complainant) == 2  # the acknowledgement and the answer
    assert "We are looking into it." in to_complainant[0].body
    assert "The shop has removed the seal." in to_complainant[1].body
    assert "The shop holds no certificate." not in to_complainant[1].body  # internal


def test_the_edges_are_explicit(reviewer):
    complaint, _ = submit()
    with pytest.raises(DomainError):
        services.complaint_decide(
            complaint=complaint, outcome="upheld", decision="x", answer="y", by=reviewer
        )
    with pytest.raises(DomainError):
        services.complaint_close(complaint=complaint, by=reviewer)
    services.complaint_acknowledge(complaint=complaint, by=reviewer)
    with pytest.raises(DomainError):
        services.complaint_acknowledge(complaint=complaint, by=reviewer)


def test_a_decision_needs_outcome_findings_and_answer(reviewer):
    complaint, _ = submit()
    services.complaint_acknowledge(complaint=complaint, by=reviewer)
    with pytest.raises(DomainError) as refused:
        services.complaint_decide(
            complaint=complaint, outcome="maybe", decision=" ", answer="", by=reviewer
        )
    assert set(refused.value.message_dict) == {"outcome", "decision", "answer"}


@pytest.mark.parametrize("role", [None, "certifier", "administrator"])
def test_only_a_reviewer_acts_on_complaints(role):
    user = UserFactory()
    if role:
        make_office(user, role)
    complaint, _ = submit()
    for act in (
        lambda: services.complaint_acknowledge(complaint=complaint, by=user),
        lambda: services.complaint_take(complaint=complaint, by=user),
        lambda: services.complaint_note(complaint=complaint, note="x", by=user),
        lambda: services.complaint_link(complaint=complaint, number="", by=user),
    ):
        with pytest.raises(DomainError) as refused:
            act()
        assert refused.value.code == "office_role"
    assert actions(complaint) == ["received"]


def test_a_due_date_change_needs_a_reason(reviewer):
    complaint, _ = submit()
    with pytest.raises(DomainError):
        services.complaint_dates_change(
            complaint=complaint,
            acknowledge_by=complaint.acknowledge_by,
            answer_by=complaint.answer_by,
            reason=" ",
            by=reviewer,
        )


# --- The certificate concerned -------------------------------------------------------------------


def test_linking_by_number_records_the_company_and_refuses_an_unknown_number(certificate, reviewer):
    complaint, _ = submit()
    with pytest.raises(DomainError):
        services.complaint_link(complaint=complaint, number="CPO-O-1999-0001", by=reviewer)
    complaint = services.complaint_link(
        complaint=complaint, number=certificate.number.lower(), by=reviewer
    )
    assert complaint.certificate == certificate
    assert complaint.organization == certificate.organization
    assert actions(complaint)[-1] == "linked"


def test_a_certificate_number_on_the_form_links_the_company(certificate):
    complaint, _ = submit(certificate=certificate)
    assert complaint.organization == certificate.organization


def test_suspension_on_a_complaint_is_the_certifiers_and_names_the_reference(
    certificate, reviewer, certifier
):
    complaint, _ = submit(certificate=certificate)
    with pytest.raises(DomainError):
        services.complaint_certificate_suspend(
            complaint=complaint, reason="Seal misused.", by=reviewer
        )
    suspended = services.complaint_certificate_suspend(
        complaint=complaint, reason="Seal misused.", by=certifier
    )
    assert suspended.status == "suspended"
    assert suspended.status_reason == f"Seal misused. (complaint {complaint.reference})"
    assert EMAIL not in suspended.status_reason
    assert actions(complaint)[-1] == "certificate_suspended"


def test_withdrawal_on_a_complaint(certificate, certifier):
    complaint, _ = submit(certificate=certificate)
    withdrawn = services.complaint_certificate_withdraw(
        complaint=complaint, reason="Fraud.", by=certifier
    )
    assert withdrawn.status == "withdrawn"
    assert actions(complaint)[-1] == "certificate_withdrawn"


def test_no_special_audit_or_suspension_without_a_linked_certificate(reviewer, certifier):
    complaint, _ = submit()
    with pytest.raises(DomainError):
        services.complaint_special_audit_open(
            complaint=complaint,
            window_start=NOW.date(),
            window_end=NOW.date() + timedelta(days=7),
            by=reviewer,
        )
    with pytest.raises(DomainError):
        services.complaint_certificate_suspend(complaint=complaint, reason="x", by=certifier)


def special_audit(complaint, reviewer, *, grant, alice, lead, auditor_user, office_user, office2):
    application = services.complaint_special_audit_open(
        complaint=complaint,
        window_start=NOW.date() + timedelta(days=1),
        window_end=NOW.date() + timedelta(days=10),
        by=reviewer,
    )
    assert application.audit_type == AuditType.SPECIAL
    assert application.status == "accepted"
    application = audit_to_report(
        application,
        company_user=alice,
        auditor=lead,
        auditor_user=auditor_user,
        office=office_user,
        grant=grant,
    )
    decide(application, office2, "grant" if grant else "deny")
    return application


def test_a_failed_special_audit_suspends_the_certificate(
    certificate, reviewer, alice, lead, auditor_user, office_user, office2, mailoutbox
):
    complaint, _ = submit(certificate=certificate)
    special_audit(
        complaint,
        reviewer,
        grant=False,
        alice=alice,
        lead=lead,
        auditor_user=auditor_user,
        office_user=office_user,
        office2=office2,
    )
    complaint.refresh_from_db()
    assert complaint.special_audit.audit_type == AuditType.SPECIAL
    certificate = refreshed(certificate)
    assert certificate.status == "suspended"
    assert certificate.status_reason == "The special audit was not passed."
    with scopes_disabled():
        assert Application.objects.filter(issued_certificate__isnull=False).count() == 1
    assert actions(complaint)[-1] == "special_audit_opened"


def test_a_passed_special_audit_keeps_the_surveillance_date(
    certificate, reviewer, alice, lead, auditor_user, office_user, office2
):
    due = certificate.next_surveillance_due
    complaint, _ = submit(certificate=certificate)
    special_audit(
        complaint,
        reviewer,
        grant=True,
        alice=alice,
        lead=lead,
        auditor_user=auditor_user,
        office_user=office_user,
        office2=office2,
    )
    certificate = refreshed(certificate)
    assert certificate.status == "active"
    assert certificate.next_surveillance_due == due
    with scope(organization=certificate.organization):
        assert certificate.events.last().action == "special_audit_passed"


def test_the_company_is_told_of_a_special_audit_but_not_who_complained(
    certificate, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    complaint, _ = submit(certificate=certificate)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_special_audit_open(
            complaint=complaint,
            window_start=NOW.date(),
            window_end=NOW.date() + timedelta(days=7),
            by=reviewer,
        )
    assert mailoutbox
    for message in mailoutbox:
        assert EMAIL not in message.body and "Vera" not in message.body
        assert complaint.description not in message.body


def test_one_special_audit_of_a_certificate_at_a_time(certificate, reviewer):
    complaint, _ = submit(certificate=certificate)
    window = {"window_start": NOW.date(), "window_end": NOW.date() + timedelta(days=7)}
    services.complaint_special_audit_open(complaint=complaint, by=reviewer, **window)
    with pytest.raises(DomainError):
        services.complaint_special_audit_open(complaint=complaint, by=reviewer, **window)


# --- Deadlines -----------------------------------------------------------------------------------


def test_reminder_on_the_due_day_and_escalation_when_overdue_once_each(
    reviewer, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    complaint, _ = submit()
    services.complaint_take(complaint=complaint, by=reviewer)
    mailoutbox.clear()

    def run(day):
        with (
            time_machine.travel(timezone.make_aware(timezone.datetime.combine(day, NOW.time()))),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return services.complaints_remind()

    assert run(complaint.acknowledge_by - timedelta(days=1)) == 0
    assert run(complaint.acknowledge_by) == 1
    assert [m.to for m in mailoutbox] == [[reviewer.email]]  # the handler
    assert run(complaint.acknowledge_by) == 0
    mailoutbox.clear()
    assert run(complaint.acknowledge_by + timedelta(days=1)) == 1
    escalated = {m.to[0] for m in mailoutbox}
    assert escalated == {reviewer.email, office_user.email}  # every reviewer
    assert "overdue" in mailoutbox[0].subject
    assert run(complaint.acknowledge_by + timedelta(days=2)) == 0
    assert actions(refreshed_complaint(complaint))[-2:] == ["reminded", "escalated"]
    # Acknowledged: the answer's own reminder follows its due date.
    services.complaint_acknowledge(complaint=complaint, by=reviewer)
    assert run(complaint.answer_by) == 1


def refreshed_complaint(complaint):
    return Complaint.objects.get(pk=complaint.pk)


def test_decided_complaints_are_not_reminded(reviewer):
    complaint, _ = submit()
    services.complaint_acknowledge(complaint=complaint, by=reviewer)
    services.complaint_decide(
        complaint=complaint, outcome="not_upheld", decision="x", answer="y", by=reviewer
    )
    with time_machine.travel(NOW + timedelta(days=400)):
        assert services.complaints_remind() == 0


# --- The person's data ---------------------------------------------------------------------------


def test_export_and_erasure_of_a_complainant(alice):
    from certification.personal_data import complaints_erase, complaints_export
    from cpo_portal.accounts.personal_data import Subject

    complaint, _ = submit(email=alice.email, complainant=alice)
    by_address, _ = submit(email=alice.email.upper(), description="Sent signed out.")
    exported = complaints_export(alice)["complaints"]
    assert [c["reference"] for c in exported] == [complaint.reference, by_address.reference]
    assert complaints_erase(Subject.of(alice), None) == {"complaints_anonymised": 2}
    for row in Complaint.objects.all():
        assert row.complainant_name == "[erased]"
        assert row.complainant_email == services.ERASED_ADDRESS
        assert row.complainant is None
        assert row.description  # the record stays
    assert ComplaintEvent.objects.count() == 2


# --- The annual report ---------------------------------------------------------------------------


def appeal(organization, reference, *, filed, decided=None, outcome=""):
    with scope(organization=organization):
        return Appeal.objects.create(
            reference=reference,
            organization=organization,
            subject="refusal",
            decision_on=filed.date(),
            grounds="Unfair.",
            status=AppealStatus.DECIDED if decided else AppealStatus.FILED,
            filed_at=filed,
            due_on=filed.date() + timedelta(days=60),
            decided_at=decided,
            outcome=outcome,
        )


def test_yearly_counts_of_complaints_and_appeals(reviewer, alpha):
    upheld, _ = submit(description="One.")
    dismissed, _ = submit(description="Two.")
    submit(description="Three.")
    for complaint, outcome in ((upheld, "partly_upheld"), (dismissed, "not_upheld")):
        services.complaint_acknowledge(complaint=complaint, by=reviewer)
        services.complaint_decide(
            complaint=complaint, outcome=outcome, decision="x", answer="y", by=reviewer
        )
    with time_machine.travel(NOW - timedelta(days=400)):
        submit(description="Last year.")
    appeal(alpha, "APL-2026-0001", filed=NOW, decided=NOW, outcome=AppealOutcome.UPHELD)
    appeal(alpha, "APL-2026-0002", filed=NOW, decided=NOW, outcome=AppealOutcome.DISMISSED)
    appeal(alpha, "APL-2026-0003", filed=NOW)
    figures = complaint_and_appeal_figures(year=2026)
    assert figures == {
        "complaints": {"received": 3, "decided": 2, "upheld": 1},
        "appeals": {"filed": 3, "decided": 2, "upheld": 1},
    }
    assert complaint_and_appeal_figures(year=2025)["complaints"]["received"] == 1


def test_the_annual_report_shows_the_counts_without_names(reviewer):
    from django.template.loader import render_to_string

    from community.report_figures import present, take_snapshot

    complaint, _ = submit()
    snapshot = take_snapshot(2026)
    assert snapshot["certificates"]["complaints"] == {"received": 1, "decided": 0, "upheld": 0}
    assert snapshot["certificates"]["appeals"]["filed"] == 0
    assert "Vera" not in str(snapshot) and EMAIL not in str(snapshot)
    html = render_to_string("community/reports/_figures.html", {"figures": present(snapshot)})
    assert "Complaints and appeals in 2026" in html
    # A snapshot taken before complaints were counted still presents.
    del snapshot["certificates"]["complaints"], snapshot["certificates"]["appeals"]
    assert present(snapshot)["certificates"]["complaints"] is None
    assert complaint.reference not in html
