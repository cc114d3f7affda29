"""Certificates: issuance on a grant, numbering, the lifecycle after it (its edges are
`CERTIFICATE_EDGES` beside the statuses), and the daily work on them: expiry, the reminders
before the validity ends, and the surveillance audits that fall due.

What a certificate certifies is fixed at issuance; `certificate_transition` is the only code
that changes its status, keeps a public CertificateEvent and writes the activity log.
"""

import calendar
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import OfficeRole, User
from cpo_portal.activity.services import activity_record
from cpo_portal.documents.services import document_request
from cpo_portal.errors import DomainError
from cpo_portal.guards import require_office_role
from cpo_portal.mail import (
    StrOrPromise,
    lazy_format,
    mail_on_commit,
    office_emails,
    organization_admin_emails,
)
from cpo_portal.states import check_transition
from criteria.models import SchemeKind
from signees.selectors.signing import signee_of_organization

from ..issuer import issuer_snapshot
from ..models import (
    CERTIFICATE_EDGES,
    CERTIFICATE_REASON_REQUIRED,
    CLOSED_STATES,
    LIVE,
    Application,
    ApplicationStatus,
    AuditType,
    Certificate,
    CertificateEvent,
    CertificateSequence,
    CertificateStatus,
    CertificationPolicy,
    ReferenceSequence,
    SurveillanceReminder,
)
from ..notify import COMPANY, OFFICE, notify
from ..selectors.certificates import organizational_basis_of, recertifications_of_organization
from ..selectors.seal import (
    CERTIFICATE_DOCUMENT_KIND,
    NOT_BACKED,
    NOT_BACKED_OTHER,
    public_backings,
)

C = CertificateStatus
PREFIX = {SchemeKind.ORGANIZATIONAL: "O", SchemeKind.PRODUCT: "P"}


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


def reference_sequence_lock(*, name: str, year: int) -> ReferenceSequence:
    """The reference sequence of a kind of record (complaints, appeals) and year, locked
    until the caller's transaction ends: whoever draws next waits for it."""
    ReferenceSequence.objects.bulk_create(
        [ReferenceSequence(name=name, year=year)], ignore_conflicts=True
    )
    return ReferenceSequence.objects.select_for_update().get(name=name, year=year)


