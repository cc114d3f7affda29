"""Auditor independence holds for the whole audit, not only at assignment.

An auditor of an open audit cannot be invited into, or join, the organization they audit
(refused at invitation and at acceptance, with the reason); and every save of a score, and
every page of the audit, re-checks independence (membership, declared conflicts), so a
membership or a conflict that came about some other way closes the audit to them (404).
"""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from rest_framework.test import APIClient

from certification.models import (
    ApplicationStatus,
    AssignmentStatus,
    AuditorAssignment,
    AuditorConflict,
    Score,
    ScoreChange,
)
from certification.services.auditors import assignment_decline, auditor_assign
from certification.services.audits import score_save
from certification.services.findings import finding_raise
from cpo_portal.errors import DomainError
from cpo_portal.tenancy.models import Invitation, Membership
from cpo_portal.tenancy.services import invitation_accept, invitation_create
from tests.factories import MembershipFactory

from .helpers import criteria_of, set_status

pytestmark = pytest.mark.django_db

S = ApplicationStatus


def _member(organization, user) -> bool:
    with scope(organization=organization):
        return Membership.objects.filter(organization=organization, user=user).exists()


def _assignment_status(application, auditor):
    with scopes_disabled():
        return AuditorAssignment.objects.get(application=application, auditor=auditor).status


def _score(application, criterion):
    with scopes_disabled():
        score = Score.objects.get(application=application, criterion=criterion)
        changes = ScoreChange.objects.filter(score__application=application).count()
    return (score.rating, score.version, changes)


def _save(application, criterion, user):
    return score_save(
        application_id=application.pk,
        criterion_id=criterion.pk,
        rating="fulfilled",
        rationale="",
        expected_version=0,
        by=user,
    )


@pytest.fixture
def criterion(in_audit):
    # One that needs no evidence (evidence required: see test_audits_services).
    return next(c for c in criteria_of(in_audit) if not c.evidence_required)


# --- Joining the audited organization --------------------------------------------------------


def test_inviting_an_assigned_auditor_into_the_audited_organization_is_refused(
    assigned, lead, alice, auditor_user
):
    with pytest.raises(DomainError) as caught:
        invitation_create(organization=assigned.organization, by=alice, email="Auditor@Example.org")

    assert caught.value.code == "membership_barred"
    assert "independent" in caught.value.message
    assert str(assigned.organization) in caught.value.message
    with scopes_disabled():
        assert not Invitation.objects.filter(email__iexact=auditor_user.email).exists()
    assert mail.outbox == []


def test_assigned_auditor_accepting_an_invitation_is_refused(
    accepted, lead, alice, auditor_user, office_user
):
    # Invited before the assignment: the invitation is open when the audit begins.
    _invitation, token = invitation_create(
        organization=accepted.organization, by=alice, email=auditor_user.email
    )
    auditor_assign(application=accepted, auditor=lead, role="lead", by=office_user)

    with pytest.raises(DomainError) as caught:
        invitation_accept(token=token, user=auditor_user)

    assert caught.value.code == "membership_barred"
    assert "independent" in caught.value.message
    assert not _member(accepted.organization, auditor_user)
    assert _assignment_status(accepted, lead) == AssignmentStatus.ACTIVE
    with scopes_disabled():
        assert Invitation.objects.get(email=auditor_user.email).accepted_at is None


def test_accepting_through_the_page_shows_why(
    client, accepted, lead, alice, auditor_user, office_user
):
    _invitation, token = invitation_create(
        organization=accepted.organization, by=alice, email=auditor_user.email
    )
    auditor_assign(application=accepted, auditor=lead, role="lead", by=office_user)
    client.force_login(auditor_user)

    response = client.post(reverse("tenancy:invitation_accept", args=[token]))

    assert response.status_code == 400
    assert "independent" in response.content.decode()
    assert not _member(accepted.organization, auditor_user)


def test_a_co_auditor_cannot_join_either(in_audit, co, co_user, alice, office_user):
    auditor_assign(application=in_audit, auditor=co, role="co", by=office_user)

    with pytest.raises(DomainError) as caught:
        invitation_create(organization=in_audit.organization, by=alice, email=co_user.email)
    assert caught.value.code == "membership_barred"


def test_once_the_assignment_has_ended_the_auditor_may_join(
    accepted, lead, alice, auditor_user, office_user
):
    _invitation, token = invitation_create(
        organization=accepted.organization, by=alice, email=auditor_user.email
    )
    assignment = auditor_assign(application=accepted, auditor=lead, role="lead", by=office_user)
    assignment_decline(assignment=assignment, by=auditor_user, reason="New job there.")

    membership = invitation_accept(token=token, user=auditor_user)

    assert membership.organization == accepted.organization


def test_an_auditor_of_a_decided_case_may_join(in_audit, lead, alice, auditor_user):
    set_status(in_audit, S.DECIDED)

    _invitation, token = invitation_create(
        organization=in_audit.organization, by=alice, email=auditor_user.email
    )
    assert invitation_accept(token=token, user=auditor_user).organization == in_audit.organization


