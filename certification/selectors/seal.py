"""Reads of the public seal: the registry, verification, badges, and the holder's own list.

Certificates are public once issued, whatever happened to them since: every reader whose
name starts with `public_` disables the tenant scope on purpose. The effective status is
computed here, not stored: a valid or suspended certificate past its validity is shown as
expired from the first day after it, even before the daily task has written that down.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import scope, scopes_disabled

from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.mail import StrOrPromise
from cpo_portal.tenancy.models import Organization
from criteria.models import SchemeKind
from signees.extensions import ListedSeal, ListedSealProvider

from ..models import LIVE, Certificate, CertificateEvent, CertificateStatus, OrganizationalGrant

C = CertificateStatus
CERTIFICATE_DOCUMENT_KIND = "certificate"
# CPO-O-2026-0001 / CPO-P-2026-0042: anything else is not a number we ever issued, so it is
# answered without asking the database.
NUMBER_PATTERN = re.compile(r"\ACPO-[OP]-\d{4}-\d{4,6}\Z")
FEED_SIZE = 50

KIND_LABELS: dict[str, StrOrPromise] = {
    SchemeKind.ORGANIZATIONAL: _("Organizational certificate"),
    SchemeKind.PRODUCT: _("Product certificate"),
}


def today() -> date:
    return timezone.localdate()


def effective_status(status: str, valid_until: date, on: date | None = None) -> str:
    """The status a visitor must see today: live but past its validity means expired."""
    if status in LIVE and valid_until < (on or today()):
        return C.EXPIRED
    return status


def _effective_expression(on: date) -> Case:
    return Case(
        When(Q(status__in=LIVE, valid_until__lt=on), then=Value(C.EXPIRED)),
        default=F("status"),
        output_field=CharField(),
    )


def _status_q(status: str, on: date) -> Q:
    if status == C.EXPIRED:
        return Q(status=C.EXPIRED) | Q(status__in=LIVE, valid_until__lt=on)
    if status in LIVE:
        return Q(status=status, valid_until__gte=on)
    return Q(status=status)


def normalized_number(raw: str) -> str | None:
    """The certificate number in its canonical form, or None if it cannot be one."""
    number = raw.strip().upper()
    return number if NUMBER_PATTERN.match(number) else None


def _ready_document(field: str) -> Subquery:
    """The certificate's ready PDF (newest), one column of it, as a subquery."""
    with scopes_disabled():
        documents = Document.objects.filter(
            kind=CERTIFICATE_DOCUMENT_KIND,
            owner_type__app_label="certification",
            owner_type__model="certificate",
            owner_id=Cast(OuterRef("pk"), output_field=CharField()),
            status=DocumentStatus.READY,
        ).order_by("-status_changed_at", "-pk")
    return Subquery(documents.values(field)[:1])


def _public() -> QuerySet[Certificate]:
    with scopes_disabled():
        return Certificate.objects.all()


# --- A product certificate's organizational basis -------------------------------------------
# A product certificate rests on its holder's organizational certificate (named on it since
# issue 16; followed to its successor after a recertification) or on an organizational
# certification the office recorded by hand (Certificate.issuer["organizational_grant"]).
# While that basis is not valid, the verification page, its JSON, the badge and the registry
# say so. Certificates issued before the basis was kept show none.

BASIS_FIELDS = ("number", "status", "valid_until", "status_changed_at")
# The organizational certificate and its successor come along in the same query.
BASIS_RELATED = ("organizational_certificate", "organizational_certificate__successor")
BASIS_ONLY = (
    "organizational_certificate_id",
    "issuer",
    *(f"{related}__{name}" for related in BASIS_RELATED for name in BASIS_FIELDS),
)

NOT_BACKED: dict[str, StrOrPromise] = {
    C.SUSPENDED: _(
        "The organizational certificate %(number)s is suspended: "
        "this product certificate is not currently backed."
    ),
    C.WITHDRAWN: _(
        "The organizational certificate %(number)s has been withdrawn: "
        "this product certificate is not currently backed."
    ),
    C.EXPIRED: _(
        "The organizational certificate %(number)s has expired: "
        "this product certificate is not currently backed."
    ),
}
NOT_BACKED_OTHER = _(
    "The organizational certificate %(number)s is not valid: "
    "this product certificate is not currently backed."
)
GRANT_NOT_BACKED = _(
    "The recorded organizational certification %(number)s is no longer valid: "
    "this product certificate is not currently backed."
)


