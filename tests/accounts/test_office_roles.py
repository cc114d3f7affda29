"""The office's roles, enforced across the portal: each service refuses an office member
without its role (the service holds the rule, whatever calls it), each office page hides the
actions of a role the reader lacks, and the four-eyes rule counts every auditor a case ever
had (active, declined, ended).

administrator: staff, auditors, GDPR export and erasure; reviewer: signings, applications,
auditor assignments, surveillance audits; certifier: decisions, reopening a report, the
certificate's lifecycle. Every office member reads every office page.
"""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from certification.models import (
    ApplicationStatus,
    AssignmentRole,
    AssignmentStatus,
    AuditorAssignment,
    CertificateStatus,
)
from certification.services import applications, auditors, certificates
from cpo_portal.accounts.models import OfficeRole
from cpo_portal.accounts.services.people import person_erase, person_export
from cpo_portal.errors import DomainError
from signees.models import SigneeStatus
from signees.services import signing
from tests.certification.factories import (
    ApplicationFactory,
    AuditorFactory,
    CertificateFactory,
)
from tests.factories import make_office
from tests.signees.factories import SigneeFactory

pytestmark = pytest.mark.django_db

A, R, C = OfficeRole.ADMINISTRATOR, OfficeRole.REVIEWER, OfficeRole.CERTIFIER
S = ApplicationStatus


def _staff(make_user, activate_totp, name, *roles):
    return activate_totp(make_office(make_user(full_name=name), *roles))


@pytest.fixture
def reviewer(make_user, activate_totp):
    return _staff(make_user, activate_totp, "Rita Reviewer", R)


@pytest.fixture
def certifier(make_user, activate_totp):
    return _staff(make_user, activate_totp, "Cora Certifier", C)


@pytest.fixture
def administrator(make_user, activate_totp):
    return _staff(make_user, activate_totp, "Ada Administrator", A)


@pytest.fixture
def lead(auditor_user):
    return AuditorFactory(user=auditor_user, qualified=True)


@pytest.fixture
def pending_signee(catalogue, alpha):
    return SigneeFactory(pending=True, organization=alpha)


@pytest.fixture
def submitted(catalogue, alpha, alice):
    return ApplicationFactory(organization=alpha, created_by=alice, submitted=True)


@pytest.fixture
def accepted(catalogue, alpha, alice, office_user):
    return ApplicationFactory(
        organization=alpha, created_by=alice, office=office_user, accepted=True
    )


@pytest.fixture
def reported(catalogue, alpha, alice, office_user, lead):
    SigneeFactory(approved=True, organization=alpha)  # a grant names the holder's group
    return ApplicationFactory(
        organization=alpha, created_by=alice, office=office_user, lead=lead, reported=True
    )


@pytest.fixture
def certificate(reported, office_user):
    return CertificateFactory(application=reported, issued_by=office_user)


def refused(call):
    with pytest.raises(DomainError) as refusal:
        call()
    return refusal.value


def refreshed(instance):
    with scopes_disabled():
        instance.refresh_from_db()
    return instance


# --- Services: reviewer -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["certifier", "administrator"])
def test_only_a_reviewer_decides_a_signing(request, who, pending_signee):
    error = refused(
        lambda: signing.signee_approve(signee=pending_signee, by=request.getfixturevalue(who))
    )
    assert error.code == "office_role"
    assert "Reviewer" in error.messages[0]
    for call in (signing.signee_reject, signing.signee_return):
        refused(
            lambda call=call: call(
                signee=pending_signee, by=request.getfixturevalue(who), reason="x"
            )
        )
    assert refreshed(pending_signee).status == SigneeStatus.PENDING


def test_a_reviewer_approves_a_signing_and_the_system_decides_none(reviewer, pending_signee):
    signing.signee_approve(signee=pending_signee, by=reviewer)
    assert refreshed(pending_signee).status == SigneeStatus.APPROVED
    refused(lambda: signing.signee_unpublish(signee=pending_signee, by=None, reason="x"))
    assert refreshed(pending_signee).status == SigneeStatus.APPROVED


@pytest.mark.parametrize("action", ["accept", "return", "reject"])
@pytest.mark.parametrize("who", ["certifier", "administrator"])
def test_only_a_reviewer_reviews_an_application(request, who, action, submitted):
    service = getattr(applications, f"application_{action}")
    refused(lambda: service(application=submitted, by=request.getfixturevalue(who), reason="x"))
    assert refreshed(submitted).status == S.SUBMITTED


def test_a_reviewer_accepts_an_application(reviewer, submitted):
    applications.application_accept(application=submitted, by=reviewer)
    assert refreshed(submitted).status == S.ACCEPTED


