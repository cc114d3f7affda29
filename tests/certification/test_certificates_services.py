"""The certificate lifecycle in the services: every edge and every refusal, reasons, the
public events, the holder's e-mails, expiry by the daily task (time travel),
recertification, and what an organizational certificate's end does to product ones."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled

from certification import tasks
from certification.models import (
    CERTIFICATE_EDGES,
    Application,
    AuditType,
    Certificate,
    CertificateEvent,
)
from certification.services.applications import application_create
from certification.services.certificates import (
    certificate_reinstate,
    certificate_suspend,
    certificate_transition,
    certificate_withdraw,
    certificates_expire_due,
)
from certification.services.deadlines import certification_policy_update
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError, TransitionNotAllowed
from criteria.models import SchemeKind
from tests.certification.helpers import (
    audit_to_report,
    certificate_of,
    decide,
    refreshed,
    set_fields,
)

pytestmark = pytest.mark.django_db

STATUSES = ["active", "suspended", "withdrawn", "expired", "superseded"]
ACTIONS = sorted(CERTIFICATE_EDGES)
REASON = "Evidence of the audit lapsed."


def events(certificate):
    with scopes_disabled():
        return list(CertificateEvent.objects.filter(certificate=certificate))


def written(certificate):
    """Everything a lifecycle step may write, to compare before and after a refusal."""
    with scopes_disabled():
        row = Certificate.objects.values(
            "status", "status_reason", "status_changed_at", "flagged_reason"
        ).get(pk=certificate.pk)
        return (
            row,
            CertificateEvent.objects.count(),
            ActivityEntry.objects.count(),
            Certificate.objects.filter(flagged_reason="").count(),
        )


def at(moment):
    return datetime.combine(moment, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)


@pytest.fixture
def travel(time_machine):
    """travel(day): the clock stands at noon (UTC) of that day from now on."""

    def to(day):
        moment = at(day)
        time_machine.move_to(moment, tick=False)
        return moment

    return to


# --- Every edge ---------------------------------------------------------------------------


def allowed(action, status):
    return status in CERTIFICATE_EDGES[action]


def target(action, status):
    (after,) = CERTIFICATE_EDGES[action][status]
    return after


def test_the_edges_are_the_documented_ones():
    assert {
        action: sorted((before, after) for before, targets in edges.items() for after in targets)
        for action, edges in CERTIFICATE_EDGES.items()
    } == {
        "suspend": [("active", "suspended")],
        "reinstate": [("suspended", "active")],
        "withdraw": [("active", "withdrawn"), ("suspended", "withdrawn")],
        "expire": [("active", "expired"), ("suspended", "expired")],
        "supersede": [("active", "superseded"), ("suspended", "superseded")],
    }


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_edge_is_allowed_and_every_other_refused(certificate, office_user, action, status):
    certificate = set_fields(certificate, status=status)
    before = written(certificate)
    if not allowed(action, status):
        with pytest.raises(TransitionNotAllowed):
            certificate_transition(certificate, action, by=office_user, reason=REASON)
        assert written(certificate) == before
        return
    changed = certificate_transition(certificate, action, by=office_user, reason=REASON)
    assert refreshed(changed).status == target(action, status)
    event = events(certificate)[-1]
    assert (event.action, event.status_before, event.status_after, event.reason) == (
        action,
        status,
        target(action, status),
        REASON,
    )
    with scopes_disabled():
        assert ActivityEntry.objects.filter(
            verb=f"certificate.{action}", target_id=str(certificate.pk)
        ).exists()


OFFICE_STEPS = {
    "suspend": lambda c, by: certificate_suspend(certificate=c, reason=REASON, by=by),
    "reinstate": lambda c, by: certificate_reinstate(certificate=c, by=by),
    "withdraw": lambda c, by: certificate_withdraw(certificate=c, reason=REASON, by=by),
}


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", sorted(OFFICE_STEPS))
def test_office_steps_follow_the_edges(
    certificate, office_user, action, status, django_capture_on_commit_callbacks
):
    certificate = set_fields(certificate, status=status)
    before = written(certificate)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        if allowed(action, status):
            OFFICE_STEPS[action](certificate, office_user)
        else:
            with pytest.raises(TransitionNotAllowed):
                OFFICE_STEPS[action](certificate, office_user)
    if allowed(action, status):
        assert refreshed(certificate).status == target(action, status)
        assert len(mail.outbox) == 1
    else:
        assert written(certificate) == before
        assert mail.outbox == []


@pytest.mark.parametrize("action", sorted(OFFICE_STEPS))
def test_only_the_office_takes_steps(certificate, alice, auditor_user, action):
    if action == "reinstate":
        certificate = set_fields(certificate, status="suspended")
    before = written(certificate)
    for user in (alice, auditor_user):
        with pytest.raises(DomainError):
            OFFICE_STEPS[action](certificate, user)
    assert written(certificate) == before


# --- Reasons, events, e-mails ---------------------------------------------------------------


@pytest.mark.parametrize("action", ["suspend", "withdraw"])
@pytest.mark.parametrize("reason", ["", "   \n "])
def test_suspend_and_withdraw_need_a_reason(certificate, office_user, action, reason):
    step = certificate_suspend if action == "suspend" else certificate_withdraw
    before = written(certificate)
    with pytest.raises(DomainError, match="reason"):
        step(certificate=certificate, reason=reason, by=office_user)
    assert written(certificate) == before


def test_reinstate_needs_no_reason(certificate, office_user):
    certificate_suspend(certificate=certificate, reason=REASON, by=office_user)
    certificate_reinstate(certificate=certificate, by=office_user)
    assert refreshed(certificate).status == "active"
    assert refreshed(certificate).status_reason == ""


def test_every_event_is_kept_with_who_and_when(certificate, office_user, office2, travel):
    issued_at = certificate.status_changed_at
    suspended_at = travel(certificate.issued_on + timedelta(days=10))
    certificate_suspend(certificate=certificate, reason=" Audit lapsed. ", by=office_user)
    reinstated_at = travel(certificate.issued_on + timedelta(days=20))
    certificate_reinstate(certificate=certificate, by=office2, reason="Audit passed.")
    withdrawn_at = travel(certificate.issued_on + timedelta(days=30))
    certificate_withdraw(certificate=certificate, reason="Fraud.", by=office_user)

    history = [
        (e.action, e.status_before, e.status_after, e.reason, e.by, e.at)
        for e in events(certificate)
    ]
    assert history[0][:5] == ("issued", "", "active", "", office2)
    assert abs(history[0][5] - issued_at) < timedelta(seconds=5)
    assert history[1:] == [
        ("suspend", "active", "suspended", "Audit lapsed.", office_user, suspended_at),
        ("reinstate", "suspended", "active", "Audit passed.", office2, reinstated_at),
        ("withdraw", "active", "withdrawn", "Fraud.", office_user, withdrawn_at),
    ]
    certificate = refreshed(certificate)
    assert (certificate.status, certificate.status_reason) == ("withdrawn", "Fraud.")
    assert certificate.status_changed_at == withdrawn_at


def test_the_holder_is_told_of_each_step(
    certificate, office_user, alice, bob, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    steps = [
        lambda: certificate_suspend(certificate=certificate, reason=REASON, by=office_user),
        lambda: certificate_reinstate(certificate=certificate, by=office_user),
        lambda: certificate_withdraw(certificate=certificate, reason="Fraud.", by=office_user),
    ]
    for step in steps:
        with django_capture_on_commit_callbacks(execute=True):
            step()

    n = certificate.number
    assert [m.subject for m in mail.outbox] == [
        f"Your CPO certificate {n} has been suspended.",
        f"Your CPO certificate {n} is valid again.",
        f"Your CPO certificate {n} has been withdrawn.",
    ]
    # The organization's owners and admins, not its plain members.
    assert all(m.to == [alice.email] for m in mail.outbox)
    assert REASON in mail.outbox[0].body
    assert f"/verify/{n}/" in mail.outbox[0].body
    assert "Fraud." in mail.outbox[2].body


def test_a_refused_step_sends_nothing(certificate, office_user, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TransitionNotAllowed):
        certificate_reinstate(certificate=certificate, by=office_user)
    assert mail.outbox == []


# --- Expiry by the daily task ---------------------------------------------------------------


def test_expired_exactly_the_day_after_valid_until_and_rerun_is_idempotent(certificate):
    last_day = certificate.valid_until

    assert certificates_expire_due(today=last_day - timedelta(days=1)) == 0
    assert certificates_expire_due(today=last_day) == 0
    assert refreshed(certificate).status == "active"  # valid through its last day

    assert certificates_expire_due(today=last_day + timedelta(days=1)) == 1
    certificate = refreshed(certificate)
    assert certificate.status == "expired"
    assert certificate.status_reason == "The validity period has ended."
    expiry = events(certificate)[-1]
    assert (expiry.action, expiry.status_before, expiry.by) == ("expire", "active", None)

    count = len(events(certificate))
    assert certificates_expire_due(today=last_day + timedelta(days=1)) == 0
    assert certificates_expire_due(today=last_day + timedelta(days=2)) == 0
    assert len(events(certificate)) == count


def test_a_suspended_certificate_expires_too(certificate, office_user):
    certificate_suspend(certificate=certificate, reason=REASON, by=office_user)
    assert certificates_expire_due(today=certificate.valid_until + timedelta(days=1)) == 1
    assert refreshed(certificate).status == "expired"
    assert events(certificate)[-1].status_before == "suspended"


@pytest.mark.parametrize("status", ["withdrawn", "superseded"])
def test_ended_certificates_do_not_expire(certificate, status):
    set_fields(certificate, status=status)
    assert certificates_expire_due(today=certificate.valid_until + timedelta(days=1)) == 0
    assert refreshed(certificate).status == status


def test_the_beat_task_expires_by_the_clock(certificate, travel, settings):
    assert "certification-expire-certificates" in settings.CELERY_BEAT_SCHEDULE
    travel(certificate.valid_until)
    assert tasks.expire_certificates.delay().get() == 0
    travel(certificate.valid_until + timedelta(days=1))
    assert tasks.expire_certificates.delay().get() == 1
    assert tasks.expire_certificates.delay().get() == 0
    assert refreshed(certificate).status == "expired"


def test_reinstate_after_expiry_is_refused(certificate, office_user, travel):
    certificate_suspend(certificate=certificate, reason=REASON, by=office_user)
    certificates_expire_due(today=certificate.valid_until + timedelta(days=1))
    before = written(certificate)
    with pytest.raises(DomainError):
        certificate_reinstate(certificate=certificate, by=office_user)
    travel(certificate.valid_until + timedelta(days=1))
    with pytest.raises(DomainError):
        certificate_reinstate(certificate=certificate, by=office_user)
    assert written(certificate) == before


def test_reinstate_of_a_suspended_certificate_past_its_validity_is_refused(
    certificate, office_user, travel
):
    certificate_suspend(certificate=certificate, reason=REASON, by=office_user)
    travel(certificate.valid_until + timedelta(days=1))  # before the daily task ran
    before = written(certificate)
    with pytest.raises(DomainError, match="validity"):
        certificate_reinstate(certificate=certificate, by=office_user)
    assert written(certificate) == before


# --- Recertification ----------------------------------------------------------------------


def recertify(certificate, *, alice, lead, auditor_user, office_user, office2):
    application = application_create(
        organization=certificate.organization,
        kind=certificate.kind,
        by=alice,
        certificate=certificate,
        scope_description="Whole company, PLM and ERP",
        window_start=certificate.valid_until - timedelta(days=90),
        window_end=certificate.valid_until - timedelta(days=60),
        **(
            {"product_name": certificate.product_name, "product_version": "8.0"}
            if certificate.kind == SchemeKind.PRODUCT
            else {}
        ),
    )
    assert application.audit_type == AuditType.RECERTIFICATION
    application = audit_to_report(
        application, company_user=alice, auditor=lead, auditor_user=auditor_user, office=office_user
    )
    decide(application, office2)
    return certificate_of(application)


def test_recertification_issues_a_linked_successor_and_supersedes(
    certificate, alice, lead, auditor_user, office_user, office2
):
    successor = recertify(
        certificate,
        alice=alice,
        lead=lead,
        auditor_user=auditor_user,
        office_user=office_user,
        office2=office2,
    )
    predecessor = refreshed(certificate)

    assert successor.pk != predecessor.pk
    assert successor.number == f"CPO-O-{successor.issued_on.year}-0002"
    assert successor.predecessor_id == predecessor.pk
    with scopes_disabled():
        assert Certificate.objects.get(pk=predecessor.pk).successor == successor
    assert (successor.status, predecessor.status) == ("active", "superseded")
    supersede = events(predecessor)[-1]
    assert (supersede.action, supersede.status_before, supersede.by) == (
        "supersede",
        "active",
        office2,
    )
    assert successor.number in supersede.reason
    # What the predecessor certified is unchanged.
    assert predecessor.scope_description == certificate.scope_description
    assert predecessor.valid_until == certificate.valid_until


# --- Organizational certificate and the product certificates ------------------------------


def end_organizational(certificate, how, office):
    if how == "suspended":
        certificate_suspend(certificate=certificate, reason=REASON, by=office)
    elif how == "withdrawn":
        certificate_withdraw(certificate=certificate, reason=REASON, by=office)
    else:
        certificates_expire_due(today=certificate.valid_until + timedelta(days=1))


def flagged_entries(product):
    with scopes_disabled():
        return ActivityEntry.objects.filter(
            verb="certificate.flagged", target_id=str(product.pk)
        ).count()


@pytest.mark.parametrize("how", ["suspended", "withdrawn", "expired"])
def test_product_certificates_are_flagged_when_the_organizational_one_ends(
    certificate, product, office_user, how
):
    certification_policy_update(
        values={"suspend_products_with_organizational": False}, based_on=None, by=office_user
    )
    set_fields(product, valid_until=certificate.valid_until + timedelta(days=400))
    end_organizational(certificate, how, office_user)

    product = refreshed(product)
    assert refreshed(certificate).status == how
    assert product.status == "active"  # the policy is off: the office decides
    assert certificate.number in product.flagged_reason
    assert flagged_entries(product) == 1
    assert [e.action for e in events(product)] == ["issued"]


@pytest.mark.parametrize("how", ["suspended", "withdrawn", "expired"])
def test_with_the_policy_on_product_certificates_are_suspended(
    certificate, product, office_user, how, django_capture_on_commit_callbacks
):
    certification_policy_update(
        values={"suspend_products_with_organizational": True}, based_on=None, by=office_user
    )
    set_fields(product, valid_until=certificate.valid_until + timedelta(days=400))
    end_organizational(certificate, how, office_user)

    product = refreshed(product)
    assert product.status == "suspended"
    assert certificate.number in product.status_reason
    assert certificate.number in product.flagged_reason
    suspension = events(product)[-1]
    assert (suspension.action, suspension.status_before) == ("suspend", "active")


def test_reinstating_the_organizational_certificate_clears_the_flags(
    certificate, product, office_user
):
    certification_policy_update(
        values={"suspend_products_with_organizational": False}, based_on=None, by=office_user
    )
    certificate_suspend(certificate=certificate, reason=REASON, by=office_user)
    assert refreshed(product).flagged_reason
    certificate_reinstate(certificate=certificate, by=office_user)
    assert refreshed(product).flagged_reason == ""
    assert refreshed(product).status == "active"


def test_reinstating_the_organizational_certificate_leaves_suspended_products_to_the_office(
    certificate, product, office_user
):
    """The policy is on by default: the product is suspended with it, and stays suspended
    when the organizational certificate is reinstated, flagged for the office."""
    certificate_suspend(certificate=certificate, reason=REASON, by=office_user)
    assert refreshed(product).status == "suspended"
    certificate_reinstate(certificate=certificate, by=office_user)
    product = refreshed(product)
    assert product.status == "suspended"
    assert certificate.number in product.flagged_reason
    assert "valid again" in product.flagged_reason
    certificate_reinstate(certificate=product, by=office_user)
    assert refreshed(product).status == "active"


def test_a_superseded_organizational_certificate_does_not_flag_products(
    certificate, product, alice, lead, auditor_user, office_user, office2
):
    certification_policy_update(
        values={"suspend_products_with_organizational": True}, based_on=None, by=office_user
    )
    recertify(
        certificate,
        alice=alice,
        lead=lead,
        auditor_user=auditor_user,
        office_user=office_user,
        office2=office2,
    )
    assert refreshed(certificate).status == "superseded"
    product = refreshed(product)
    assert (product.status, product.flagged_reason) == ("active", "")
    assert flagged_entries(product) == 0


def test_a_product_certificate_ending_touches_nothing_else(certificate, product, office_user):
    certificate_withdraw(certificate=product, reason=REASON, by=office_user)
    assert refreshed(certificate).status == "active"
    assert refreshed(certificate).flagged_reason == ""


def test_an_issued_certificate_is_only_changed_by_events(certificate, office_user):
    """The lifecycle never rewrites what the certificate certifies."""
    fields = ("number", "holder_name", "scope_description", "issued_on", "valid_until")
    before = {f: getattr(certificate, f) for f in fields}
    certificate_suspend(certificate=certificate, reason=REASON, by=office_user)
    certificate_withdraw(certificate=certificate, reason=REASON, by=office_user)
    after = refreshed(certificate)
    assert {f: getattr(after, f) for f in fields} == before
    with scopes_disabled():
        assert Application.objects.filter(issued_certificate=after).count() == 1


# --- Certificate content (issue 16): the body, the organizational basis, the dependency -----

BODY = {
    "CERTIFICATION_BODY_NAME": "CPO Certification GmbH",
    "CERTIFICATION_BODY_ADDRESS": "Musterstraße 1\\n10115 Berlin",
    "CERTIFICATION_ACCREDITATION_BODY": "DAkkS",
    "CERTIFICATION_ACCREDITATION_NUMBER": "D-ZE-12345-01-00",
    "CERTIFICATION_ACCREDITATION_MARK": "/srv/marks/dakks.svg",
}


@pytest.fixture
def embedded_body(settings):
    """The embedded default: no certification body configured."""
    for name in BODY:
        setattr(settings, name, "")
    return settings


def test_the_embedded_default_body_is_not_accredited(embedded_body, certificate):
    assert certificate.issuer == {
        "name": "CPO Portal certification body",
        "address": "",
        "accreditation_body": "",
        "accreditation_number": "",
        "accredited": False,
        "mark": "",
    }
    assert certificate.organizational_certificate is None


def test_issue_freezes_the_configured_body(settings, reported, office2):
    for name, value in BODY.items():
        setattr(settings, name, value)
    decide(reported, office2)
    certificate = certificate_of(reported)
    assert certificate.issuer == {
        "name": "CPO Certification GmbH",
        "address": "Musterstraße 1\n10115 Berlin",
        "accreditation_body": "DAkkS",
        "accreditation_number": "D-ZE-12345-01-00",
        "accredited": True,
        "mark": "/srv/marks/dakks.svg",
    }
    settings.CERTIFICATION_BODY_NAME = "Someone Else"
    assert refreshed(certificate).issuer["name"] == "CPO Certification GmbH"


def test_an_accreditation_body_without_a_number_is_not_accredited(embedded_body, reported, office2):
    embedded_body.CERTIFICATION_ACCREDITATION_BODY = "DAkkS"
    embedded_body.CERTIFICATION_ACCREDITATION_MARK = "/srv/marks/dakks.svg"
    decide(reported, office2)
    issuer = certificate_of(reported).issuer
    assert issuer["accredited"] is False
    assert issuer["accreditation_body"] == issuer["mark"] == ""


def test_a_product_certificate_names_its_organizational_certificate(certificate, product):
    assert product.organizational_certificate_id == certificate.pk
    assert "organizational_grant" not in product.issuer
    assert certificate.organizational_certificate_id is None


def test_the_german_scope_is_taken_from_the_application(reported, office2):
    with scopes_disabled():
        Application.objects.filter(pk=reported.pk).update(
            scope_description_de="Das ganze Unternehmen"
        )
    reported.refresh_from_db()
    decide(reported, office2)
    assert certificate_of(reported).scope_description_de == "Das ganze Unternehmen"


def test_a_recorded_grant_is_the_basis_when_there_is_no_certificate(beta, office_user):
    from certification.models import OrganizationalGrant
    from certification.services.certificates import certificate_content

    with scopes_disabled():
        grant = OrganizationalGrant.objects.create(
            organization=beta,
            reference="OLD-2024-17",
            valid_until=timezone.localdate() + timedelta(days=100),
            recorded_by=office_user,
        )
    issuer, organizational = certificate_content(
        Application(organization=beta, kind=SchemeKind.PRODUCT)
    )
    assert organizational is None
    assert issuer["organizational_grant"] == {
        "id": grant.pk,
        "reference": "OLD-2024-17",
        "valid_until": grant.valid_until.isoformat(),
    }
    issuer, organizational = certificate_content(
        Application(organization=beta, kind=SchemeKind.ORGANIZATIONAL)
    )
    assert "organizational_grant" not in issuer and organizational is None


def test_by_default_product_certificates_are_suspended_and_everyone_told(
    certificate, product, office_user, alice, mailoutbox, django_capture_on_commit_callbacks
):
    """The policy is on by default: the product certificate is suspended with a public
    reason naming the organizational one; the company's owners and the office get a mail."""
    with django_capture_on_commit_callbacks(execute=True):
        certificate_suspend(certificate=certificate, reason=REASON, by=office_user)
    product = refreshed(product)
    assert product.status == "suspended"
    assert product.status_reason == (
        f"The organizational certificate {certificate.number} is suspended: "
        "this product certificate is not currently backed."
    )
    told = [m for m in mailoutbox if "Product certificates suspended" in m.subject]
    assert told, [m.subject for m in mailoutbox]
    recipients = {address for m in told for address in m.to}
    assert alice.email in recipients and office_user.email in recipients
    assert all(product.number in m.body and certificate.number in m.subject for m in told)
    assert all("does not reinstate them" in m.body for m in told)


