"""Reads of certificates beyond the public seal: the office's pages (the list, the attention
list, one record) and the holder's recertifications.

The office sees every organization's certificates, so each reader for it disables the tenant
scope on purpose and says "for_office" in its name; the views behind them are
@office_required.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from cpo_portal.documents.models import Document
from cpo_portal.tenancy.models import Organization
from criteria.models import SchemeKind
from signees.models import SigneeStatus
from signees.selectors.signing import signee_of_organization

from ..issuer import DEFAULT_NAME, mark_data_uri
from ..models import (
    CLOSED_STATES,
    LIVE,
    Application,
    AuditType,
    Certificate,
    CertificateEvent,
    CertificateStatus,
    OrganizationalGrant,
)
from .applications import has_valid_organizational_certification
from .seal import CERTIFICATE_DOCUMENT_KIND

C = CertificateStatus
EXPIRING_DAYS = 90
ATTENTION_LIMIT = 200  # per section; the office works through it, it does not page it


def today() -> date:
    return timezone.localdate()


@dataclass(frozen=True)
class CertificateFilter:
    status: str = ""
    kind: str = ""
    q: str = ""

    @property
    def active(self) -> bool:
        return any((self.status, self.kind, self.q))


def certificates_for_office(filters: CertificateFilter | None = None) -> QuerySet[Certificate]:
    """Every certificate, newest first, with its holder (one query per page)."""
    filters = filters or CertificateFilter()
    with scopes_disabled():
        qs = Certificate.objects.select_related("organization")
        if filters.status in C.values:
            qs = qs.filter(status=filters.status)
        if filters.kind in SchemeKind.values:
            qs = qs.filter(kind=filters.kind)
        q = filters.q.strip()[:100]
        if q:
            qs = qs.filter(
                Q(number__icontains=q)
                | Q(holder_name__icontains=q)
                | Q(organization__legal_name__icontains=q)
                | Q(organization__display_name__icontains=q)
                | Q(product_name__icontains=q)
            )
        return qs.order_by("-issued_on", "-number")


def certificate_for_office(pk: Any) -> Certificate | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    with scopes_disabled():
        return (
            Certificate.objects.filter(pk=pk)
            .select_related(
                "organization",
                "scheme__version",
                "catalogue_version",
                "application",
                "predecessor",
                "successor",
                "issued_by",
            )
            .first()
        )


@dataclass
class CertificateRecord:
    certificate: Certificate
    events: list[CertificateEvent]
    audits: list[Application]
    document: Document | None
    open_surveillance: Application | None = None


def certificate_record_for_office(certificate: Certificate) -> CertificateRecord:
    """The certificate's history, the audits it rests on or that concern it, and its PDF."""
    with scopes_disabled():
        events = list(
            CertificateEvent.objects.filter(certificate_id=certificate.pk)
            .select_related("by")
            .order_by("at", "pk")
        )
        audits = list(
            Application.objects.filter(
                Q(certificate_id=certificate.pk) | Q(pk=certificate.application_id)
            )
            .select_related("scheme__version")
            .order_by("-created_at", "-pk")
        )
        document = (
            Document.objects.filter(
                kind=CERTIFICATE_DOCUMENT_KIND,
                owner_type__app_label="certification",
                owner_type__model="certificate",
                owner_id=str(certificate.pk),
            )
            .order_by("-created_at", "-pk")
            .first()
        )
    open_surveillance = next(
        (a for a in audits if a.audit_type == "surveillance" and a.status not in CLOSED_STATES),
        None,
    )
    return CertificateRecord(certificate, events, audits, document, open_surveillance)


def overdue_surveillance(*, today: date | None = None) -> list[Certificate]:
    """Valid certificates whose surveillance audit is overdue: the office's suspension list."""
    today = today or timezone.localdate()
    with scopes_disabled():
        return list(
            Certificate.objects.filter(
                status=CertificateStatus.ACTIVE, next_surveillance_due__lt=today
            )
            .select_related("organization")
            .order_by("next_surveillance_due", "number")
        )


@dataclass
class Attention:
    """The office's suspension list, in three sections."""

    overdue: list[Certificate] = field(default_factory=list)
    flagged: list[Certificate] = field(default_factory=list)
    expiring: list[Certificate] = field(default_factory=list)
    on: date | None = None

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.flagged) + len(self.expiring)


