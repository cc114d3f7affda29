"""Certificates: issuance on a grant, numbering, and the lifecycle after it.

    active ──suspend──▶ suspended ──reinstate──▶ active
    active / suspended ──withdraw──▶ withdrawn
    active / suspended ──expire (validity ended, daily task)──▶ expired
    active / suspended ──supersede (successor issued on recertification)──▶ superseded

What a certificate certifies is fixed at issuance; `_event` is the only code that changes
its status, keeps a public CertificateEvent and writes the activity log.
"""

import calendar
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled

from cpo_portal.activity.services import activity_record
from cpo_portal.documents.services import document_request
from cpo_portal.errors import DomainError, TransitionNotAllowed
from cpo_portal.mail import StrOrPromise, lazy_format
from criteria.models import SchemeKind

from ..models import (
    Application,
    AuditType,
    Certificate,
    CertificateEvent,
    CertificateSequence,
    CertificateStatus,
    CertificationPolicy,
)
from .applications import require_office
from .notify import COMPANY, OFFICE, notify

C = CertificateStatus
CERTIFICATE_DOCUMENT_KIND = "certificate"
PREFIX = {SchemeKind.ORGANIZATIONAL: "O", SchemeKind.PRODUCT: "P"}
LIVE = (C.ACTIVE, C.SUSPENDED)