def test_a_product_certificate_is_not_reinstated_before_its_organizational_one(
    certificate, product, office_user
):
    certificate_suspend(certificate=certificate, reason=REASON, by=office_user)
    with pytest.raises(DomainError, match=certificate.number):
        certificate_reinstate(certificate=product, by=office_user)
    assert refreshed(product).status == "suspended"


def test_a_product_certificate_resting_on_a_recorded_grant_is_left_alone(
    certificate, product, office_user
):
    """Only the product certificates resting on the certificate that ended (or on one it
    recertified, or issued before the basis was kept) are affected."""
    set_fields(product, organizational_certificate=None)
    set_fields(product, issuer={"organizational_grant": {"id": 1, "reference": "OLD-1"}})
    certificate_suspend(certificate=certificate, reason=REASON, by=office_user)
    assert refreshed(product).status == "active"  # it rests on a recorded grant


def test_the_application_takes_an_optional_german_scope(alpha_signee, alpha, alice):
    from tests.certification.helpers import new_application

    german = new_application(alpha, alice, scope_description_de="  Das ganze Unternehmen  ")
    assert german.scope_description_de == "Das ganze Unternehmen"
    assert new_application(alpha, alice).scope_description_de == ""


def test_the_application_form_offers_the_german_scope_as_optional():
    from certification.forms.applications import ApplicationForm

    field = ApplicationForm(kind=SchemeKind.ORGANIZATIONAL).fields["scope_description_de"]
    assert field.required is False and str(field.label) == "Scope in German"