def reference_next(*, name: str, prefix: str, year: int) -> str:
    """The next reference of a kind of record and year (`CPL-2026-0001`), like `next_number`
    for certificates: gapless and unique, the sequence row locked until the caller's
    transaction ends (a rollback gives the number back)."""
    sequence = reference_sequence_lock(name=name, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{prefix}-{year}-{sequence.last:04d}"


def _record(
    certificate: Certificate, action: str, before: str, *, by: User | None, reason: str = ""
) -> CertificateEvent:
    with scope(organization=certificate.organization):
        event = CertificateEvent.objects.create(
            certificate=certificate,
            action=action,
            status_before=before,
            status_after=certificate.status,
            reason=reason,
            by=by if by is not None and by.is_authenticated else None,
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


def certificate_transition(
    certificate: Certificate, action: str, *, by: User | None, reason: str = ""
) -> Certificate:
    """Move a certificate along one edge of its lifecycle, or refuse."""
    certificate = locked_certificate(certificate)
    before = certificate.status
    edges = CERTIFICATE_EDGES[action]
    to = next(iter(edges.get(before, ())), "")
    check_transition(
        edges,
        before,
        to,
        message=_("A certificate that is “%(status)s” cannot be changed this way.")
        % {"status": certificate.get_status_display()},
    )
    reason = reason.strip()
    if action in CERTIFICATE_REASON_REQUIRED and not reason:
        raise DomainError(_("Give a reason: it is shown publicly on the verification page."))
    certificate.status = to
    certificate.status_reason = reason
    certificate.status_changed_at = timezone.now()
    certificate.save(update_fields=["status", "status_reason", "status_changed_at"])
    _record(certificate, action, before, by=by, reason=reason)
    if certificate.kind == SchemeKind.ORGANIZATIONAL and certificate.status != C.ACTIVE:
        _flag_products(certificate, by=by)
    return certificate


def _request_pdf(certificate: Certificate, by: User | None) -> None:
    document_request(
        kind=CERTIFICATE_DOCUMENT_KIND,
        owner=certificate,
        organization=certificate.organization,
        title=_("Certificate %(number)s") % {"number": certificate.number},
        by=by,
    )


def certificate_content(application: Application) -> tuple[dict[str, Any], Certificate | None]:
    """What a certificate issued today for `application` names beside the audit: the
    certification body as configured (frozen into Certificate.issuer) and, for a product
    certificate, its organizational basis: the holder's valid organizational certificate, or
    else the organizational certification the office recorded by hand (its reference kept in
    issuer["organizational_grant"])."""
    issuer = issuer_snapshot()
    if application.kind != SchemeKind.PRODUCT:
        return issuer, None
    organizational, grant = organizational_basis_of(application.organization)
    if organizational is None and grant is not None:
        issuer["organizational_grant"] = {
            "id": grant.pk,
            "reference": grant.reference,
            "valid_until": grant.valid_until.isoformat(),
        }
    return issuer, organizational


def certificate_issue(*, application: Application, by: User | None) -> Certificate:
    """Issue the certificate a grant decision stands for, with its pending PDF, in the
    caller's transaction (the decision and the certificate commit together)."""
    if application.audit_type in (AuditType.SURVEILLANCE, AuditType.SPECIAL):
        raise DomainError(_("A surveillance audit confirms a certificate; it issues none."))
    organization = application.organization
    signee = signee_of_organization(organization)
    today = timezone.localdate()
    scheme = application.scheme
    issuer, organizational = certificate_content(application)
    if (
        application.kind == SchemeKind.PRODUCT
        and organizational is None
        and "organizational_grant" not in issuer
    ):
        # application_decide refuses such a grant first, with the company's name.
        raise DomainError(
            _(
                "A product certificate needs a valid organizational certificate of the "
                "same company."
            ),
            code="organizational_required",
        )
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
            scope_description_de=application.scope_description_de,
            organizational_certificate=organizational,
            issuer=issuer,
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
                "organizational_certificate",
                "issued_by",
            ]
        )
        certificate.save()
    _record(certificate, "issued", "", by=by)
    if certificate.predecessor is not None:
        certificate_transition(
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
    *, application: Application, granted: bool, by: User | None
) -> Certificate:
    """A decided surveillance audit: passed moves the next due date, failed suspends."""
    assert application.certificate is not None  # a surveillance audit concerns one
    certificate = locked_certificate(application.certificate)
    # complaints: a special audit (on a complaint) passed confirms the certificate without
    # moving its surveillance date; failed, it suspends like a surveillance audit.
    special = application.audit_type == AuditType.SPECIAL
    if granted and special:
        _record(certificate, "special_audit_passed", certificate.status, by=by)
        return certificate
    if granted:
        interval = certificate.scheme.surveillance_months or 12
        base = max(certificate.next_surveillance_due or timezone.localdate(), timezone.localdate())
        certificate.next_surveillance_due = add_months(base, interval)
        certificate.save(update_fields=["next_surveillance_due"])
        _record(certificate, "surveillance_passed", certificate.status, by=by)
        return certificate
    if certificate.status == C.ACTIVE:
        return certificate_transition(
            certificate,
            "suspend",
            by=by,
            reason=_("The special audit was not passed.")
            if special
            else _("The surveillance audit was not passed."),
        )
    return certificate


@transaction.atomic
def certificate_suspend(*, certificate: Certificate, reason: str, by: User | None) -> Certificate:
    require_office_role(by, OfficeRole.CERTIFIER)  # office roles: the certificate's lifecycle
    certificate = certificate_transition(certificate, "suspend", by=by, reason=reason)
    _tell_holder(certificate, gettext_lazy("Your CPO certificate %(number)s has been suspended."))
    return certificate


@transaction.atomic
def certificate_reinstate(
    *, certificate: Certificate, by: User | None, reason: str = ""
) -> Certificate:
    require_office_role(by, OfficeRole.CERTIFIER)  # office roles: the certificate's lifecycle
    if certificate.valid_until < timezone.localdate():
        raise DomainError(_("The certificate's validity has ended; it cannot be reinstated."))
    if certificate.kind == SchemeKind.PRODUCT:
        # A product certificate rests on its organizational one (issue 16).
        certificate = locked_certificate(certificate)  # its basis as it is now
        backing = public_backings([certificate]).get(certificate.pk)
        if backing is not None and not backing.backed:
            raise DomainError(
                _("Reinstate the organizational certificate %(number)s first.")
                % {"number": backing.number},
                code="basis",
            )
    certificate = certificate_transition(certificate, "reinstate", by=by, reason=reason)
    if certificate.kind == SchemeKind.ORGANIZATIONAL:
        _unflag_products(certificate)
    elif certificate.flagged_reason:
        certificate.flagged_reason = ""  # the office has reviewed it
        certificate.save(update_fields=["flagged_reason"])
    _tell_holder(certificate, gettext_lazy("Your CPO certificate %(number)s is valid again."))
    return certificate


