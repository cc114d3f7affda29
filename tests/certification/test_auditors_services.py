"""Auditors: qualification and independence enforced on assignment; declining; the profile."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import (
    ApplicationEvent,
    ApplicationStatus,
    AssignmentStatus,
    AuditorAssignment,
    AuditorConflict,
    AuditorQualification,
)
from certification.services.auditors import (
    assignment_decline,
    assignment_end,
    auditor_assign,
    auditor_conflict_declare,
    auditor_conflict_remove,
    qualification_revoke,
)
from certification.services.self_assessment import self_assessment_answer
from cpo_portal.errors import DomainError
from tests.factories import MembershipFactory

from .helpers import make_auditor, set_status, unqualify

pytestmark = pytest.mark.django_db

S = ApplicationStatus


def today():
    return timezone.localdate()


def assignments(application):
    with scopes_disabled():
        return list(
            AuditorAssignment.objects.filter(application=application)
            .order_by("pk")
            .values_list("auditor__user__email", "role", "status")
        )


def assign(application, auditor, role, by):
    return auditor_assign(application=application, auditor=auditor, role=role, by=by)


def refused(application, auditor, role, by, *, match=None, code=None):
    status = application.status
    before = assignments(application)
    with pytest.raises(DomainError, match=match) as caught:
        assign(application, auditor, role, by)
    if code:
        assert caught.value.code == code
    application.refresh_from_db()
    assert application.status == status
    assert assignments(application) == before
    return caught.value


# --- Assignment ----------------------------------------------------------------------------


def test_lead_assignment_moves_to_auditor_assigned(accepted, lead, office_user):
    assignment = assign(accepted, lead, "lead", office_user)
    accepted.refresh_from_db()

    assert accepted.status == S.AUDITOR_ASSIGNED
    assert (assignment.role, assignment.status, assignment.assigned_by) == (
        "lead",
        AssignmentStatus.ACTIVE,
        office_user,
    )


def test_co_auditor_added_after_the_lead(assigned, co, office_user):
    assign(assigned, co, "co", office_user)
    assigned.refresh_from_db()

    assert assigned.status == S.AUDITOR_ASSIGNED
    assert assignments(assigned) == [
        ("auditor@example.org", "lead", "active"),
        ("co@example.org", "co", "active"),
    ]


def test_unqualified_auditor_is_refused(accepted, co_user, office_user):
    auditor = make_auditor(co_user, "product")  # not organizational

    refused(accepted, auditor, "lead", office_user, code="not_qualified")


def test_auditor_without_any_qualification_is_refused(accepted, co_user, office_user):
    from cpo_portal.accounts.models import Auditor

    auditor = Auditor.objects.create(user=co_user)

    refused(accepted, auditor, "lead", office_user, code="not_qualified")


def test_expired_qualification_is_refused(accepted, co, office_user):
    AuditorQualification.objects.filter(auditor=co).update(valid_until=today() - timedelta(days=1))

    refused(accepted, co, "lead", office_user, code="not_qualified")


def assigned_as_lead(application, assignment, auditor, office_user):
    """The assignment went through: the auditor is the active lead, the case moved on."""
    application.refresh_from_db()
    assert application.status == S.AUDITOR_ASSIGNED
    assert (assignment.auditor, assignment.role, assignment.status, assignment.assigned_by) == (
        auditor,
        "lead",
        AssignmentStatus.ACTIVE,
        office_user,
    )
    assert assignments(application) == [(auditor.user.email, "lead", "active")]


def test_qualification_valid_until_today_is_accepted(accepted, co, office_user):
    AuditorQualification.objects.filter(auditor=co).update(valid_until=today())

    assignment = assign(accepted, co, "lead", office_user)

    assigned_as_lead(accepted, assignment, co, office_user)


@pytest.mark.parametrize("until", [None, 0, 30])
def test_declared_conflict_is_refused(until, accepted, co, co_user, office_user):
    auditor_conflict_declare(
        auditor=co,
        organization=accepted.organization,
        until=None if until is None else today() + timedelta(days=until),
        reason="Former employer",
        by=co_user,
    )

    error = refused(accepted, co, "lead", office_user, code="conflict_of_interest")
    assert "conflict of interest" in error.message


def test_expired_conflict_no_longer_blocks(accepted, co, office_user):
    AuditorConflict.objects.create(
        auditor=co, organization=accepted.organization, until=today() - timedelta(days=1)
    )

    assignment = assign(accepted, co, "lead", office_user)

    assigned_as_lead(accepted, assignment, co, office_user)


def test_conflict_with_another_organization_does_not_block(
    accepted, beta, co, co_user, office_user
):
    auditor_conflict_declare(auditor=co, organization=beta, by=co_user)

    assignment = assign(accepted, co, "lead", office_user)

    assigned_as_lead(accepted, assignment, co, office_user)
    assert list(co.conflicts.values_list("organization", flat=True)) == [beta.pk]


def test_auditor_who_is_a_member_of_the_organization_is_refused(accepted, co, co_user, office_user):
    MembershipFactory(organization=accepted.organization, user=co_user)

    error = refused(accepted, co, "lead", office_user, code="conflict_of_interest")
    assert "member" in error.message


def test_co_auditor_conflict_is_refused_too(assigned, co, co_user, office_user):
    auditor_conflict_declare(auditor=co, organization=assigned.organization, by=co_user)

    refused(assigned, co, "co", office_user, code="conflict_of_interest")


def test_second_lead_is_refused(assigned, co, office_user):
    refused(assigned, co, "lead", office_user, match="lead auditor is already assigned")


def test_same_auditor_twice_is_refused(assigned, lead, office_user):
    refused(assigned, lead, "co", office_user, match="already assigned")


def test_co_before_lead_is_refused(accepted, co, office_user):
    refused(accepted, co, "co", office_user)


def test_co_without_an_active_lead_is_refused(assigned, lead, co, auditor_user, alice, office_user):
    self_assessment_answer(
        application=assigned,
        criterion_id=_first_criterion(assigned),
        status="implemented",
        explanation="Yes.",
        by=alice,
    )
    assignment_decline(assignment=_active(assigned, lead), by=auditor_user, reason="Overbooked.")
    assigned.refresh_from_db()
    assert assigned.status == S.SELF_ASSESSMENT  # the case goes on; the office finds a new lead

    refused(assigned, co, "co", office_user, match="lead auditor first")
    assign(assigned, co, "lead", office_user)
    assigned.refresh_from_db()
    assert assigned.status == S.SELF_ASSESSMENT


@pytest.mark.parametrize(
    "state", [S.DRAFT, S.SUBMITTED, S.RETURNED, S.REJECTED, S.REPORT_SUBMITTED, S.DECIDED]
)
def test_assigning_in_the_wrong_state_is_refused(state, draft, lead, office_user):
    set_status(draft, state)

    for role in ("lead", "co"):
        refused(draft, lead, role, office_user, match="cannot be assigned")


def test_only_the_office_assigns(accepted, co, alice, auditor_user):
    for user in (alice, auditor_user):
        refused(accepted, co, "lead", user, match="office member with the role")


def test_office_cannot_assign_itself(accepted, office_user, office2):
    auditor = make_auditor(office_user)

    refused(accepted, auditor, "lead", office_user, match="yourself")
    assign(accepted, auditor, "lead", office2)


def test_inactive_auditor_is_refused(accepted, co, office_user):
    co.is_active = False
    co.save(update_fields=["is_active"])

    refused(accepted, co, "lead", office_user, match="not active")


def test_unknown_role_is_refused(accepted, co, office_user):
    refused(accepted, co, "boss", office_user, match="lead auditor or co-auditor")


def test_assignment_is_logged(accepted, co, office_user):
    from cpo_portal.activity.models import ActivityEntry

    assign(accepted, co, "lead", office_user)

    with scopes_disabled():
        entry = ActivityEntry.objects.filter(verb="certification.assign").get()
    assert entry.data["auditor"] == "co@example.org"
    assert entry.data["role"] == "lead"


# --- Declining and ending ------------------------------------------------------------------


def _active(application, auditor):
    with scopes_disabled():
        return AuditorAssignment.objects.select_related("application", "auditor").get(
            application=application, auditor=auditor, status=AssignmentStatus.ACTIVE
        )


def _first_criterion(application):
    from .helpers import criteria_of

    return criteria_of(application)[0].pk


def test_lead_declines_in_auditor_assigned_back_to_accepted(
    assigned, lead, auditor_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assignment_decline(
            assignment=_active(assigned, lead), by=auditor_user, reason="Conflict of dates."
        )
    assigned.refresh_from_db()

    assert assigned.status == S.ACCEPTED
    assert assignments(assigned) == [("auditor@example.org", "lead", "declined")]
    with scopes_disabled():
        event = ApplicationEvent.objects.filter(application=assigned).latest("pk")
        declined = AuditorAssignment.objects.get(application=assigned)
    assert (event.action, event.reason) == ("unassign", "Conflict of dates.")
    assert declined.reason == "Conflict of dates." and declined.ended_at is not None
    assert [m.to for m in mailoutbox] == [sorted(["office@example.org"])]
    assert "Conflict of dates." in mailoutbox[0].body


def test_after_a_decline_a_new_lead_can_be_assigned(assigned, lead, co, auditor_user, office_user):
    assignment_decline(assignment=_active(assigned, lead), by=auditor_user, reason="No")

    assign(assigned, co, "lead", office_user)
    assigned.refresh_from_db()

    assert assigned.status == S.AUDITOR_ASSIGNED


def test_co_decline_keeps_the_state(assigned, co, co_user, office_user):
    assign(assigned, co, "co", office_user)

    assignment_decline(assignment=_active(assigned, co), by=co_user, reason="Busy.")
    assigned.refresh_from_db()

    assert assigned.status == S.AUDITOR_ASSIGNED
    assert ("co@example.org", "co", "declined") in assignments(assigned)


def test_decline_by_someone_else_is_refused(assigned, lead, co, co_user, office_user, alice):
    assignment = _active(assigned, lead)

    for user in (co_user, office_user, alice):
        with pytest.raises(DomainError, match="Only the assigned auditor"):
            assignment_decline(assignment=assignment, by=user, reason="Not me.")
    assigned.refresh_from_db()
    assert assigned.status == S.AUDITOR_ASSIGNED
    assert assignments(assigned) == [("auditor@example.org", "lead", "active")]


def test_decline_needs_a_reason(assigned, lead, auditor_user):
    with pytest.raises(DomainError, match="reason"):
        assignment_decline(assignment=_active(assigned, lead), by=auditor_user, reason="")
    assert assignments(assigned) == [("auditor@example.org", "lead", "active")]


def test_decline_twice_is_refused(assigned, lead, auditor_user):
    assignment = _active(assigned, lead)
    assignment_decline(assignment=assignment, by=auditor_user, reason="No.")

    with pytest.raises(DomainError, match="already ended"):
        assignment_decline(assignment=assignment, by=auditor_user, reason="No.")


def test_office_ends_an_assignment(
    assigned, lead, office_user, auditor_user, mailoutbox, django_capture_on_commit_callbacks
):
    with pytest.raises(DomainError, match="office member with the role"):
        assignment_end(assignment=_active(assigned, lead), by=auditor_user, reason="x")
    with pytest.raises(DomainError, match="reason"):
        assignment_end(assignment=_active(assigned, lead), by=office_user, reason=" ")

    with django_capture_on_commit_callbacks(execute=True):
        assignment_end(assignment=_active(assigned, lead), by=office_user, reason="Ill.")
    assigned.refresh_from_db()

    assert assigned.status == S.ACCEPTED
    assert assignments(assigned) == [("auditor@example.org", "lead", "ended")]
    # The office, the company's admins and the removed auditor hear of it.
    assert recipients(mailoutbox) == [
        ["office@example.org"],
        ["alice@example.org"],
        ["auditor@example.org"],
    ]
    office, company, auditor = mailoutbox
    assert "Ill." in office.body and "Ill." in auditor.body
    assert "no longer assigned" in company.body
    assert "/audit/\n" in auditor.body  # their list: the audit itself is closed to them


def test_ending_a_co_assignment_keeps_the_case_and_tells_the_co_auditor(
    in_audit, co, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    assign(in_audit, co, "co", office_user)

    with django_capture_on_commit_callbacks(execute=True):
        assignment_end(assignment=_active(in_audit, co), by=office_user, reason="Busy.")
    in_audit.refresh_from_db()

    assert in_audit.status == S.AUDIT
    assert ("co@example.org", "co", "ended") in assignments(in_audit)
    assert ["co@example.org"] in recipients(mailoutbox)
    assert ["alice@example.org"] in recipients(mailoutbox)


def recipients(mailoutbox):
    return [sorted(m.to) for m in mailoutbox]


# --- Independence after the assignment -------------------------------------------------------


def test_declaring_a_conflict_ends_the_assignment(
    client,
    assigned,
    lead,
    auditor_user,
    alice,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    from cpo_portal.activity.models import ActivityEntry

    from .helpers import add_pdf, evidence_url

    evidence = add_pdf(assigned, alice)
    client.force_login(auditor_user)
    assert client.get(f"/audit/{assigned.pk}/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        auditor_conflict_declare(
            auditor=lead, organization=assigned.organization, reason="New job", by=auditor_user
        )
    assigned.refresh_from_db()

    # The lead left an auditor-assigned case: it goes back to the office to assign anew.
    assert assigned.status == S.ACCEPTED
    assert assignments(assigned) == [("auditor@example.org", "lead", "ended")]
    ended = _ended(assigned, lead)
    assert ended.reason == "conflict of interest declared"
    assert ended.ended_at is not None
    with scopes_disabled():
        entry = ActivityEntry.objects.filter(verb="certification.unassign").get()
    assert entry.data["reason"] == "conflict of interest declared"
    assert entry.actor == auditor_user
    # The office and the company; the auditor declared it and needs no mail.
    assert recipients(mailoutbox) == [["office@example.org"], ["alice@example.org"]]
    assert "conflict of interest declared" in mailoutbox[0].body
    # The audit and its evidence are closed to the auditor from now on.
    assert client.get(f"/audit/{assigned.pk}/").status_code == 404
    assert client.get(evidence_url(evidence)).status_code == 404
    assert client.get(f"/api/v1/audits/{assigned.pk}/").status_code == 404


def test_conflict_declared_by_the_office_ends_a_co_assignment_in_audit(
    in_audit, co, co_user, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    assign(in_audit, co, "co", office_user)

    with django_capture_on_commit_callbacks(execute=True):
        auditor_conflict_declare(auditor=co, organization=in_audit.organization, by=office_user)
    in_audit.refresh_from_db()

    assert in_audit.status == S.AUDIT  # the lead audits on
    assert assignments(in_audit) == [
        ("auditor@example.org", "lead", "active"),
        ("co@example.org", "co", "ended"),
    ]
    assert _ended(in_audit, co).reason == "conflict of interest declared"
    with scopes_disabled():
        from cpo_portal.activity.models import ActivityEntry

        entry = ActivityEntry.objects.filter(verb="certification.auditor_removed").get()
    assert entry.details == {
        "auditor": "co@example.org",
        "role": "co",
        "reason": "conflict of interest declared",
    }
    assert recipients(mailoutbox) == [
        ["office@example.org"],
        ["alice@example.org"],
        ["co@example.org"],  # declared for them by the office: they are told
    ]


def test_conflict_with_another_organization_keeps_the_assignment(
    assigned, beta, lead, auditor_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        auditor_conflict_declare(auditor=lead, organization=beta, by=auditor_user)
    assigned.refresh_from_db()

    assert assigned.status == S.AUDITOR_ASSIGNED
    assert assignments(assigned) == [("auditor@example.org", "lead", "active")]
    assert mailoutbox == []


def _approved(auditor, kind):
    return AuditorQualification.objects.get(auditor=auditor, scheme_kind=kind, status="approved")


def test_qualification_cannot_be_revoked_while_assigned_to_that_scheme(assigned, lead, office2):
    with pytest.raises(DomainError, match="while the auditor is assigned") as caught:
        qualification_revoke(
            qualification=_approved(lead, "organizational"), reason="Left.", by=office2
        )

    assert caught.value.code == "assigned"
    assert f"#{assigned.pk}" in caught.value.message
    assert set(
        lead.qualifications.filter(status="approved").values_list("scheme_kind", flat=True)
    ) == {"organizational", "product"}
    assert assignments(assigned) == [("auditor@example.org", "lead", "active")]


def test_qualification_for_another_scheme_or_after_the_assignment_may_go(
    assigned, lead, auditor_user, office2
):
    qualification_revoke(qualification=_approved(lead, "product"), reason="Left.", by=office2)
    assert list(
        lead.qualifications.filter(status="approved").values_list("scheme_kind", flat=True)
    ) == ["organizational"]

    assignment_decline(assignment=_active(assigned, lead), by=auditor_user, reason="No.")
    qualification_revoke(
        qualification=_approved(lead, "organizational"), reason="Left.", by=office2
    )

    assert lead.qualifications.filter(status="approved").count() == 0


def test_unqualified_after_expiry_is_refused_with_the_date(accepted, co, office_user):
    unqualify(co)
    error = refused(accepted, co, "lead", office_user, code="not_qualified")
    assert "expired on" in error.message


def _ended(application, auditor):
    with scopes_disabled():
        return AuditorAssignment.objects.get(
            application=application, auditor=auditor, status=AssignmentStatus.ENDED
        )


# --- The auditor's profile -----------------------------------------------------------------


def test_office_may_declare_a_conflict_for_an_auditor(co, office_user, alpha):
    auditor_conflict_declare(auditor=co, organization=alpha, by=office_user)

    assert co.conflicts.count() == 1


def test_conflict_ending_in_the_past_is_refused(co, co_user, alpha):
    with pytest.raises(DomainError, match="past"):
        auditor_conflict_declare(
            auditor=co, organization=alpha, until=today() - timedelta(days=1), by=co_user
        )
    assert co.conflicts.count() == 0


def test_conflict_declared_by_a_stranger_is_refused(co, auditor_user, alpha):
    with pytest.raises(DomainError, match="Only the auditor"):
        auditor_conflict_declare(auditor=co, organization=alpha, by=auditor_user)
    assert co.conflicts.count() == 0


def test_removing_a_conflict_allows_the_assignment(accepted, co, co_user, office_user):
    conflict = auditor_conflict_declare(auditor=co, organization=accepted.organization, by=co_user)
    refused(accepted, co, "lead", office_user, code="conflict_of_interest")

    auditor_conflict_remove(conflict=conflict, by=co_user)

    assign(accepted, co, "lead", office_user)


def test_a_reviewer_assigns_a_certifier_does_not(accepted, co, make_user):
    from tests.factories import make_office

    certifier = make_office(make_user(email="cert@example.org"), "certifier")
    reviewer = make_office(make_user(email="rev@example.org"), "reviewer")

    refused(accepted, co, "lead", certifier, match="Reviewer")
    assign(accepted, co, "lead", reviewer)