def attention_for_office(on: date | None = None) -> Attention:
    """Overdue surveillance, product certificates whose organizational one ended, and
    certificates whose validity ends within 90 days: three queries."""
    on = on or today()
    overdue = overdue_surveillance(today=on)[:ATTENTION_LIMIT]
    with scopes_disabled():
        live = Certificate.objects.select_related("organization").filter(status__in=LIVE)
        flagged = list(
            live.filter(kind=SchemeKind.PRODUCT)
            .exclude(flagged_reason="")
            .order_by("organization__legal_name", "number")[:ATTENTION_LIMIT]
        )
        expiring = list(
            live.filter(
                valid_until__gte=on, valid_until__lte=on + timedelta(days=EXPIRING_DAYS)
            ).order_by("valid_until", "number")[:ATTENTION_LIMIT]
        )
    return Attention(overdue=overdue, flagged=flagged, expiring=expiring, on=on)


# --- The holder's recertifications ---------------------------------------------------------


@dataclass
class Recertification:
    """One certificate the organization may renew: whether a recertification can be started
    now, or the one under way."""

    certificate: Certificate
    possible: bool = False
    open_application: Application | None = None


def recertifications_of_organization(
    organization: Organization, *, certificate: Certificate | None = None
) -> list[Recertification]:
    """The organization's certificates that can still be renewed (live, within their
    validity), with what the services would say: possible, or already under way. The same
    rules as `application_create` (signee approved, a product needs a valid organizational
    certificate); whether the user may apply is the caller's. At most four queries."""
    today = timezone.localdate()
    with scope(organization=organization):
        live = Certificate.objects.filter(
            organization=organization,
            status__in=(CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED),
            valid_until__gte=today,
        )
        if certificate is not None:
            live = live.filter(pk=certificate.pk)
        certificates = list(live.order_by("valid_until", "number"))
        if not certificates:
            return []
        under_way = {
            application.certificate_id: application
            for application in Application.objects.filter(
                certificate__in=certificates, audit_type=AuditType.RECERTIFICATION
            )
            .exclude(status__in=CLOSED_STATES)
            .order_by("pk")
        }
    signee = signee_of_organization(organization)
    approved = bool(signee and signee.status == SigneeStatus.APPROVED)
    products_allowed = (
        approved
        and any(c.kind == SchemeKind.PRODUCT for c in certificates)
        and has_valid_organizational_certification(organization)
    )
    return [
        Recertification(
            certificate=c,
            open_application=under_way.get(c.pk),
            possible=approved
            and c.pk not in under_way
            and (c.kind != SchemeKind.PRODUCT or products_allowed),
        )
        for c in certificates
    ]


# --- The organizational basis of a product certificate (issue 16) --------------------------


def organizational_basis_of(
    organization: Organization,
) -> tuple[Certificate | None, OrganizationalGrant | None]:
    """What a product certificate issued today rests on: the holder's valid organizational
    certificate (the latest valid one), else an organizational certification the office
    recorded by hand and still valid, else nothing (None, None)."""
    on = today()
    with scope(organization=organization):
        certificate = (
            Certificate.objects.filter(
                organization=organization,
                kind=SchemeKind.ORGANIZATIONAL,
                status=C.ACTIVE,
                valid_until__gte=on,
            )
            .order_by("-valid_until", "-pk")
            .first()
        )
        if certificate is not None:
            return certificate, None
        grant = (
            OrganizationalGrant.objects.filter(
                organization=organization, revoked_at__isnull=True, valid_until__gte=on
            )
            .order_by("-valid_until", "-pk")
            .first()
        )
    return None, grant


def certificate_content_context(certificate: Certificate) -> dict[str, Any]:
    """What the certificate PDF names beside the audit: the certification body as frozen at
    issuance (with its accreditation mark embedded, or "not accredited"), the certifier who
    decided, and for a product certificate its organizational basis (as issued)."""
    issuer = dict(certificate.issuer or {})
    if not issuer.get("name"):
        issuer["name"] = DEFAULT_NAME  # issued before the body was kept
    decided_by = certificate.application.decided_by
    grant = issuer.get("organizational_grant")
    return {
        "issuer": issuer,
        "issuer_mark": mark_data_uri(str(issuer.get("mark", "")))
        if issuer.get("accredited")
        else "",
        "issuer_address_line": ", ".join(
            line.strip() for line in str(issuer.get("address", "")).splitlines() if line.strip()
        ),
        "certifier": decided_by.public_name if decided_by is not None else "",
        # One page per language, each with the scope in its language (English where the
        # German one was not given).
        "page_scopes": (
            ("en", certificate.scope_description),
            ("de", certificate.scope_description_de or certificate.scope_description),
        ),
        "organizational_certificate": certificate.organizational_certificate,
        "organizational_grant": grant if isinstance(grant, dict) else None,
    }