EDGES: dict[str, set[tuple[str, str]]] = {
    "suspend": {(C.ACTIVE, C.SUSPENDED)},
    "reinstate": {(C.SUSPENDED, C.ACTIVE)},
    "withdraw": {(C.ACTIVE, C.WITHDRAWN), (C.SUSPENDED, C.WITHDRAWN)},
    "expire": {(C.ACTIVE, C.EXPIRED), (C.SUSPENDED, C.EXPIRED)},
    "supersede": {(C.ACTIVE, C.SUPERSEDED), (C.SUSPENDED, C.SUPERSEDED)},
}
REASON_REQUIRED = {"suspend", "withdraw"}


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the last day of the month where it does not exist)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_number(kind: str, year: int) -> str:
    """Draw the next number of the type and year: gapless, unique, safe under concurrency.

    The sequence row is locked until the issuing transaction ends, so a rolled-back
    issuance gives its number back and two grants at once queue behind each other.
    """
    CertificateSequence.objects.bulk_create(
        [CertificateSequence(kind=kind, year=year)], ignore_conflicts=True
    )
    sequence = CertificateSequence.objects.select_for_update().get(kind=kind, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"CPO-{PREFIX[SchemeKind(kind)]}-{year}-{sequence.last:04d}"


def _record(
    certificate: Certificate, action: str, before: str, *, by: Any, reason: str = ""
) -> CertificateEvent:
    with scope(organization=certificate.organization):
        event = CertificateEvent.objects.create(
            certificate=certificate,
            action=action,
            status_before=before,
            status_after=certificate.status,
            reason=reason,
            by=by if getattr(by, "is_authenticated", False) else None,
            at=timezone.now(),
        )
    activity_record(
        actor=by,
        organization=certificate.organization,
        verb=f"certificate.{action}",
        target=certificate,
        data={
            "number": certificate.number,
            "before": before,
            "after": certificate.status,
            "reason": reason,
        },
    )
    return event


def locked_certificate(certificate: Certificate) -> Certificate:
    with scopes_disabled():
        return (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("organization", "scheme")
            .get(pk=certificate.pk)
        )


def _event(certificate: Certificate, action: str, *, by: Any, reason: str = "") -> Certificate:
    certificate = locked_certificate(certificate)
    before = certificate.status
    targets = [after for b, after in EDGES[action] if b == before]
    if not targets:
        raise TransitionNotAllowed(
            _("A certificate that is “%(status)s” cannot be changed this way.")
            % {"status": certificate.get_status_display()}
        )
    reason = reason.strip()
    if action in REASON_REQUIRED and not reason:
        raise DomainError(_("Give a reason: it is shown publicly on the verification page."))
    certificate.status = targets[0]
    certificate.status_reason = reason
    certificate.status_changed_at = timezone.now()
    certificate.save(update_fields=["status", "status_reason", "status_changed_at"])
    _record(certificate, action, before, by=by, reason=reason)
    if certificate.kind == SchemeKind.ORGANIZATIONAL and certificate.status != C.ACTIVE:
        _flag_products(certificate, by=by)
    return certificate


def _request_pdf(certificate: Certificate, by: Any) -> None:
    document_request(
        kind=CERTIFICATE_DOCUMENT_KIND,
        owner=certificate,
        organization=certificate.organization,
        title=_("Certificate %(number)s") % {"number": certificate.number},
        by=by,
    )


def certificate_issue(*, application: Application, by: Any) -> Certificate:
    """Issue the certificate a grant decision stands for, with its pending PDF, in the
    caller's transaction (the decision and the certificate commit together)."""
    from signees.selectors import signee_of_organization

    if application.audit_type == AuditType.SURVEILLANCE:
        raise DomainError(_("A surveillance audit confirms a certificate; it issues none."))
    organization = application.organization
    signee = signee_of_organization(organization)
    today = timezone.now().date()
    scheme = application.scheme
    with scope(organization=organization):
        certificate = Certificate(
            number=next_number(application.kind, today.year),
            kind=application.kind,
            organization=organization,
            holder_name=organization.legal_name,
            holder_country=str(organization.country),
            holder_group=signee.group if signee else "",
            application=application,
            scheme=scheme,
            catalogue_version_id=scheme.version_id,
            scope_description=application.scope_description,
            product_name=application.product_name,
            product_version=application.product_version,
            issued_on=today,
            valid_until=add_months(today, scheme.validity_months),
            next_surveillance_due=add_months(today, scheme.surveillance_months)
            if scheme.surveillance_months
            else None,
            predecessor=application.certificate
            if application.audit_type == AuditType.RECERTIFICATION
            else None,
            status=C.ACTIVE,
            status_changed_at=timezone.now(),
            issued_by=by,
        )
        certificate.full_clean(
            exclude=[
                "organization",
                "application",
                "scheme",
                "catalogue_version",
                "predecessor",
                "issued_by",
            ]
        )
        certificate.save()
    _record(certificate, "issued", "", by=by)
    if certificate.predecessor is not None:
        _event(
            certificate.predecessor,
            "supersede",
            by=by,
            reason=_("Recertified: succeeded by %(number)s.") % {"number": certificate.number},
        )
    _request_pdf(certificate, by)
    notify(
        application,
        subject=lazy_format(
            gettext_lazy("Your CPO certificate %(number)s"), number=certificate.number
        ),
        message=gettext_lazy("The certificate has been issued; its signed PDF is being prepared."),
        to=(COMPANY, OFFICE),
    )
    return certificate


def certificate_surveillance_result(
    *, application: Application, granted: bool, by: Any
) -> Certificate:
    """A decided surveillance audit: passed moves the next due date, failed suspends."""
    certificate = locked_certificate(application.certificate)  # type: ignore[arg-type]
    if granted:
        interval = certificate.scheme.surveillance_months or 12
        base = max(
            certificate.next_surveillance_due or timezone.now().date(), timezone.now().date()
        )
        certificate.next_surveillance_due = add_months(base, interval)
        certificate.save(update_fields=["next_surveillance_due"])
        _record(certificate, "surveillance_passed", certificate.status, by=by)
        return certificate
    if certificate.status == C.ACTIVE:
        return _event(
            certificate, "suspend", by=by, reason=_("The surveillance audit was not passed.")
        )
    return certificate


@transaction.atomic
def certificate_suspend(*, certificate: Certificate, reason: str, by: Any) -> Certificate:
    require_office(by)
    certificate = _event(certificate, "suspend", by=by, reason=reason)
    _tell_holder(certificate, gettext_lazy("Your CPO certificate %(number)s has been suspended."))
    return certificate


@transaction.atomic
def certificate_reinstate(*, certificate: Certificate, by: Any, reason: str = "") -> Certificate:
    require_office(by)
    if certificate.valid_until < timezone.now().date():
        raise DomainError(_("The certificate's validity has ended; it cannot be reinstated."))
    certificate = _event(certificate, "reinstate", by=by, reason=reason)
    if certificate.kind == SchemeKind.ORGANIZATIONAL:
        _unflag_products(certificate)
    _tell_holder(certificate, gettext_lazy("Your CPO certificate %(number)s is valid again."))
    return certificate


@transaction.atomic
def certificate_withdraw(*, certificate: Certificate, reason: str, by: Any) -> Certificate:
    require_office(by)
    certificate = _event(certificate, "withdraw", by=by, reason=reason)
    _tell_holder(certificate, gettext_lazy("Your CPO certificate %(number)s has been withdrawn."))
    return certificate


def certificates_expire_due(*, today: date | None = None) -> int:
    """Expire every live certificate whose validity has ended (the daily beat task)."""
    today = today or timezone.now().date()
    with scopes_disabled():
        due = list(
            Certificate.objects.filter(status__in=LIVE, valid_until__lt=today).values_list(
                "pk", flat=True
            )
        )
    expired = 0
    for pk in due:
        with transaction.atomic(), scopes_disabled():
            certificate = Certificate.objects.get(pk=pk)
            locked = locked_certificate(certificate)
            if locked.status in LIVE and locked.valid_until < today:
                _event(locked, "expire", by=None, reason=_("The validity period has ended."))
                expired += 1
    return expired


def _flag_products(organizational: Certificate, *, by: Any) -> None:
    """The holder's organizational certificate is no longer active: its product
    certificates are flagged for the office, and suspended if the policy says so."""
    policy = certification_policy()
    reason = _("The organizational certificate %(number)s is %(status)s.") % {
        "number": organizational.number,
        "status": organizational.get_status_display(),
    }
    if organizational.status == C.SUPERSEDED:
        return  # its successor carries the product certificates on
    with scopes_disabled():
        products = list(
            Certificate.objects.select_for_update(of=("self",))
            .select_related("organization", "scheme")
            .filter(
                organization_id=organizational.organization_id,
                kind=SchemeKind.PRODUCT,
                status__in=LIVE,
            )
        )
    for product in products:
        product.flagged_reason = reason[:300]
        product.save(update_fields=["flagged_reason"])
        if policy.suspend_products_with_organizational and product.status == C.ACTIVE:
            _event(product, "suspend", by=by, reason=reason)
        else:
            activity_record(
                actor=by,
                organization=product.organization,
                verb="certificate.flagged",
                target=product,
                data={"number": product.number, "reason": reason},
            )


def _unflag_products(organizational: Certificate) -> None:
    with scopes_disabled():
        Certificate.objects.filter(
            organization_id=organizational.organization_id, kind=SchemeKind.PRODUCT
        ).exclude(flagged_reason="").update(flagged_reason="")


def certification_policy() -> CertificationPolicy:
    policy, _created = CertificationPolicy.objects.get_or_create(pk=1)
    return policy


@transaction.atomic
def certification_policy_set(
    *, suspend_products_with_organizational: bool, by: Any
) -> CertificationPolicy:
    require_office(by)
    policy = CertificationPolicy.objects.select_for_update().get(pk=certification_policy().pk)
    before = policy.suspend_products_with_organizational
    policy.suspend_products_with_organizational = suspend_products_with_organizational
    policy.updated_by = by
    policy.save(update_fields=["suspend_products_with_organizational", "updated_by", "updated_at"])
    activity_record(
        actor=by,
        verb="certification.policy_changed",
        target=policy,
        data={"before": before, "after": suspend_products_with_organizational},
    )
    return policy


def _tell_holder(certificate: Certificate, message: StrOrPromise) -> None:
    from cpo_portal.mail import mail_on_commit, organization_admin_emails

    text = lazy_format(message, number=certificate.number)
    mail_on_commit(
        subject=text,
        template="certification/email/certificate_event.txt",
        context={"certificate": certificate, "message": text},
        to=organization_admin_emails(certificate.organization),
    )


@transaction.atomic
def surveillance_open(
    *, certificate: Certificate, by: Any, window_start: date, window_end: date
) -> Application:
    """The office opens the surveillance audit of a live certificate (accepted at once)."""
    from .lifecycle import S

    require_office(by)
    certificate = locked_certificate(certificate)
    if certificate.status not in LIVE:
        raise DomainError(_("Only a valid or suspended certificate is audited for surveillance."))
    if window_end < window_start:
        raise DomainError(_("The audit window ends before it starts."))
    with scope(organization=certificate.organization):
        if (
            Application.objects.filter(certificate=certificate, audit_type=AuditType.SURVEILLANCE)
            .exclude(status__in=[S.DECIDED, S.WITHDRAWN, S.REJECTED])
            .exists()
        ):
            raise DomainError(_("A surveillance audit of this certificate is already open."))
        application = Application(
            organization=certificate.organization,
            kind=certificate.kind,
            audit_type=AuditType.SURVEILLANCE,
            scheme=certificate.scheme,
            certificate=certificate,
            status=S.ACCEPTED,
            scope_description=certificate.scope_description,
            product_name=certificate.product_name,
            product_version=certificate.product_version,
            window_start=window_start,
            window_end=window_end,
            created_by=by,
            submitted_at=timezone.now(),
        )
        application.full_clean(exclude=["organization", "scheme", "certificate", "created_by"])
        application.save()
    activity_record(
        actor=by,
        organization=certificate.organization,
        verb="certification.surveillance_opened",
        target=application,
        data={"certificate": certificate.number},
    )
    notify(
        application,
        subject=lazy_format(
            gettext_lazy("Surveillance audit of %(number)s"), number=certificate.number
        ),
        message=gettext_lazy("The surveillance audit of your certificate has been opened."),
        to=(COMPANY,),
    )
    return application


__all__ = [
    "CERTIFICATE_DOCUMENT_KIND",
    "add_months",
    "certificate_issue",
    "certificate_reinstate",
    "certificate_surveillance_result",
    "certificate_suspend",
    "certificate_withdraw",
    "certificates_expire_due",
    "certification_policy",
    "certification_policy_set",
    "next_number",
    "surveillance_open",
]
