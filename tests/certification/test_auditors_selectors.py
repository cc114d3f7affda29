"""Reads of auditor competence: the reasons an auditor cannot be chosen for a case, the
competence record, the office's queue of applications and the qualifications nearing their
end, each with a bounded number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from django_scopes import scopes_disabled

from certification.models import (
    AuditorObjection,
    AuditorQualification,
    AuditPlan,
    CertificationPolicy,
    ObjectionStatus,
)
from certification.selectors.auditors import (
    auditor_options,
    competence_of,
    office_qualification_queue,
    qualification_counts,
    qualifications_nearing_expiry,
)
from certification.services.auditors import (
    auditor_conflict_declare,
    qualification_refuse,
    qualification_revoke,
)
from cpo_portal.accounts.models import Auditor
from tests.factories import MembershipFactory

from .factories import QualificationFactory
from .helpers import make_auditor, unqualify

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def short(day):
    return date_format(day, "SHORT_DATE_FORMAT")


def _new(make_user, email, **extra):
    return Auditor.objects.create(user=make_user(email=email, full_name=email), **extra)


# --- Why an auditor cannot be chosen ----------------------------------------------------------


def test_options_give_the_real_reasons(accepted, lead, co, make_user, office_user, alice):
    until = today() + timedelta(days=30)
    auditor_conflict_declare(
        auditor=co, organization=accepted.organization, until=until, by=co.user
    )
    _new(make_user, "none@example.org")
    pending = _new(make_user, "pending@example.org")
    QualificationFactory(auditor=pending)
    refused = _new(make_user, "refused@example.org")
    qualification_refuse(
        qualification=QualificationFactory(auditor=refused), reason="No.", by=office_user
    )
    unqualify(make_auditor(make_user(email="expired@example.org")))
    revoked = make_auditor(make_user(email="revoked@example.org"), "organizational")
    qualification_revoke(qualification=revoked.qualifications.get(), reason="Left.", by=office_user)
    member = make_auditor(make_user(email="member@example.org"))
    MembershipFactory(organization=accepted.organization, user=member.user)
    retired = make_auditor(make_user(email="retired@example.org"))
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    locked = make_auditor(make_user(email="locked@example.org"))
    locked.user.is_active = False
    locked.user.save(update_fields=["is_active"])
    itself = make_auditor(office_user)

    options = {
        o.auditor.user.email: o
        for o in auditor_options(accepted, include_inactive=True, by=office_user)
    }

    yesterday = short(today() - timedelta(days=1))
    assert {email: o.reasons for email, o in options.items() if not o.eligible} == {
        "co@example.org": [f"declared a conflict of interest until {short(until)}"],
        "none@example.org": ["no qualification for this scheme"],
        "pending@example.org": ["application awaiting the office's decision"],
        "refused@example.org": ["application refused"],
        "expired@example.org": [f"qualification expired on {yesterday}"],
        "revoked@example.org": [f"qualification revoked on {short(today())}"],
        "member@example.org": ["member of the organization"],
        "retired@example.org": ["auditor profile deactivated"],
        "locked@example.org": ["account deactivated"],
        "office@example.org": ["you cannot assign yourself"],
    }
    assert [email for email, o in options.items() if o.eligible] == ["auditor@example.org"]
    assert (options["co@example.org"].qualified, options["co@example.org"].conflict) == (
        True,
        "declared",
    )
    assert (options[itself.user.email].qualified, options[lead.user.email].why) == (True, "")


def test_an_expired_qualification_with_a_pending_renewal_says_both(accepted, co):
    unqualify(co)
    QualificationFactory(auditor=co)
    [option] = [o for o in auditor_options(accepted) if o.auditor == co]
    assert option.reasons == [
        f"qualification expired on {short(today() - timedelta(days=1))}; "
        "application awaiting the office's decision"
    ]


def test_legacy_qualifications_are_offered_with_a_note(accepted, co_user):
    legacy = QualificationFactory(auditor__user=co_user, legacy=True)
    [option] = auditor_options(accepted)
    assert (option.auditor, option.eligible, option.notes) == (
        legacy.auditor,
        True,
        ["no validity recorded"],
    )


def test_assigned_and_objected_auditors_are_not_offered_again(assigned, lead, alice):
    with scopes_disabled():
        assignment = assigned.assignments.get()
        plan = AuditPlan.objects.create(
            application=assigned,
            start_date=today(),
            end_date=today(),
            person_days=1,
            person_days_rule=1,
        )
        AuditorObjection.objects.create(
            plan=plan, assignment=assignment, reason="No.", status=ObjectionStatus.UPHELD
        )
    [option] = auditor_options(assigned)
    assert option.reasons == [
        "the company's objection to this auditor was upheld in this case",
        "already assigned to this case",
    ]


def test_options_take_two_queries_whatever_the_number_of_auditors(
    accepted, lead, make_user, django_assert_max_num_queries
):
    for index in range(8):
        auditor = make_auditor(make_user(email=f"a{index}@example.org"))
        if index % 2:
            auditor_conflict_declare(
                auditor=auditor, organization=accepted.organization, by=auditor.user
            )
        if index % 3 == 0:
            MembershipFactory(organization=accepted.organization, user=auditor.user)
    with django_assert_max_num_queries(2):
        options = auditor_options(accepted, include_inactive=True)
        assert len(options) == 9
        assert all(o.auditor.user.email for o in options)


# --- The competence record ------------------------------------------------------------------


def test_competence_shows_each_scheme_its_application_and_the_history(co, office_user):
    renewal = QualificationFactory(auditor=co)
    record = competence_of(co)
    assert [s.kind for s in record.by_scheme] == ["organizational", "product"]
    organizational, product = record.by_scheme
    assert (organizational.current.in_force, organizational.pending) == (True, renewal)
    assert (product.current.in_force, product.pending) == (True, None)
    assert len(record.history) == 3
    assert record.history[0].qualification == renewal
    assert record.expiring == []


def test_qualifications_ending_within_the_policy_are_flagged(co):
    CertificationPolicy.objects.update_or_create(pk=1, defaults={"qualification_warning_days": 30})
    AuditorQualification.objects.filter(auditor=co, scheme_kind="product").update(
        valid_until=today() + timedelta(days=30)
    )
    record = competence_of(co)
    assert [s.qualification.scheme_kind for s in record.expiring] == ["product"]
    assert record.expiring[0].days_left == 30
    AuditorQualification.objects.filter(auditor=co, scheme_kind="product").update(
        valid_until=today() + timedelta(days=31)
    )
    assert competence_of(co).expiring == []


def test_competence_marks_legacy_and_expired_rows(co_user):
    legacy = QualificationFactory(auditor__user=co_user, legacy=True)
    QualificationFactory(auditor=legacy.auditor, scheme_kind="product", expired=True)
    record = competence_of(legacy.auditor)
    organizational, product = record.by_scheme
    assert (organizational.current.in_force, organizational.current.no_validity) == (True, True)
    assert (product.current.in_force, product.current.expired) == (False, True)


def test_competence_takes_three_queries(co, django_assert_max_num_queries):
    for _ in range(4):
        QualificationFactory(auditor=co, scheme_kind="product", withdrawn=True)
    with django_assert_max_num_queries(3):
        record = competence_of(co)
        assert len(record.history) == 6
        assert all(s.qualification.decided_by is None for s in record.history)


# --- The office's queue and expiry list -----------------------------------------------------


def test_the_queue_lists_applications_the_oldest_first(co, make_user, django_assert_num_queries):
    first = QualificationFactory(auditor=co, applied_at=timezone.now() - timedelta(days=3))
    second = QualificationFactory(
        auditor__user=make_user(email="b@example.org"), applied_at=timezone.now()
    )
    QualificationFactory(auditor=co, scheme_kind="product", refused=True)
    with django_assert_num_queries(1):
        queue = list(office_qualification_queue())
        assert [q.auditor.user.email for q in queue] == ["co@example.org", "b@example.org"]
    assert queue == [first, second]


def test_nearing_expiry_within_the_policy_or_the_days_asked(co, lead, make_user):
    CertificationPolicy.objects.update_or_create(pk=1, defaults={"qualification_warning_days": 60})
    soon, later = today() + timedelta(days=10), today() + timedelta(days=90)
    AuditorQualification.objects.filter(auditor=co, scheme_kind="organizational").update(
        valid_until=soon
    )
    AuditorQualification.objects.filter(auditor=lead, scheme_kind="product").update(
        valid_until=later
    )
    QualificationFactory(auditor=co)  # co's renewal of the organizational one
    retired = make_auditor(make_user(email="r@example.org"))
    AuditorQualification.objects.filter(auditor=retired).update(valid_until=soon)
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    unqualify(make_auditor(make_user(email="x@example.org")))  # expired: not nearing

    default = list(qualifications_nearing_expiry())
    assert [(q.auditor, q.scheme_kind, q.renewal_pending) for q in default] == [
        (co, "organizational", True)
    ]
    wider = list(qualifications_nearing_expiry(within_days=120))
    assert [(q.auditor, q.valid_until) for q in wider] == [(co, soon), (lead, later)]
    assert qualification_counts(warn_days=60) == {"applied": 1, "expiring": 1}
