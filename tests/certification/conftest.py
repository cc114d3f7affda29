"""Certification fixtures on top of the root alice/bob/charlie scenario.

The demo catalogue is published (its organizational and product schemes have 30 criteria
each). Alpha (alice owner, bob member) is an approved IT vendor signee; `lead` is the root
`auditor_user`, qualified for both schemes; `co` is a second qualified auditor; `office2`
is a second office certifier. The stage fixtures walk one organizational application along
the state machine: `draft` → `submitted` → `accepted` → `assigned` → `in_audit`.
"""

import pytest
from django_scopes import scopes_disabled

from certification.models import Certificate
from certification.services import applications, auditors, audits, self_assessment
from criteria.demo import demo_catalogue_data
from criteria.services.catalogue import catalogue_import

from .helpers import answer_all, approve_signee, make_auditor, new_application, score_all


@pytest.fixture
def catalogue(db):
    data = demo_catalogue_data()
    version, _ = catalogue_import(data=data, by=None, publish=True)
    return version


@pytest.fixture
def alpha_signee(catalogue, alpha, alice, office_user):
    return approve_signee(alpha, alice, office_user)


@pytest.fixture
def beta_signee(catalogue, beta, charlie, office_user):
    return approve_signee(beta, charlie, office_user, group="it_customer")


@pytest.fixture
def lead(auditor_user):
    return make_auditor(auditor_user)


@pytest.fixture
def co_user(db, activate_totp):
    from tests.factories import UserFactory

    return activate_totp(UserFactory(email="co@example.org", full_name="Cora Co-Auditor"))


@pytest.fixture
def co(co_user):
    return make_auditor(co_user)


@pytest.fixture
def office2(db, activate_totp):
    from django.contrib.auth.models import Group

    from cpo_portal.accounts.models import OFFICE_GROUP
    from tests.factories import UserFactory

    user = UserFactory(email="office2@example.org", full_name="Otto Office")
    user.groups.add(Group.objects.get(name=OFFICE_GROUP))
    return activate_totp(user)


@pytest.fixture
def draft(alpha_signee, alpha, alice):
    return new_application(alpha, alice)


@pytest.fixture
def submitted(draft, alice):
    return applications.application_submit(application=draft, by=alice)


@pytest.fixture
def accepted(submitted, office_user):
    return applications.application_accept(application=submitted, by=office_user)


@pytest.fixture
def assigned(accepted, lead, office_user):
    auditors.auditor_assign(application=accepted, auditor=lead, role="lead", by=office_user)
    accepted.refresh_from_db()
    return accepted


@pytest.fixture
def in_audit(assigned, alice):
    answer_all(assigned, alice)
    self_assessment.self_assessment_submit(application=assigned, by=alice)
    assigned.refresh_from_db()
    return assigned


@pytest.fixture
def reported(in_audit, auditor_user):
    score_all(in_audit, auditor_user)
    audits.report_submit(
        application=in_audit, recommendation="grant", summary="All criteria met.", by=auditor_user
    )
    in_audit.refresh_from_db()
    return in_audit


@pytest.fixture
def certificate(reported, office2):
    """Alpha's organizational certificate, issued through the real grant decision."""
    applications.application_decide(
        application=reported, decision="grant", rationale="All criteria met.", by=office2
    )
    with scopes_disabled():
        return Certificate.objects.get(application=reported)
