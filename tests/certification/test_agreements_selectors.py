"""Reads of the certification agreement: the version in force, an organization's
acceptance of it, and who still has to accept it (for the office's to-do list)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.selectors.agreements import (
    acceptances_of_organization,
    agreement_accepted_by,
    agreement_in_force,
    agreements_for_office,
    organizations_asked,
    organizations_awaiting_acceptance,
)
from certification.services.agreements import agreement_draft, agreement_publish
from cpo_portal.tenancy.services import organization_create

from .factories import (
    AgreementAcceptanceFactory,
    AgreementVersionFactory,
    ApplicationFactory,
    CertificateFactory,
)

pytestmark = pytest.mark.django_db


def test_the_version_in_force_is_the_latest_published():
    assert agreement_in_force() is None
    first = AgreementVersionFactory(published=True)
    AgreementVersionFactory(draft=True)
    assert agreement_in_force() == first
    third = AgreementVersionFactory(published=True)
    assert agreement_in_force() == third


def test_an_acceptance_counts_for_the_version_in_force_only(alpha, beta):
    AgreementVersionFactory(published=True)
    accepted = AgreementAcceptanceFactory(organization=alpha)
    assert agreement_accepted_by(alpha) == accepted
    assert agreement_accepted_by(beta) is None
    AgreementVersionFactory(published=True)
    assert agreement_accepted_by(alpha) is None
    assert list(acceptances_of_organization(alpha)) == [accepted]


def test_who_must_accept_holders_and_running_applicants(
    alpha, beta, office_user, catalogue, make_user
):
    ApplicationFactory(organization=alpha, reported=True, office=office_user, agreement=False)
    ApplicationFactory(organization=beta, agreement=False)  # a draft: not asked yet
    assert list(organizations_asked()) == [alpha]
    gamma = organization_create(by=make_user(), legal_name="Gamma", country="DE")
    CertificateFactory(
        application=ApplicationFactory(
            organization=gamma, reported=True, office=office_user, agreement=False
        ),
        issued_by=office_user,
    )
    assert list(organizations_asked()) == [alpha, gamma]


def test_awaiting_counts_and_the_oldest(alpha, beta, alice, office_user, catalogue):
    assert organizations_awaiting_acceptance().count == 0  # nothing in force
    submitted_at = timezone.now() - timedelta(days=10)
    with time_machine.travel(submitted_at, tick=False):
        ApplicationFactory(organization=beta, submitted=True, agreement=False)
    with time_machine.travel(timezone.now() - timedelta(days=3), tick=False):
        # Published through the services: Beta (submitted) and Alpha (in audit) are asked.
        ApplicationFactory(organization=alpha, in_audit=True, office=office_user)
        version = agreement_publish(
            agreement=agreement_draft(by=office_user, title="Agreement", text="Text."),
            by=office_user,
        )
    awaiting = organizations_awaiting_acceptance()
    assert awaiting.agreement == version
    assert [row.organization for row in awaiting.organizations] == [alpha, beta]
    assert awaiting.count == 2
    assert awaiting.oldest == version.published_at
    assert all(row.due_on is not None for row in awaiting.organizations)

    AgreementAcceptanceFactory(organization=alpha, accepted_by=alice)
    assert [row.organization for row in organizations_awaiting_acceptance().organizations] == [beta]


def test_without_a_deadline_the_wait_starts_with_the_later_of_submission_and_publication(
    beta, catalogue
):
    version = AgreementVersionFactory(published=True)
    application = ApplicationFactory(organization=beta, submitted=True, agreement=False)
    [row] = organizations_awaiting_acceptance().organizations
    assert row.since == max(version.published_at, application.submitted_at)
    assert row.due_on is None


def test_awaiting_reads_in_bounded_queries(
    django_assert_max_num_queries, office_user, catalogue, make_user
):
    AgreementVersionFactory(published=True)

    def organizations(n):
        for i in range(n):
            org = organization_create(by=make_user(), legal_name=f"Org {i}", country="DE")
            ApplicationFactory(organization=org, submitted=True, agreement=False)

    organizations(2)
    with django_assert_max_num_queries(6):
        assert organizations_awaiting_acceptance().count == 2
    organizations(8)
    with django_assert_max_num_queries(6):
        assert organizations_awaiting_acceptance().count == 10


def test_the_office_list_counts_acceptances(alpha, beta):
    first = AgreementVersionFactory(published=True)
    AgreementAcceptanceFactory(organization=alpha, agreement=first)
    AgreementAcceptanceFactory(organization=beta, agreement=first)
    second = AgreementVersionFactory(published=True)
    AgreementAcceptanceFactory(organization=alpha, agreement=second)
    with scopes_disabled():
        rows = [(v.number, v.acceptance_count) for v in agreements_for_office()]
    assert rows == [(2, 1), (1, 2)]