@transaction.atomic
def certificate_withdraw(*, certificate: Certificate, reason: str, by: User | None) -> Certificate:
    require_office_role(by, OfficeRole.CERTIFIER)  # office roles: the certificate's lifecycle
    certificate = certificate_transition(certificate, "withdraw", by=by, reason=reason)
    _tell_holder(certificate, gettext_lazy("Your CPO certificate %(number)s has been withdrawn."))
    return certificate


def certificates_expire_due(*, today: date | None = None) -> int:
    """Expire every live certificate whose validity has ended (the daily beat task)."""
    today = today or timezone.localdate()
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
                certificate_transition(
                    locked, "expire", by=None, reason=_("The validity period has ended.")
                )
                expired += 1
    return expired


# --- Product certificates rest on the organizational one (issue 16) -----------------------
# When the holder's organizational certificate is suspended, withdrawn or expires, the live
# product certificates resting on it (named on them, or on a predecessor it recertified, or
# issued before the basis was kept) are flagged for the office and, as the policy says by
# default, suspended with a public reason naming it; the company's owners and admins and
# the office are told. Reinstating the organizational certificate does not reinstate them:
# the office reviews each one and reinstates it (their flag then says so).


def _lineage(organizational: Certificate) -> list[int]:
    """The organizational certificate and the ones it succeeded (recertifications)."""
    ids = [organizational.pk]
    predecessor_id = organizational.predecessor_id
    with scopes_disabled():
        while predecessor_id is not None and predecessor_id not in ids:
            ids.append(predecessor_id)
            predecessor_id = (
                Certificate.objects.filter(pk=predecessor_id)
                .values_list("predecessor_id", flat=True)
                .first()
            )
    return ids


def _resting_on(organizational: Certificate) -> list[Certificate]:
    """The live product certificates of the holder that rest on `organizational` (locked)."""
    with scopes_disabled():
        candidates = list(
            Certificate.objects.select_for_update(of=("self",))
            .select_related("organization", "scheme")
            .filter(
                Q(organizational_certificate_id__in=_lineage(organizational))
                | Q(organizational_certificate__isnull=True),
                organization_id=organizational.organization_id,
                kind=SchemeKind.PRODUCT,
                status__in=LIVE,
            )
            .order_by("number")
        )
    # Without a named organizational certificate: unless it rests on a recorded grant.
    return [
        c
        for c in candidates
        if c.organizational_certificate_id is not None
        or not (c.issuer or {}).get("organizational_grant")
    ]


PRODUCTS_SUSPENDED_SUBJECT = gettext_lazy(
    "Product certificates suspended with the organizational certificate %(number)s"
)
PRODUCTS_FLAGGED_SUBJECT = gettext_lazy(
    "Product certificates resting on the organizational certificate %(number)s"
)


def _flag_products(organizational: Certificate, *, by: User | None) -> None:
    """The holder's organizational certificate is no longer active: its product
    certificates are flagged for the office, and suspended if the policy says so."""
    if organizational.status == C.SUPERSEDED:
        return  # its successor carries the product certificates on
    policy = certification_policy()
    reason = str(NOT_BACKED.get(organizational.status, NOT_BACKED_OTHER)) % {
        "number": organizational.number
    }
    suspended: list[Certificate] = []
    flagged: list[Certificate] = []
    for product in _resting_on(organizational):
        product.flagged_reason = reason[:300]
        product.save(update_fields=["flagged_reason"])
        if policy.suspend_products_with_organizational and product.status == C.ACTIVE:
            suspended.append(certificate_transition(product, "suspend", by=by, reason=reason))
        else:
            flagged.append(product)
            activity_record(
                actor=by,
                organization=product.organization,
                verb="certificate.flagged",
                target=product,
                data={"number": product.number, "reason": reason},
            )
    if suspended or flagged:
        _tell_about_products(organizational, suspended=suspended, flagged=flagged)


def _tell_about_products(
    organizational: Certificate, *, suspended: list[Certificate], flagged: list[Certificate]
) -> None:
    """One mail to the company's owners and admins and to the office."""
    subject = PRODUCTS_SUSPENDED_SUBJECT if suspended else PRODUCTS_FLAGGED_SUBJECT
    mail_on_commit(
        subject=lazy_format(subject, number=organizational.number),
        template="certification/certificates/email/products_suspended.txt",
        context={
            "organizational": organizational,
            "status": C(organizational.status).label,
            "suspended": suspended,
            "flagged": flagged,
        },
        to=[*organization_admin_emails(organizational.organization), *office_emails()],
    )