@pytest.mark.parametrize("who", ["certifier", "administrator"])
def test_only_a_reviewer_assigns_and_ends_auditors(request, who, accepted, lead, reviewer):
    by = request.getfixturevalue(who)
    error = refused(
        lambda: auditors.auditor_assign(application=accepted, auditor=lead, role="lead", by=by)
    )
    assert error.code == "office_role"
    assignment = auditors.auditor_assign(
        application=accepted, auditor=lead, role="lead", by=reviewer
    )
    refused(lambda: auditors.assignment_end(assignment=assignment, by=by, reason="Ill."))
    auditors.assignment_end(assignment=assignment, by=reviewer, reason="Ill.")
    assert refreshed(assignment).status == AssignmentStatus.ENDED


@pytest.mark.parametrize("who", ["certifier", "administrator"])
def test_only_a_reviewer_opens_a_surveillance_audit(request, who, certificate, reviewer):
    window = {"window_start": date(2027, 6, 1), "window_end": date(2027, 6, 30)}
    by = request.getfixturevalue(who)
    refused(lambda: certificates.surveillance_open(certificate=certificate, by=by, **window))
    application = certificates.surveillance_open(certificate=certificate, by=reviewer, **window)
    assert application.status == S.ACCEPTED


# --- Services: certifier ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["reviewer", "administrator"])
def test_only_a_certifier_decides(request, who, reported):
    error = refused(
        lambda: applications.application_decide(
            application=reported,
            decision="grant",
            rationale="Fine.",
            by=request.getfixturevalue(who),
        )
    )
    assert error.code == "office_role"
    assert "Certifier" in error.messages[0]
    assert refreshed(reported).status == S.REPORT_SUBMITTED


def test_a_certifier_decides(certifier, reported):
    applications.application_decide(
        application=reported, decision="grant", rationale="Fine.", by=certifier
    )
    assert refreshed(reported).status == S.DECIDED


@pytest.mark.parametrize("who", ["reviewer", "administrator"])
def test_only_a_certifier_reopens_a_report(request, who, reported, certifier):
    by = request.getfixturevalue(who)
    refused(lambda: applications.application_reopen_audit(application=reported, by=by, reason="x"))
    applications.application_reopen_audit(application=reported, by=certifier, reason="Look again.")
    assert refreshed(reported).status == S.AUDIT


@pytest.mark.parametrize("who", ["reviewer", "administrator"])
def test_only_a_certifier_runs_the_certificates_lifecycle(request, who, certificate, certifier):
    by = request.getfixturevalue(who)
    refused(lambda: certificates.certificate_suspend(certificate=certificate, reason="x", by=by))
    certificates.certificate_suspend(certificate=certificate, reason="Misuse.", by=certifier)
    refused(lambda: certificates.certificate_reinstate(certificate=certificate, by=by))
    certificates.certificate_reinstate(certificate=certificate, by=certifier)
    refused(lambda: certificates.certificate_withdraw(certificate=certificate, reason="x", by=by))
    certificates.certificate_withdraw(certificate=certificate, reason="Fraud.", by=certifier)
    assert refreshed(certificate).status == CertificateStatus.WITHDRAWN


# --- Services: administrator --------------------------------------------------------------


@pytest.mark.parametrize("who", ["reviewer", "certifier"])
def test_only_an_administrator_exports_or_erases_a_person(request, who, bob, administrator):
    by = request.getfixturevalue(who)
    refused(lambda: person_export(person=bob, by=by))
    refused(lambda: person_erase(person=bob, by=by))
    assert person_export(person=bob, by=administrator)["account"]["email"] == bob.email
    person_erase(person=bob, by=administrator)


# --- Four-eyes: every auditor the case ever had -------------------------------------------


def _assigned_before(application, user, status):
    """`user` was an auditor of the case once: the assignment has ended or was declined."""
    auditor = AuditorFactory(user=user, qualified=True)
    with scope(organization=application.organization):
        return AuditorAssignment.objects.create(
            application=application,
            auditor=auditor,
            role=AssignmentRole.CO,
            status=status,
            ended_at=timezone.now(),
            reason="Left the case.",
        )


@pytest.mark.parametrize("status", [AssignmentStatus.ENDED, AssignmentStatus.DECLINED])
def test_a_certifier_who_audited_the_case_once_never_decides_it(status, certifier, reported):
    _assigned_before(reported, certifier, status)
    error = refused(
        lambda: applications.application_decide(
            application=reported, decision="grant", rationale="Fine.", by=certifier
        )
    )
    assert error.code == "four_eyes"
    assert refreshed(reported).status == S.REPORT_SUBMITTED


def test_a_certifier_whose_assignment_ended_is_told_on_the_decide_page(client, certifier, reported):
    _assigned_before(reported, certifier, AssignmentStatus.ENDED)
    client.force_login(certifier)
    url = reverse("certification:office_decide", args=[reported.pk])
    assert "You are an auditor of this application" in client.get(url).content.decode()
    response = client.post(url, {"decision": "grant", "rationale": "Fine."})
    assert "four-eyes" in response.content.decode()
    assert refreshed(reported).status == S.REPORT_SUBMITTED