@dataclass(frozen=True)
class Backing:
    """What a live product certificate rests on, as the public sees it today."""

    number: str  # the organizational certificate's number, or the recorded grant's reference
    status: str  # the basis's effective status (a grant: active / expired / withdrawn)
    valid_until: date | None
    changed_at: Any  # when its status last changed (for Last-Modified), or None
    is_grant: bool = False

    @property
    def backed(self) -> bool:
        return self.status == C.ACTIVE

    @property
    def url(self) -> str:
        if self.is_grant:
            return ""
        return reverse("certification:verify", args=[self.number])

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def note(self) -> str:
        """The sentence a visitor reads while the basis is not valid ("" while it is)."""
        if self.backed:
            return ""
        if self.is_grant:
            return str(GRANT_NOT_BACKED) % {"number": self.number}
        return str(NOT_BACKED.get(self.status, NOT_BACKED_OTHER)) % {"number": self.number}


def _current(organizational: Certificate) -> Certificate:
    """The organizational certificate in force along its line: a recertified one's successor
    (the first hop comes with the query; any further one costs one)."""
    seen = {organizational.pk}
    while organizational.status == C.SUPERSEDED:
        try:
            successor = organizational.successor
        except Certificate.DoesNotExist:
            break
        if successor is None or successor.pk in seen:
            break
        seen.add(successor.pk)
        organizational = successor
    return organizational


def _grant_of(certificate: Certificate) -> dict[str, Any] | None:
    grant = (certificate.issuer or {}).get("organizational_grant")
    return grant if isinstance(grant, dict) and grant.get("id") else None


def _grant_backing(grant: dict[str, Any], row: Any, on: date) -> Backing:
    if row is None or row.revoked_at is not None:
        status = C.WITHDRAWN
    elif row.valid_until < on:
        status = C.EXPIRED
    else:
        status = C.ACTIVE
    return Backing(
        number=str(grant.get("reference", "")),
        status=status,
        valid_until=row.valid_until if row is not None else None,
        changed_at=row.revoked_at if row is not None else None,
        is_grant=True,
    )


def public_backings(
    certificates: Iterable[Certificate], on: date | None = None
) -> dict[int, Backing]:
    """The basis of each live product certificate among `certificates` (read with
    BASIS_RELATED/BASIS_ONLY), by pk; grants cost one query for all of them."""
    on = on or today()
    backings: dict[int, Backing] = {}
    grants: dict[int, dict[str, Any]] = {}
    for certificate in certificates:
        if certificate.kind != SchemeKind.PRODUCT:
            continue
        if effective_status(certificate.status, certificate.valid_until, on) not in LIVE:
            continue
        if certificate.organizational_certificate_id is not None:
            basis = _current(certificate.organizational_certificate)  # type: ignore[arg-type]
            backings[certificate.pk] = Backing(
                number=basis.number,
                status=effective_status(basis.status, basis.valid_until, on),
                valid_until=basis.valid_until,
                changed_at=basis.status_changed_at,
            )
        elif (grant := _grant_of(certificate)) is not None:
            grants[certificate.pk] = grant
    if grants:
        with scopes_disabled():
            rows = OrganizationalGrant.objects.only("pk", "valid_until", "revoked_at").in_bulk(
                [int(g["id"]) for g in grants.values()]
            )
        for pk, grant in grants.items():
            backings[pk] = _grant_backing(grant, rows.get(int(grant["id"])), on)
    return backings


def public_backing(certificate: Certificate, on: date | None = None) -> Backing | None:
    """One certificate's basis (None: not a live product certificate, or none kept),
    read once per certificate object (the page, its ETag and Last-Modified ask for it)."""
    if on is None and hasattr(certificate, "_public_backing"):
        cached: Backing | None = getattr(certificate, "_public_backing")  # noqa: B009
        return cached
    backing = public_backings([certificate], on).get(certificate.pk)
    if on is None:
        certificate._public_backing = backing  # type: ignore[attr-defined]
    return backing


# --- The registry -------------------------------------------------------------------------


@dataclass(frozen=True)
class SealFilter:
    q: str = ""
    kind: str = ""
    status: str = ""
    group: str = ""
    country: str = ""

    @property
    def active(self) -> bool:
        return any((self.q, self.kind, self.status, self.group, self.country))


def _filtered(filters: SealFilter, on: date) -> QuerySet[Certificate]:
    qs = _public()
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(_status_q(filters.status, on))
    if filters.group:
        qs = qs.filter(holder_group=filters.group)
    if filters.country:
        qs = qs.filter(holder_country=filters.country)
    if filters.q:
        q = filters.q
        qs = qs.filter(
            Q(number__icontains=q) | Q(holder_name__icontains=q) | Q(product_name__icontains=q)
        )
    return qs


REGISTRY_FIELDS = (
    "pk",
    "number",
    "kind",
    "holder_name",
    "holder_country",
    "holder_group",
    "product_name",
    "product_version",
    "issued_on",
    "valid_until",
    "status",
    "status_changed_at",
)