def test_an_auditor_of_another_organization_may_join(assigned, lead, beta, charlie, auditor_user):
    _invitation, token = invitation_create(organization=beta, by=charlie, email=auditor_user.email)

    assert invitation_accept(token=token, user=auditor_user).organization == beta


# --- Scoring re-checks independence ----------------------------------------------------------


def test_scoring_by_an_auditor_who_became_a_member_is_refused(
    in_audit, criterion, lead, auditor_user
):
    # A membership that did not come through an invitation (the shell, an import).
    MembershipFactory(organization=in_audit.organization, user=auditor_user)
    before = _score(in_audit, criterion)

    with pytest.raises(DomainError) as caught:
        _save(in_audit, criterion, auditor_user)

    assert caught.value.code == "not_independent"
    assert "member" in caught.value.message
    assert _score(in_audit, criterion) == before


def test_scoring_by_an_auditor_with_a_conflict_in_force_is_refused(
    in_audit, criterion, lead, auditor_user
):
    # Recorded without the service (which would have ended the assignment at once).
    AuditorConflict.objects.create(auditor=lead, organization=in_audit.organization)
    before = _score(in_audit, criterion)

    with pytest.raises(DomainError) as caught:
        _save(in_audit, criterion, auditor_user)

    assert caught.value.code == "not_independent"
    assert "conflict of interest" in caught.value.message
    assert _score(in_audit, criterion) == before


def test_an_expired_conflict_does_not_stop_scoring(in_audit, criterion, lead, auditor_user):
    from datetime import timedelta

    from django.utils import timezone

    AuditorConflict.objects.create(
        auditor=lead,
        organization=in_audit.organization,
        until=timezone.localdate() - timedelta(days=1),
    )
    assert _save(in_audit, criterion, auditor_user).version == 1


def test_a_membership_elsewhere_does_not_stop_scoring(
    in_audit, criterion, lead, auditor_user, beta
):
    MembershipFactory(organization=beta, user=auditor_user)

    assert _save(in_audit, criterion, auditor_user).version == 1


def test_api_score_of_an_auditor_who_became_a_member_gets_404(
    in_audit, criterion, lead, auditor_user
):
    api = APIClient()
    api.force_authenticate(auditor_user)
    url = f"/api/v1/audits/{in_audit.pk}/scores/{criterion.pk}/"
    body = {"rating": "partially", "rationale": "Half.", "version": 0}
    assert api.put(url, body, format="json").status_code == 200

    MembershipFactory(organization=in_audit.organization, user=auditor_user)
    before = _score(in_audit, criterion)

    assert api.put(url, {**body, "version": 1}, format="json").status_code == 404
    assert _score(in_audit, criterion) == before
    assert api.get(f"/api/v1/audits/{in_audit.pk}/").status_code == 404
    assert in_audit.pk not in [a["id"] for a in api.get("/api/v1/audits/").json()["results"]]


def test_html_audit_of_an_auditor_who_became_a_member_is_404(
    client, in_audit, criterion, lead, auditor_user
):
    client.force_login(auditor_user)
    save = reverse("certification:score_save", args=[in_audit.pk, criterion.pk])
    audit = reverse("certification:audit", args=[in_audit.pk])
    assert client.get(audit).status_code == 200

    MembershipFactory(organization=in_audit.organization, user=auditor_user)
    before = _score(in_audit, criterion)

    assert client.post(save, {"rating": "fulfilled", "version": 0}).status_code == 404
    assert (
        client.post(save, {"rating": "fulfilled", "version": 0}, HTTP_HX_REQUEST="true").status_code
        == 404
    )
    assert client.get(audit).status_code == 404
    assert _score(in_audit, criterion) == before
    listing = client.get(reverse("certification:audits")).content.decode()
    assert not re.search(rf"/audit/{in_audit.pk}/", listing)


def test_findings_by_an_auditor_who_became_a_member_are_refused(
    in_audit, criterion, lead, auditor_user
):
    MembershipFactory(organization=in_audit.organization, user=auditor_user)

    with pytest.raises(DomainError) as caught:
        finding_raise(
            objective_evidence="Seen during the audit.",
            application=in_audit,
            kind="observation",
            criterion_ids=[criterion.pk],
            description="Seen.",
            by=auditor_user,
        )
    assert caught.value.code == "not_independent"


def test_evidence_is_closed_to_an_auditor_with_a_conflict_in_force(
    assigned, lead, auditor_user, alice
):
    from certification.selectors.self_assessment import evidence_for_user

    from .helpers import add_pdf

    evidence = add_pdf(assigned, alice)
    assert evidence_for_user(auditor_user, evidence.pk) == evidence

    AuditorConflict.objects.create(auditor=lead, organization=assigned.organization)

    assert evidence_for_user(auditor_user, evidence.pk) is None