def test_the_active_lead_auditor_never_decides_even_as_a_certifier(auditor_user, reported):
    make_office(auditor_user, C)
    error = refused(
        lambda: applications.application_decide(
            application=reported, decision="grant", rationale="Fine.", by=auditor_user
        )
    )
    assert error.code == "four_eyes"


# --- Views: each page hides the actions of a role the reader lacks -------------------------


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_signee_record_offers_decisions_to_reviewers_only(
    client, reviewer, certifier, pending_signee
):
    url = reverse("signees:office_detail", args=[pending_signee.pk])
    action = reverse("signees:office_decide", args=[pending_signee.pk, "approve"])
    assert action in _page(client, reviewer, url)
    page = _page(client, certifier, url)
    assert action not in page
    assert "A reviewer of the office decides on signings" in page


def test_a_certifier_posting_a_signing_decision_is_refused(client, certifier, pending_signee):
    client.force_login(certifier)
    response = client.post(
        reverse("signees:office_decide", args=[pending_signee.pk, "approve"]), follow=True
    )
    assert "Reviewer" in response.content.decode()
    assert refreshed(pending_signee).status == SigneeStatus.PENDING


def test_the_application_record_offers_review_and_assignment_to_reviewers_only(
    client, reviewer, certifier, submitted, accepted
):
    review = reverse("certification:office_review", args=[submitted.pk])
    assert review in _page(
        client, reviewer, reverse("certification:office_application", args=[submitted.pk])
    )
    page = _page(
        client, certifier, reverse("certification:office_application", args=[submitted.pk])
    )
    assert review not in page
    assert "waits for a reviewer" in page
    assign = reverse("certification:office_assign", args=[accepted.pk])
    assert assign in _page(
        client, reviewer, reverse("certification:office_application", args=[accepted.pk])
    )
    assert assign not in _page(
        client, certifier, reverse("certification:office_application", args=[accepted.pk])
    )


def test_a_certifier_posting_a_review_is_refused(client, certifier, submitted):
    client.force_login(certifier)
    response = client.post(
        reverse("certification:office_review", args=[submitted.pk]),
        {"action": "accept", "reason": ""},
        follow=True,
    )
    assert "Reviewer" in response.content.decode()
    assert refreshed(submitted).status == S.SUBMITTED


def test_the_decide_page_offers_the_decision_to_certifiers_only(
    client, reviewer, certifier, administrator, reported
):
    url = reverse("certification:office_decide", args=[reported.pk])
    reopen = reverse("certification:office_reopen", args=[reported.pk])
    assert reopen in _page(client, certifier, url)
    for who in (reviewer, administrator):
        page = _page(client, who, url)
        assert reopen not in page
        assert "A certifier of the office takes this decision" in page


def test_a_reviewer_posting_a_decision_is_refused(client, reviewer, reported):
    client.force_login(reviewer)
    response = client.post(
        reverse("certification:office_decide", args=[reported.pk]),
        {"decision": "grant", "rationale": "Fine."},
    )
    assert "A certifier of the office takes this decision" in response.content.decode()
    assert refreshed(reported).status == S.REPORT_SUBMITTED


def test_the_certificate_page_splits_lifecycle_and_surveillance_by_role(
    client, reviewer, certifier, certificate
):
    url = reverse("certification:office_certificate", args=[certificate.pk])
    suspend = reverse("certification:office_certificate_action", args=[certificate.pk, "suspend"])
    surveillance = reverse("certification:office_open_surveillance", args=[certificate.pk])
    as_certifier = _page(client, certifier, url)
    assert suspend in as_certifier
    assert surveillance not in as_certifier
    as_reviewer = _page(client, reviewer, url)
    assert suspend not in as_reviewer
    assert surveillance in as_reviewer


def test_the_person_page_offers_export_and_erasure_to_administrators_only(
    client, reviewer, administrator, bob
):
    url = reverse("accounts:office_person", args=[bob.pk])
    export = reverse("accounts:office_person_export", args=[bob.pk])
    assert export in _page(client, administrator, url)
    page = _page(client, reviewer, url)
    assert export not in page
    assert "An office administrator exports or erases" in page


@pytest.mark.parametrize("name", ["office_person_export", "office_person_erase"])
def test_a_reviewer_asking_for_an_export_or_erasure_is_told_the_role(client, reviewer, bob, name):
    client.force_login(reviewer)
    url = reverse(f"accounts:{name}", args=[bob.pk])
    response = client.post(url) if name.endswith("export") else client.get(url)
    assert response.status_code == 403
    assert "Office administrator" in response.content.decode()