def public_certificate_list(filters: SealFilter, on: date | None = None) -> QuerySet[Certificate]:
    """Every certificate ever issued that matches, newest first, with its effective status."""
    on = on or today()
    return (
        _filtered(filters, on)
        .select_related(*BASIS_RELATED)
        .only(*REGISTRY_FIELDS, *BASIS_ONLY)
        .annotate(effective_status=_effective_expression(on))
        .order_by("-issued_on", "-number")
    )


def public_certificate_rows(filters: SealFilter, on: date | None = None) -> Any:
    """The same list as plain rows for the CSV export, fetched in chunks as it streams."""
    on = on or today()
    return (
        _filtered(filters, on)
        .annotate(effective_status=_effective_expression(on))
        .order_by("-issued_on", "-number")
        .values(
            *REGISTRY_FIELDS,
            "effective_status",
            "scheme__title_en",
            "catalogue_version__code",
            "catalogue_version__is_demo",
            "organizational_certificate__number",
            organizational_grant=KT("issuer__organizational_grant__reference"),
        )
        .iterator(chunk_size=2000)
    )


def public_countries() -> list[str]:
    """The holder countries that occur in the registry (for the filter)."""
    return list(
        _public().order_by("holder_country").values_list("holder_country", flat=True).distinct()
    )


# --- One certificate ----------------------------------------------------------------------


def public_certificate(number: str) -> Certificate | None:
    """The certificate with that number, with everything the verification page shows but
    its events, in one query (the PDF's hash comes along as a subquery)."""
    canonical = normalized_number(number)
    if canonical is None:
        return None
    return (
        _public()
        .select_related(
            "scheme",
            "catalogue_version",
            "application__decided_by",
            "predecessor",
            "successor",
            *BASIS_RELATED,
        )
        .annotate(
            document_sha256=_ready_document("sha256"),
            document_changed_at=_ready_document("status_changed_at"),
        )
        .filter(number=canonical)
        .first()
    )


def public_certificate_events(certificate: Certificate) -> list[CertificateEvent]:
    """The certificate's whole public history, oldest first."""
    with scopes_disabled():
        return list(
            CertificateEvent.objects.filter(certificate_id=certificate.pk)
            .only("pk", "certificate_id", "action", "status_before", "status_after", "reason", "at")
            .order_by("at", "pk")
        )


def public_badge_certificate(number: str) -> Certificate | None:
    """Just what the badge shows, in one query."""
    canonical = normalized_number(number)
    if canonical is None:
        return None
    return (
        _public()
        .select_related(*BASIS_RELATED)
        .only(
            "pk",
            "number",
            "kind",
            "holder_name",
            "status",
            "valid_until",
            "status_changed_at",
            *BASIS_ONLY,
        )
        .filter(number=canonical)
        .first()
    )


def public_feed_events(limit: int = FEED_SIZE) -> list[CertificateEvent]:
    """The latest issuances and status changes, newest first."""
    with scopes_disabled():
        return list(
            CertificateEvent.objects.select_related("certificate").order_by("-at", "-pk")[:limit]
        )


# --- Seals on the signee page and the home page -----------------------------------------


@dataclass(frozen=True)
class PublicSeal:
    """A certificate as a line on another app's page (see signees.extensions)."""

    number: str
    kind_label: str
    product: str
    status: str
    status_label: str
    url: str
    holder: str = ""

    def __str__(self) -> str:
        parts = [self.number]
        if self.holder:
            parts.append(self.holder)
        parts.append(f"{self.kind_label}: {self.product}" if self.product else self.kind_label)
        parts.append(self.status_label)
        return " · ".join(parts)


def status_label(status: str) -> str:
    return str(C(status).label) if status in C.values else status


def _seal(certificate: Certificate, *, with_holder: bool = False) -> PublicSeal:
    status = effective_status(certificate.status, certificate.valid_until)
    product = " ".join(p for p in (certificate.product_name, certificate.product_version) if p)
    return PublicSeal(
        number=certificate.number,
        kind_label=str(KIND_LABELS.get(certificate.kind, certificate.kind)),
        product=product,
        status=status,
        status_label=status_label(status),
        url=reverse("certification:verify", args=[certificate.number]),
        holder=certificate.holder_name if with_holder else "",
    )


SEAL_FIELDS = (
    "pk",
    "number",
    "kind",
    "holder_name",
    "product_name",
    "product_version",
    "status",
    "valid_until",
)


def public_seals_of_organization(organization: Organization, limit: int = 50) -> list[PublicSeal]:
    """The certificates the organization holds or held, newest first, with their status."""
    certificates = (
        _public()
        .filter(organization_id=organization.pk)
        .only(*SEAL_FIELDS)
        .order_by("-issued_on", "-number")[:limit]
    )
    return [_seal(c) for c in certificates]


def public_latest_seals(limit: int) -> list[PublicSeal]:
    """The most recently issued certificates."""
    certificates = _public().only(*SEAL_FIELDS).order_by("-issued_on", "-number")[:limit]
    return [_seal(c, with_holder=True) for c in certificates]


