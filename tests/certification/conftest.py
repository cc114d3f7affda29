"""Certification fixtures on top of the root alice/bob/charlie scenario.

The demo catalogue is published (the root `catalogue` fixture: its organizational and
product schemes have 30 criteria each). Alpha (alice owner, bob member) is an approved IT
vendor signee; `lead` is the root `auditor_user`, qualified for both schemes; `co` is a
second qualified auditor; `office2` is a second office certifier. The stage fixtures walk
one organizational application along the state machine: `draft` → `submitted` →
`accepted` → `assigned` → `in_audit` → `reported` → `certificate` (granted by office2);
`product` is Alpha's product certificate on top of it.

They build each stage with the factories (tests/certification/factories.py: the rows the
services leave, without their mails and activity log). A test about a transition they take,
or reading its mails or activity log, is marked `@pytest.mark.through_services`: then every
stage (and the signees, the auditors' qualifications) is taken through the services.
"""

import pytest
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from certification.models import ApplicationStatus, Certificate
from certification.services import applications, auditors, audits, findings, self_assessment
from criteria.models import Obligation, SchemeKind
from tests.signees.factories import SigneeFactory

from .factories import ApplicationFactory, AuditorFactory, CertificateFactory, advance
from .helpers import (
    accept_agreement,
    answer_all,
    approve_signee,
    criteria_of,
    make_auditor,
    new_application,
    product_certificate,
    score_all,
    send_plan,
)

S = ApplicationStatus


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "through_services: the certification stage fixtures go through the services "
        "(tests of a transition they take, of its mails or of its activity log)",
    )


@pytest.fixture
def through_services(request):
    """Whether the test takes its stages through the services (its marker says so)."""
    return request.node.get_closest_marker("through_services") is not None


@pytest.fixture
def alpha_signee(catalogue, alpha, alice, office_user, through_services):
    if through_services:
        return approve_signee(alpha, alice, office_user)
    return SigneeFactory(approved=True, organization=alpha, reviewed_by=office_user)


@pytest.fixture
def beta_signee(catalogue, beta, charlie, office_user, through_services):
    if through_services:
        return approve_signee(beta, charlie, office_user, group="it_customer")
    return SigneeFactory(
        approved=True, organization=beta, group="it_customer", reviewed_by=office_user
    )


@pytest.fixture
def lead(auditor_user, through_services):
    if through_services:
        return make_auditor(auditor_user)
    return AuditorFactory(user=auditor_user, qualified=True)


@pytest.fixture
def co_user(db, activate_totp):
    from tests.factories import UserFactory

    return activate_totp(UserFactory(email="co@example.org", full_name="Cora Co-Auditor"))


@pytest.fixture
def co(co_user, through_services):
    if through_services:
        return make_auditor(co_user)
    return AuditorFactory(user=co_user, qualified=True)


@pytest.fixture
def office2(db, activate_totp):

    from tests.factories import UserFactory, make_office

    user = UserFactory(email="office2@example.org", full_name="Otto Office")
    make_office(user)
    return activate_totp(user)


@pytest.fixture
def draft(alpha_signee, alpha, alice, through_services):
    if through_services:
        return new_application(alpha, alice)
    return ApplicationFactory(organization=alpha, created_by=alice)


@pytest.fixture
def submitted(draft, alice, through_services):
    """Submitted, and the certification agreement in force accepted by alice (agreements)."""
    if through_services:
        application = applications.application_submit(application=draft, by=alice)
        accept_agreement(draft.organization, alice)
        return application
    return advance(draft, to=S.SUBMITTED)


@pytest.fixture
def accepted(submitted, office_user, through_services):
    if through_services:
        return applications.application_accept(application=submitted, by=office_user)
    return advance(submitted, to=S.ACCEPTED, office=office_user)


@pytest.fixture
def assigned(accepted, lead, office_user, through_services):
    if through_services:
        auditors.auditor_assign(application=accepted, auditor=lead, role="lead", by=office_user)
        accepted.refresh_from_db()
        return accepted
    return advance(accepted, to=S.AUDITOR_ASSIGNED, office=office_user, lead=lead)


@pytest.fixture
def in_audit(assigned, alice, through_services):
    if through_services:
        answer_all(assigned, alice)
        self_assessment.self_assessment_submit(application=assigned, by=alice)
        assigned.refresh_from_db()
        return assigned
    return advance(assigned, to=S.AUDIT)


@pytest.fixture
def reported(in_audit, auditor_user, through_services):
    if through_services:
        score_all(in_audit, auditor_user)
        send_plan(in_audit, auditor_user)  # the report waits for a plan sent (plans)
        audits.report_submit(
            application=in_audit,
            recommendation="grant",
            summary="All criteria met.",
            by=auditor_user,
        )
        in_audit.refresh_from_db()
        return in_audit
    return advance(in_audit, to=S.REPORT_SUBMITTED)


@pytest.fixture
def certificate(reported, office2, through_services):
    """Alpha's organizational certificate, as the grant decision issues it."""
    if through_services:
        applications.application_decide(
            application=reported, decision="grant", rationale="All criteria met.", by=office2
        )
        with scopes_disabled():
            return Certificate.objects.get(application=reported)
    return CertificateFactory(application=reported, issued_by=office2)


@pytest.fixture
def product(certificate, alpha, alice, lead, auditor_user, office_user, office2, through_services):
    """Alpha's product certificate (on top of its organizational one), granted by office2."""
    if through_services:
        return product_certificate(
            alpha,
            alice=alice,
            lead=lead,
            auditor_user=auditor_user,
            office=office_user,
            decider=office2,
        )
    application = ApplicationFactory(
        organization=alpha,
        kind=SchemeKind.PRODUCT,
        created_by=alice,
        office=office_user,
        lead=lead,
        reported=True,
        summary="As scored.",
    )
    return CertificateFactory(
        application=application, issued_by=office2, rationale="As the report shows."
    )


# --- The API ------------------------------------------------------------------------------


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def case(in_audit, auditor_user, alice):
    """An application in audit with one major finding carrying one piece of evidence."""
    criterion = criteria_of(in_audit, Obligation.SHALL)[0]
    finding = findings.finding_raise(
        objective_evidence="Seen during the audit.",
        application=in_audit,
        kind="major",
        criterion_ids=[criterion.pk],
        description="No interface owner is named.",
        by=auditor_user,
    )
    evidence = self_assessment.evidence_add_link(
        application=in_audit, url="https://alpha.example/owners", finding=finding, by=alice
    )
    return {
        "app": in_audit,
        "criterion": criterion,
        "finding": finding,
        "evidence": evidence,
        "id": in_audit.pk,
        "cid": criterion.pk,
        "fid": finding.pk,
        "eid": evidence.pk,
    }
