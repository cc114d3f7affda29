"""Certification fixtures on top of the root alice/bob/charlie scenario.

The demo catalogue is published (its organizational and product schemes have 30 criteria
each). Alpha (alice owner, bob member) is an approved IT vendor signee; `lead` is the root
`auditor_user`, qualified for both schemes; `co` is a second qualified auditor; `office2`
is a second office certifier. The stage fixtures walk one organizational application along
the state machine: `draft` → `submitted` → `accepted` → `assigned` → `in_audit`.
"""

from datetime import date, timedelta

import pytest
from django_scopes import scopes_disabled

from certification import services
from certification.models import Rating, Score
from criteria.demo import demo_catalogue_data
from criteria.models import AssessmentCriterion, Obligation, SchemeKind
from criteria.services import catalogue_import
from signees.services import signee_approve, signee_sign


@pytest.fixture
def catalogue(db):
    data = demo_catalogue_data()
    version, _ = catalogue_import(data=data, by=None, publish=True)
    return version


def approve_signee(organization, owner, office, group="it_vendor"):
    signature = signee_sign(
        organization=organization,
        by=owner,
        group=group,
        signatory_name=str(owner),
        signatory_position="CEO",
        authority_confirmed=True,
    )
    return signee_approve(signee=signature.signee, by=office)


@pytest.fixture
def alpha_signee(catalogue, alpha, alice, office_user):
    return approve_signee(alpha, alice, office_user)


@pytest.fixture
def beta_signee(catalogue, beta, charlie, office_user):
    return approve_signee(beta, charlie, office_user, group="it_customer")


def make_auditor(user, *kinds):
    from cpo_portal.accounts.models import Auditor

    auditor, _ = Auditor.objects.get_or_create(user=user)
    services.auditor_qualifications_set(
        auditor=auditor, scheme_kinds=list(kinds or SchemeKind.values), by=user
    )
    return auditor


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


WINDOW = {"window_start": date(2027, 3, 1), "window_end": date(2027, 3, 31)}


def new_application(organization, user, kind=SchemeKind.ORGANIZATIONAL, **extra):
    values = {"scope_description": "Whole company, PLM business unit", **WINDOW}
    if kind == SchemeKind.PRODUCT:
        values |= {"product_name": "Alpha PLM", "product_version": "7.1"}
    return services.application_create(
        organization=organization, kind=kind, by=user, **(values | extra)
    )


@pytest.fixture
def draft(alpha_signee, alpha, alice):
    return new_application(alpha, alice)


@pytest.fixture
def submitted(draft, alice):
    return services.application_submit(application=draft, by=alice)


@pytest.fixture
def accepted(submitted, office_user):
    return services.application_accept(application=submitted, by=office_user)


@pytest.fixture
def assigned(accepted, lead, office_user):
    services.auditor_assign(application=accepted, auditor=lead, role="lead", by=office_user)
    accepted.refresh_from_db()
    return accepted


def criteria_of(application, obligation=None):
    qs = AssessmentCriterion.objects.filter(scheme_id=application.scheme_id).order_by(
        "area__position", "position"
    )
    return list(qs.filter(obligation=obligation) if obligation else qs)


def answer_all(application, user, status="implemented"):
    for criterion in criteria_of(application):
        services.self_assessment_answer(
            application=application,
            criterion_id=criterion.pk,
            status=status,
            explanation="As documented in our handbook.",
            by=user,
        )


@pytest.fixture
def in_audit(assigned, alice):
    answer_all(assigned, alice)
    services.self_assessment_submit(application=assigned, by=alice)
    assigned.refresh_from_db()
    return assigned


def score(application, criterion, rating, user, rationale="Seen in the evidence."):
    with scopes_disabled():
        current = Score.objects.get(application=application, criterion=criterion)
    return services.score_save(
        application_id=application.pk,
        criterion_id=criterion.pk,
        rating=rating,
        rationale=rationale,
        expected_version=current.version,
        by=user,
    )


def score_all(application, user, rating=Rating.FULFILLED):
    for criterion in criteria_of(application):
        score(application, criterion, rating, user)


@pytest.fixture
def reported(in_audit, auditor_user):
    score_all(in_audit, auditor_user)
    services.report_submit(
        application=in_audit, recommendation="grant", summary="All criteria met.", by=auditor_user
    )
    in_audit.refresh_from_db()
    return in_audit


@pytest.fixture
def certificate(reported, office2):
    """Alpha's organizational certificate, issued through the real grant decision."""
    from certification.models import Certificate

    services.application_decide(
        application=reported, decision="grant", rationale="All criteria met.", by=office2
    )
    with scopes_disabled():
        return Certificate.objects.get(application=reported)


__all__ = ["Obligation", "timedelta"]