# --- Seals on the public signee list (signees.extensions) ------------------------------------
# A signee's current seals travel in the signee query itself as one text column, "kind|status|
# number" joined by ";" (numbers never hold either character): a page of 50 or an export of
# 10,000 signees costs no query more. Expired, withdrawn and superseded seals are not current.


class _Joined(Aggregate):
    """The values joined by ";": GROUP_CONCAT on SQLite, STRING_AGG on PostgreSQL."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def __init__(self, expression: Any) -> None:
        super().__init__(expression, Value(";"))

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="STRING_AGG", **extra)


def _current_seals_of_signee_organization(on: date) -> QuerySet[Certificate]:
    return _public().filter(
        organization_id=OuterRef("organization_id"), status__in=LIVE, valid_until__gte=on
    )


def listed_seals_annotation() -> Subquery:
    """The current seals of each signee's organization as one text value (see above)."""
    joined = (
        _current_seals_of_signee_organization(today())
        .order_by()
        .values("organization_id")
        .annotate(
            seals=_Joined(
                Concat("kind", Value("|"), "status", Value("|"), "number", output_field=CharField())
            )
        )
        .values("seals")[:1]
    )
    return Subquery(joined, output_field=CharField())


def listed_holds_valid(kind: str = "") -> Exists:
    """True for signees whose organization holds a valid seal (of `kind`, if given)."""
    certificates = _current_seals_of_signee_organization(today()).filter(status=C.ACTIVE)
    if kind:
        certificates = certificates.filter(kind=kind)
    return Exists(certificates)


def listed_seals_read(value: Any) -> list[ListedSeal]:
    """The seals of one signee row, organizational first, then by number."""
    seals = []
    for item in str(value or "").split(";"):
        kind, _sep, rest = item.partition("|")
        status, _sep, number = rest.partition("|")
        if not number:
            continue
        seals.append(
            ListedSeal(
                number=number,
                kind=kind,
                kind_label=str(SchemeKind(kind).label) if kind in SchemeKind.values else kind,
                valid=status == C.ACTIVE,
                status_label=status_label(status),
                url=reverse("certification:verify", args=[number]),
            )
        )
    return sorted(seals, key=lambda s: (s.kind != SchemeKind.ORGANIZATIONAL, s.number))


LISTED_SEALS = ListedSealProvider(
    annotation=listed_seals_annotation, holds_valid=listed_holds_valid, read=listed_seals_read
)


# --- The holder's workspace ---------------------------------------------------------------


def certificates_of_organization(organization: Organization) -> QuerySet[Certificate]:
    with scope(organization=organization):
        return (
            Certificate.objects.filter(organization=organization)
            .select_related("scheme", "catalogue_version")
            .annotate(effective_status=_effective_expression(today()))
            .order_by("-issued_on", "-number")
        )


def certificate_of_organization(organization: Organization, pk: int) -> Certificate | None:
    with scope(organization=organization):
        return (
            Certificate.objects.filter(organization=organization, pk=pk)
            .select_related(
                "scheme", "catalogue_version", "application", "predecessor", "successor"
            )
            .first()
        )


def certificate_document_of_organization(
    organization: Organization, certificate: Certificate
) -> Document | None:
    """The certificate's PDF (the newest Document of its kind), ready or not."""
    with scope(organization=organization):
        return (
            Document.objects.filter(
                organization=organization,
                kind=CERTIFICATE_DOCUMENT_KIND,
                owner_type__app_label="certification",
                owner_type__model="certificate",
                owner_id=str(certificate.pk),
            )
            .order_by("-created_at", "-pk")
            .first()
        )


# --- Verify by file (signatures): a certificate PDF found by its SHA-256 -----------------

SHA256_PATTERN = re.compile(r"\A[0-9a-f]{64}\Z")


def public_certificate_by_file_hash(sha256: str) -> Certificate | None:
    """The certificate one of whose stored PDFs has this SHA-256, or None (two queries).

    Only certificate documents count. The certificate carries `document_sha256`, its
    current PDF's hash: when that differs, the file is an earlier rendering.
    """
    if not SHA256_PATTERN.match(sha256):
        return None
    with scopes_disabled():
        owner_id = (
            Document.objects.filter(
                kind=CERTIFICATE_DOCUMENT_KIND,
                owner_type__app_label="certification",
                owner_type__model="certificate",
                sha256=sha256,
                status=DocumentStatus.READY,
            )
            .values_list("owner_id", flat=True)
            .first()
        )
    if owner_id is None or not str(owner_id).isdigit():
        return None
    return (
        _public()
        .select_related("scheme")
        .annotate(document_sha256=_ready_document("sha256"))
        .filter(pk=int(owner_id))
        .first()
    )