REINSTATE_PRODUCTS_NOTE = gettext_lazy(
    "The organizational certificate %(number)s is valid again. This product certificate stays "
    "suspended until the office reinstates it."
)


def _unflag_products(organizational: Certificate) -> None:
    """The organizational certificate is valid again: an active product certificate's flag
    goes; a suspended one stays suspended, flagged for the office to reinstate it."""
    with scopes_disabled():
        products = Certificate.objects.filter(
            organization_id=organizational.organization_id, kind=SchemeKind.PRODUCT
        ).exclude(flagged_reason="")
        products.exclude(status=C.SUSPENDED).update(flagged_reason="")
        note = str(REINSTATE_PRODUCTS_NOTE) % {"number": organizational.number}
        products.filter(status=C.SUSPENDED).update(flagged_reason=note[:300])


def certification_policy() -> CertificationPolicy:
    """The office's policy (its one row, created with the defaults when first asked for)."""
    policy, _created = CertificationPolicy.objects.get_or_create(pk=1)
    return policy


def _tell_holder(certificate: Certificate, message: StrOrPromise) -> None:
    text = lazy_format(message, number=certificate.number)
    mail_on_commit(
        subject=text,
        template="certification/certificates/email/certificate_event.txt",
        context={"certificate": certificate, "message": text},
        to=organization_admin_emails(certificate.organization),
    )


# A surveillance audit and a special audit (on a complaint) of a live certificate: the same
# case, accepted at once, of the certificate's scope.
AUDIT_ALREADY_OPEN = {
    AuditType.SURVEILLANCE: gettext_lazy(
        "A surveillance audit of this certificate is already open."
    ),
    AuditType.SPECIAL: gettext_lazy("A special audit of this certificate is already open."),
}