# --- cleanup: a product grant needs a valid organizational basis at the decision -------------


def _product_reported(organization, alice, lead, auditor_user, office_user):
    from tests.certification.helpers import new_application

    application = new_application(organization, alice, kind=SchemeKind.PRODUCT)
    return audit_to_report(
        application, company_user=alice, auditor=lead, auditor_user=auditor_user, office=office_user
    )


def test_a_product_grant_is_refused_once_the_organizational_certificate_is_not_valid(
    certificate, alpha, alice, lead, auditor_user, office_user, office2
):
    application = _product_reported(alpha, alice, lead, auditor_user, office_user)
    certificate_suspend(certificate=certificate, reason=REASON, by=office_user)
    with pytest.raises(DomainError) as refused:
        decide(application, office2)
    assert refused.value.code == "organizational_required"
    assert alpha.legal_name in str(refused.value.message)
    assert refreshed(application).status == "report_submitted"
    with scopes_disabled():
        assert not Certificate.objects.filter(application=application).exists()
    decide(application, office2, decision="deny")  # a denial stays possible
    assert refreshed(application).decision == "deny"


def test_a_product_grant_goes_through_again_once_the_organizational_one_is_reinstated(
    certificate, alpha, alice, lead, auditor_user, office_user, office2
):
    application = _product_reported(alpha, alice, lead, auditor_user, office_user)
    certificate_suspend(certificate=certificate, reason=REASON, by=office_user)
    with pytest.raises(DomainError):
        decide(application, office2)
    certificate_reinstate(certificate=certificate, reason="Evidence given.", by=office_user)
    decide(application, office2)
    assert certificate_of(application).organizational_certificate_id == certificate.pk


def test_certificate_issue_refuses_a_product_without_basis(
    certificate, alpha, alice, lead, auditor_user, office_user
):
    from certification.services.certificates import certificate_issue

    application = _product_reported(alpha, alice, lead, auditor_user, office_user)
    certificate_withdraw(certificate=certificate, reason=REASON, by=office_user)
    with pytest.raises(DomainError) as refused:
        certificate_issue(application=application, by=office_user)
    assert refused.value.code == "organizational_required"
