"""Reads of the CPO office's certificate pages: the list, the attention list, one record.

The office sees every organization's certificates, so each reader here disables the tenant
scope on purpose and says "for_office" in its name; the views behind them are
@office_required.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_scopes import scopes_disabled

from cpo_portal.documents.models import Document
from criteria.models import SchemeKind

from .models import Application, Certificate, CertificateEvent, CertificateStatus
from .seal_selectors import CERTIFICATE_DOCUMENT_KIND
from .services.surveillance import overdue_surveillance

C = CertificateStatus
LIVE = (C.ACTIVE, C.SUSPENDED)
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
    from .services.lifecycle import S

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
    closed = (S.DECIDED, S.WITHDRAWN, S.REJECTED)
    open_surveillance = next(
        (a for a in audits if a.audit_type == "surveillance" and a.status not in closed), None
    )
    return CertificateRecord(certificate, events, audits, document, open_surveillance)


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