def certificate_audit_open(
    *,
    certificate: Certificate,
    audit_type: str,
    window_start: date,
    window_end: date,
    by: User | None,
) -> Application:
    """Open a surveillance or special audit of a live certificate, accepted at once (inside
    the caller's transaction; the caller checks the role, records and tells). Refused when
    the certificate is not live, the window is reversed or such an audit is open already."""
    certificate = locked_certificate(certificate)
    if certificate.status not in LIVE:
        raise DomainError(_("Only a valid or suspended certificate can be audited."))
    if window_end < window_start:
        raise DomainError({"window_end": _("The audit window ends before it starts.")})
    with scope(organization=certificate.organization):
        if (
            Application.objects.filter(certificate=certificate, audit_type=audit_type)
            .exclude(status__in=CLOSED_STATES)
            .exists()
        ):
            raise DomainError(str(AUDIT_ALREADY_OPEN[AuditType(audit_type)]))
        application = Application(
            organization=certificate.organization,
            kind=certificate.kind,
            audit_type=audit_type,
            scheme=certificate.scheme,
            certificate=certificate,
            status=ApplicationStatus.ACCEPTED,
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
    return application


@transaction.atomic
def surveillance_open(
    *, certificate: Certificate, by: User | None, window_start: date, window_end: date
) -> Application:
    """The office opens the surveillance audit of a live certificate (accepted at once)."""
    require_office_role(by, OfficeRole.REVIEWER)  # office roles: a reviewer opens audits
    application = certificate_audit_open(
        certificate=certificate,
        audit_type=AuditType.SURVEILLANCE,
        window_start=window_start,
        window_end=window_end,
        by=by,
    )
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


# --- The end of validity: reminders 180, 90 and 30 days ahead -------------------------------
# The holder is reminded with the way to renew the certificate (the recertification, where it
# is possible, or the one under way). The sent reminders are kept as rows of
# SurveillanceReminder with kinds of their own ("expiry-180", "expiry-90", "expiry-30") and
# the end of validity as their date: the same unique row per certificate, kind and date
# makes a rerun, or two beat processes by mistake, send nothing twice.

EXPIRY_REMINDER_DAYS = (180, 90, 30)
EXPIRY_KIND_PREFIX = "expiry-"


def _days_for(days_left: int) -> int | None:
    """The reminder due with `days_left`: the nearest one ahead (a missed day catches up)."""
    if days_left < 0:
        return None  # the nightly expiry tells the holder itself
    for days in sorted(EXPIRY_REMINDER_DAYS):
        if days_left <= days:
            return days
    return None


def _renewal_path(certificate: Certificate) -> tuple[str, str]:
    """Where the reminder sends the holder: ("recertify" | "under_way" | "", path)."""
    options = recertifications_of_organization(certificate.organization, certificate=certificate)
    option = options[0] if options else None
    slug = certificate.organization.slug
    if option and option.open_application:
        return "under_way", reverse(
            "certification:application",
            kwargs={"org_slug": slug, "pk": option.open_application.pk},
        )
    if option and option.possible:
        return "recertify", reverse(
            "certification:certificate_recertify", kwargs={"org_slug": slug, "pk": certificate.pk}
        )
    return "", reverse("certification:applications", kwargs={"org_slug": slug})


def _send_expiry_reminder(certificate: Certificate, days: int) -> None:
    renewal, path = _renewal_path(certificate)
    mail_on_commit(
        subject=lazy_format(
            gettext_lazy("Certificate %(number)s expires in %(days)s days"),
            number=certificate.number,
            days=days,
        ),
        template="certification/certificates/email/expiry_reminder.txt",
        context={"certificate": certificate, "days": days, "renewal": renewal, "path": path},
        to=organization_admin_emails(certificate.organization),
    )


def certificate_expiry_reminders_send(*, today: date | None = None) -> int:
    """Send the expiry reminders due today (180, 90 and 30 days ahead), each once."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=max(EXPIRY_REMINDER_DAYS))
    with scopes_disabled():
        candidates = list(
            Certificate.objects.filter(
                status__in=(CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED),
                valid_until__gte=today,
                valid_until__lte=horizon,
            )
            .select_related("organization")
            .order_by("valid_until", "pk")
        )
    sent = 0
    for certificate in candidates:
        days = _days_for((certificate.valid_until - today).days)
        if days is None:
            continue
        kind = f"{EXPIRY_KIND_PREFIX}{days}"
        try:
            with transaction.atomic(), scope(organization=certificate.organization):
                SurveillanceReminder.objects.create(
                    certificate=certificate, kind=kind, due=certificate.valid_until
                )
                _send_expiry_reminder(certificate, days)
                activity_record(
                    actor=None,
                    organization=certificate.organization,
                    verb="certificate.expiry_reminder",
                    target=certificate,
                    data={"days": days, "valid_until": str(certificate.valid_until)},
                )
        except IntegrityError:
            continue  # already sent
        sent += 1
    return sent


# --- Surveillance audits: reminders ahead, once when overdue ----------------------------------
# The daily task sends each reminder once (a unique row per certificate, kind and due date),
# so a rerun, or two beat processes by mistake, send nothing twice.

SURVEILLANCE_REMINDER_DAYS = (60, 30, 7)


def _kind_for(days_left: int) -> str | None:
    if days_left < 0:
        return "overdue"
    for days in sorted(SURVEILLANCE_REMINDER_DAYS):
        if days_left <= days:
            return str(days)
    return None


def _send_surveillance_reminder(certificate: Certificate, kind: str, due: date) -> None:
    subject: StrOrPromise
    if kind == "overdue":
        subject = lazy_format(
            gettext_lazy("Surveillance audit overdue: %(number)s"), number=certificate.number
        )
    else:
        subject = lazy_format(
            gettext_lazy("Surveillance audit of %(number)s due in %(days)s days"),
            number=certificate.number,
            days=kind,
        )
    recipients = [*organization_admin_emails(certificate.organization), *office_emails()]
    mail_on_commit(
        subject=subject,
        template="certification/certificates/email/surveillance_reminder.txt",
        context={"certificate": certificate, "kind": kind, "due": due},
        to=recipients,
    )


def surveillance_reminders_send(*, today: date | None = None) -> int:
    """Send the reminders that are due today (60, 30, 7 days ahead, and once when overdue)."""
    today = today or timezone.localdate()
    sent = 0
    with scopes_disabled():
        candidates = list(
            Certificate.objects.filter(
                status=CertificateStatus.ACTIVE, next_surveillance_due__isnull=False
            ).select_related("organization")
        )
    for certificate in candidates:
        due = certificate.next_surveillance_due
        assert due is not None
        kind = _kind_for((due - today).days)
        if kind is None:
            continue
        try:
            with transaction.atomic(), scope(organization=certificate.organization):
                SurveillanceReminder.objects.create(certificate=certificate, kind=kind, due=due)
                _send_surveillance_reminder(certificate, kind, due)
                activity_record(
                    actor=None,
                    organization=certificate.organization,
                    verb="certificate.surveillance_reminder",
                    target=certificate,
                    data={"kind": kind, "due": str(due)},
                )
        except IntegrityError:
            continue  # already sent
        sent += 1
    return sent
