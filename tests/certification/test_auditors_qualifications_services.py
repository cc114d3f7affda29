"""Auditor competence: an auditor applies for a qualification per scheme with evidence; an
office administrator (never the applicant) approves it with a validity, refuses or revokes
it; a renewal supersedes the qualification in force; only a qualification in force today
can be used for an assignment."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import (
    AuditorObjection,
    AuditorQualification,
    AuditPlan,
    ObjectionStatus,
    QualificationStatus,
)
from certification.selectors.auditors import is_qualified
from certification.services.auditors import (
    auditor_assign,
    qualification_apply,
    qualification_approve,
    qualification_refuse,
    qualification_revoke,
    qualification_withdraw,
)
from cpo_portal.accounts.models import Auditor
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError, TransitionNotAllowed
from tests.factories import make_office

from .factories import QualificationFactory
from .helpers import EXPERIENCE, PDF_BYTES, TRAINING, make_auditor

pytestmark = pytest.mark.django_db

Q = QualificationStatus


def today():
    return timezone.localdate()


@pytest.fixture
def novice(co_user):
    """An auditor without any qualification yet."""
    return Auditor.objects.create(user=co_user, organisation_name="Audit Body")


def apply(auditor, kind="organizational", **extra):
    values = {"training": TRAINING, "experience": EXPERIENCE} | extra
    return qualification_apply(auditor=auditor, scheme_kind=kind, by=auditor.user, **values)


def approve(qualification, by, *, start=None, end=None):
    return qualification_approve(
        qualification=qualification,
        valid_from=start or today(),
        valid_until=end or today() + timedelta(days=3 * 365),
        by=by,
    )


def verbs():
    with scopes_disabled():
        return list(
            ActivityEntry.objects.filter(verb__startswith="auditor.qualification")
            .order_by("pk")
            .values_list("verb", flat=True)
        )


def rows(auditor):
    return list(
        AuditorQualification.objects.filter(auditor=auditor)
        .order_by("pk")
        .values_list("scheme_kind", "status")
    )


# --- Applying --------------------------------------------------------------------------------


def test_applying_records_the_evidence_and_tells_the_administrators(
    novice, office_user, office2, mailoutbox, django_capture_on_commit_callbacks
):
    office2.groups.clear()
    make_office(office2, "reviewer")  # a reviewer is not asked
    with django_capture_on_commit_callbacks(execute=True):
        applied = apply(novice, audits_witnessed="Two audits of PLM vendors, 2025.")

    assert (applied.status, applied.training, applied.experience) == (
        Q.APPLIED,
        TRAINING,
        EXPERIENCE,
    )
    assert applied.applied_at is not None
    assert applied.audits_witnessed == "Two audits of PLM vendors, 2025."
    assert not is_qualified(novice, "organizational")
    assert verbs() == ["auditor.qualification_applied"]
    assert [m.to for m in mailoutbox] == [["office@example.org"]]
    assert f"/office/certification/auditors/qualifications/{applied.pk}/" in mailoutbox[0].body


def test_the_applicant_who_is_an_administrator_is_not_asked_to_decide(
    office_user, mailoutbox, django_capture_on_commit_callbacks
):
    auditor = Auditor.objects.create(user=office_user)
    with django_capture_on_commit_callbacks(execute=True):
        apply(auditor)
    assert mailoutbox == []


def test_only_the_auditor_applies(novice, office_user, auditor_user, alice):
    for user in (office_user, auditor_user, alice, None):
        with pytest.raises(DomainError, match="Only the auditor"):
            qualification_apply(
                auditor=novice,
                scheme_kind="organizational",
                training=TRAINING,
                experience=EXPERIENCE,
                by=user,
            )
    assert rows(novice) == []


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "space"}, "scheme_kind"),
        ({"training": "  "}, "training"),
        ({"experience": ""}, "experience"),
        ({"training": "x" * 5001}, "training"),
    ],
)
def test_bad_applications_are_refused_on_their_field(novice, values, field):
    with pytest.raises(DomainError) as caught:
        apply(novice, **values)
    assert field in caught.value.message_dict
    assert rows(novice) == []


def test_an_inactive_auditor_cannot_apply(novice):
    novice.is_active = False
    novice.save(update_fields=["is_active"])
    with pytest.raises(DomainError, match="not active"):
        apply(novice)


def test_one_open_application_per_scheme(novice):
    apply(novice)
    with pytest.raises(DomainError, match="already applied") as caught:
        apply(novice)
    assert caught.value.code == "pending"
    apply(novice, "product")
    assert rows(novice) == [("organizational", Q.APPLIED), ("product", Q.APPLIED)]


def test_an_evidence_file_is_checked_by_content_and_stored_privately(novice, settings):
    applied = apply(
        novice, evidence=SimpleUploadedFile("Training certificate.pdf", PDF_BYTES, "x/y")
    )
    assert applied.evidence_name == "Training certificate.pdf"
    # A random stored name; the original is kept for the download only.
    assert applied.evidence_file.name.startswith("qualifications/")
    assert "Training" not in applied.evidence_file.name
    assert applied.evidence_file.read() == PDF_BYTES


def test_a_renamed_file_is_refused_and_nothing_is_left(novice, settings, tmp_path):
    with pytest.raises(DomainError) as caught:
        apply(novice, evidence=SimpleUploadedFile("cv.pdf", b"MZ\x90\x00 a program", "x/y"))
    assert "evidence" in caught.value.message_dict
    assert rows(novice) == []


# --- Withdrawing -----------------------------------------------------------------------------


def test_the_auditor_withdraws_a_pending_application(novice, office_user):
    applied = apply(novice)
    with pytest.raises(DomainError, match="Only the auditor"):
        qualification_withdraw(qualification=applied, by=office_user)

    withdrawn = qualification_withdraw(qualification=applied, by=novice.user)

    assert withdrawn.status == Q.WITHDRAWN
    assert verbs() == ["auditor.qualification_applied", "auditor.qualification_withdrawn"]
    with pytest.raises(TransitionNotAllowed):
        qualification_withdraw(qualification=applied, by=novice.user)
    # Withdrawn, the scheme may be applied for anew.
    apply(novice)


# --- Approving -------------------------------------------------------------------------------


def test_an_administrator_approves_with_a_validity_and_the_auditor_is_told(
    novice, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    applied = apply(novice)
    end = today() + timedelta(days=700)
    with django_capture_on_commit_callbacks(execute=True):
        approved = approve(applied, office_user, end=end)

    assert (approved.status, approved.valid_from, approved.valid_until) == (
        Q.APPROVED,
        today(),
        end,
    )
    assert (approved.decided_by, approved.decided_at is not None) == (office_user, True)
    assert is_qualified(novice, "organizational")
    assert not is_qualified(novice, "product")
    assert verbs()[-1] == "auditor.qualification_approved"
    assert [m.to for m in mailoutbox] == [["co@example.org"]]
    assert "approved" in mailoutbox[0].subject


@pytest.mark.parametrize("role", ["reviewer", "certifier"])
def test_only_an_administrator_decides(novice, make_user, role):
    applied = apply(novice)
    other = make_office(make_user(email="o@example.org"), role)
    for call in (
        lambda: approve(applied, other),
        lambda: qualification_refuse(qualification=applied, reason="No.", by=other),
    ):
        with pytest.raises(DomainError, match=r"(?i)administrator"):
            call()
    applied.refresh_from_db()
    assert applied.status == Q.APPLIED


def test_an_auditor_cannot_approve_themselves(novice, auditor_user, alice):
    applied = apply(novice)
    for user in (novice.user, auditor_user, alice, None):
        with pytest.raises(DomainError):
            approve(applied, user)
    assert not is_qualified(novice, "organizational")


def test_an_administrator_who_is_an_auditor_cannot_decide_their_own(office_user, office2):
    own = Auditor.objects.create(user=office_user)
    applied = apply(own)
    with pytest.raises(DomainError, match="your own") as caught:
        approve(applied, office_user)
    assert caught.value.code == "own_application"
    with pytest.raises(DomainError, match="your own"):
        qualification_refuse(qualification=applied, reason="No.", by=office_user)
    approve(applied, office2)  # another administrator does
    with pytest.raises(DomainError, match="your own"):
        qualification_revoke(qualification=applied, reason="No.", by=office_user)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (0, 0, "valid_until"),  # today is not the future
        (-400, -1, "valid_until"),
        (10, 5, "valid_until"),  # ends before it starts
        (0, 5 * 366 + 2, "valid_until"),  # more than five years
        (-800, 5 * 365, "valid_until"),  # more than five years from its start
    ],
)
def test_the_validity_is_required_in_the_future_and_at_most_five_years(
    novice, office_user, start, end, field
):
    applied = apply(novice)
    with pytest.raises(DomainError) as caught:
        qualification_approve(
            qualification=applied,
            valid_from=today() + timedelta(days=start),
            valid_until=today() + timedelta(days=end),
            by=office_user,
        )
    assert field in caught.value.message_dict
    applied.refresh_from_db()
    assert applied.status == Q.APPLIED


def test_missing_dates_are_refused(novice, office_user):
    applied = apply(novice)
    with pytest.raises(DomainError) as caught:
        qualification_approve(
            qualification=applied, valid_from=None, valid_until=None, by=office_user
        )
    assert set(caught.value.message_dict) == {"valid_from", "valid_until"}


def test_only_an_application_is_approved_or_refused(novice, office_user):
    applied = apply(novice)
    qualification_withdraw(qualification=applied, by=novice.user)
    with pytest.raises(TransitionNotAllowed):
        approve(applied, office_user)
    with pytest.raises(TransitionNotAllowed):
        qualification_refuse(qualification=applied, reason="No.", by=office_user)


# --- Renewal ---------------------------------------------------------------------------------


def test_a_renewal_supersedes_the_qualification_in_force(co, office_user):
    before = co.qualifications.get(scheme_kind="organizational", status=Q.APPROVED)
    renewal = apply(co)
    assert is_qualified(co, "organizational")  # the old one holds while the renewal waits

    approve(renewal, office_user, end=today() + timedelta(days=1000))

    before.refresh_from_db()
    assert before.status == Q.SUPERSEDED
    assert is_qualified(co, "organizational")
    with scopes_disabled():
        entry = ActivityEntry.objects.filter(verb="auditor.qualification_approved").last()
    assert entry.data["supersedes"] == before.pk


def test_a_renewal_starts_today_at_the_latest(co, office_user):
    renewal = apply(co)
    with pytest.raises(DomainError) as caught:
        approve(renewal, office_user, start=today() + timedelta(days=1))
    assert "valid_from" in caught.value.message_dict
    assert co.qualifications.filter(status=Q.APPROVED).count() == 2


# --- Refusing and revoking -------------------------------------------------------------------


def test_refusing_needs_a_reason_and_tells_the_auditor(
    novice, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    applied = apply(novice)
    with pytest.raises(DomainError) as caught:
        qualification_refuse(qualification=applied, reason="  ", by=office_user)
    assert "reason" in caught.value.message_dict
    with django_capture_on_commit_callbacks(execute=True):
        refused = qualification_refuse(
            qualification=applied, reason="Witness two audits first.", by=office_user
        )
    assert (refused.status, refused.decision_note) == (Q.REFUSED, "Witness two audits first.")
    assert [m.to for m in mailoutbox] == [["co@example.org"]]
    assert "Witness two audits first." in mailoutbox[0].body
    assert verbs()[-1] == "auditor.qualification_refused"


def test_revoking_ends_the_qualification(co, office_user, mailoutbox):
    approved = co.qualifications.get(scheme_kind="product", status=Q.APPROVED)
    revoked = qualification_revoke(qualification=approved, reason="Left the body.", by=office_user)
    assert revoked.status == Q.REVOKED
    assert not is_qualified(co, "product")
    assert is_qualified(co, "organizational")
    assert verbs()[-1] == "auditor.qualification_revoked"
    with pytest.raises(TransitionNotAllowed):
        qualification_revoke(qualification=approved, reason="Again.", by=office_user)


# --- In force today --------------------------------------------------------------------------


def test_in_force_from_the_first_to_the_last_day(novice, office_user):
    start, end = today() + timedelta(days=10), today() + timedelta(days=40)
    approve(apply(novice), office_user, start=start, end=end)
    assert not is_qualified(novice, "organizational")
    with time_machine.travel(start):
        assert is_qualified(novice, "organizational")
    with time_machine.travel(end):
        assert is_qualified(novice, "organizational")
    with time_machine.travel(end + timedelta(days=1)):
        assert not is_qualified(novice, "organizational")


def test_legacy_rows_without_validity_count_as_in_force(novice):
    QualificationFactory(auditor=novice, legacy=True)
    assert is_qualified(novice, "organizational")


@pytest.mark.parametrize("trait", ["refused", "withdrawn", "revoked", "expired"])
def test_nothing_else_counts(novice, trait):
    QualificationFactory(auditor=novice, **{trait: True})
    QualificationFactory(auditor=novice)  # and an application
    assert not is_qualified(novice, "organizational")


def test_an_expired_qualification_cannot_be_used(accepted, co, office_user):
    AuditorQualification.objects.filter(auditor=co).update(valid_until=today() - timedelta(days=1))
    with pytest.raises(DomainError, match="expired on") as caught:
        auditor_assign(application=accepted, auditor=co, role="lead", by=office_user)
    assert caught.value.code == "not_qualified"


def test_a_pending_application_cannot_be_used(accepted, novice, office_user):
    apply(novice)
    with pytest.raises(DomainError, match="awaiting the office") as caught:
        auditor_assign(application=accepted, auditor=novice, role="lead", by=office_user)
    assert caught.value.code == "not_qualified"


def test_the_companys_upheld_objection_bars_the_auditor_in_that_case(
    assigned, lead, co, office_user, alice
):
    from certification.services.auditors import assignment_end

    with scopes_disabled():
        assignment = assigned.assignments.get(auditor=lead)
        plan = AuditPlan.objects.create(
            application=assigned,
            start_date=today(),
            end_date=today(),
            person_days=1,
            person_days_rule=1,
        )
        AuditorObjection.objects.create(
            plan=plan,
            assignment=assignment,
            reason="Worked for our competitor.",
            status=ObjectionStatus.UPHELD,
            raised_by=alice,
        )
    assignment_end(assignment=assignment, by=office_user, reason="Objection upheld.")

    with pytest.raises(DomainError, match="objection") as caught:
        auditor_assign(application=assigned, auditor=lead, role="lead", by=office_user)
    assert caught.value.code == "objection_upheld"
    auditor_assign(application=assigned, auditor=co, role="lead", by=office_user)


def test_make_auditor_goes_through_apply_and_approve(co_user):
    auditor = make_auditor(co_user, "product")
    assert rows(auditor) == [("product", Q.APPROVED)]
    assert verbs() == ["auditor.qualification_applied", "auditor.qualification_approved"]
