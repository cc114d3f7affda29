"""The public seal: the registry of every certificate, verification (the QR code target),
live badges, the feed and the export; and the holder's own certificate pages.

Verification and badges answer from at most three queries and are cacheable: a short
public max-age, an ETag and Last-Modified, 304 on a conditional GET. Lookups are rate
limited per client address, as a number is something one can guess at.
"""

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass  # signatures: verify by file
from datetime import datetime, timedelta
from datetime import time as clock
from io import BytesIO  # signatures: verify by file
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.files.uploadedfile import InMemoryUploadedFile  # signatures
from django.core.files.uploadhandler import FileUploadHandler, StopUpload  # signatures
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.http import http_date, quote_etag
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect  # signatures
from django_countries import countries

from cpo_portal.exports import CSV, XLSX, Column, country_name, export_response, filter_query
from cpo_portal.http import OrganizationRequest, PortalRequest
from cpo_portal.mail import StrOrPromise
from cpo_portal.pagecache import public_page
from cpo_portal.ratelimit import rate_limited
from criteria.groups import group_label

from ..badge import LOOKS, UNKNOWN, badge_svg
from ..forms.seal import (  # signatures
    FILTER_KEYS,
    VERIFY_FILE_MAX_BYTES,
    SealFilterForm,
    VerifyFileForm,
    VerifyHashForm,
)
from ..models import AuditType, Certificate, CertificateEvent, CertificateStatus
from ..selectors import seal as selectors
from ..selectors.certificates import recertifications_of_organization
from ..signing import check_pdf_signature  # signatures: verify by file

C = CertificateStatus
PAGE_SIZE = 50
WORKSPACE_PAGE_SIZE = 25
PUBLIC_MAX_AGE = 60
# The registry's CSV and .xlsx: stable keys for scripts (the CSV header), labels for people
# (the .xlsx header); group and country readable in the language of the request, with their
# codes beside them; dates as dates, the time of the last status change in UTC.
EXPORT_COLUMNS = (
    Column("number", gettext_lazy("Certificate number"), 18),
    Column("type", gettext_lazy("Certificate"), 14),
    Column("status", gettext_lazy("Status code"), 12),
    Column("status_label", gettext_lazy("Status"), 14),
    Column("holder", gettext_lazy("Holder"), 30),
    Column("country", gettext_lazy("Country"), 18),
    Column("country_code", gettext_lazy("Country code"), 8),
    Column("group", gettext_lazy("Group"), 22),
    Column("group_code", gettext_lazy("Group code"), 14),
    Column("product_name", gettext_lazy("Product"), 24),
    Column("product_version", gettext_lazy("Product version"), 12),
    Column("scheme", gettext_lazy("Assessment scheme"), 30),
    Column("catalogue_version", gettext_lazy("Catalogue version"), 16),
    Column("issued_on", gettext_lazy("Issued"), 12),
    Column("valid_until", gettext_lazy("Valid until"), 12),
    Column("status_changed_at", gettext_lazy("Status changed (UTC)"), 20),
    Column("verify_url", gettext_lazy("Verification page"), 44),
    # A product certificate's organizational basis at issue: the organizational certificate's
    # number, or the reference of the organizational certification the office recorded.
    Column("organizational_basis", gettext_lazy("Organizational basis"), 18),
)
EXPORT_STEM = "cpo-certificates"

VERDICT: dict[str, StrOrPromise] = {
    C.ACTIVE: gettext_lazy("Valid"),
    C.SUSPENDED: gettext_lazy("Suspended"),
    C.WITHDRAWN: gettext_lazy("Withdrawn"),
    C.EXPIRED: gettext_lazy("Expired"),
    C.SUPERSEDED: gettext_lazy("Superseded"),
}
VERDICT_TEXT: dict[str, StrOrPromise] = {
    C.ACTIVE: gettext_lazy("This certificate is genuine and valid today."),
    C.SUSPENDED: gettext_lazy(
        "This certificate is genuine but suspended: it is not valid while the suspension lasts."
    ),
    C.WITHDRAWN: gettext_lazy("This certificate has been withdrawn and is no longer valid."),
    C.EXPIRED: gettext_lazy("This certificate's validity has ended; it is no longer valid."),
    C.SUPERSEDED: gettext_lazy(
        "This certificate has been replaced by its successor after recertification; "
        "it is no longer valid itself."
    ),
}


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _icon(status: str) -> str:
    """The status icon's path (the same shapes as on the badge)."""
    return LOOKS.get(status, UNKNOWN).icon


def _annotated_status(certificate: Certificate) -> str:
    """The effective status a list's query annotated (selectors.seal)."""
    return certificate.effective_status  # type: ignore[attr-defined]


# --- Rate limit ---------------------------------------------------------------------------


def _verify_limit() -> int:
    return int(getattr(settings, "CERTIFICATE_VERIFY_RATE_LIMIT", 60))


def _badge_limit() -> int:
    # Badges are loaded by every visitor of the holder's website: a looser limit.
    return int(getattr(settings, "CERTIFICATE_BADGE_RATE_LIMIT", 600))


def _too_many(response: HttpResponseBase, retry_after: int) -> HttpResponseBase:
    response.status_code = 429
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


# --- Caching ------------------------------------------------------------------------------


def _public_headers(
    request: PortalRequest, response: HttpResponseBase, *, private_ok: bool
) -> None:
    """Short public caching for visitors; a signed-in user's page names them in the header."""
    if private_ok and request.user.is_authenticated:
        patch_cache_control(response, private=True, max_age=0, must_revalidate=True)
    else:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)


def _conditional(request: PortalRequest, etag: str, modified: datetime) -> HttpResponseBase | None:
    """A 304 Not Modified when the client's copy is current, else None."""
    return get_conditional_response(request, etag=etag, last_modified=int(modified.timestamp()))


def _stamp(response: HttpResponseBase, etag: str, modified: datetime) -> None:
    response["ETag"] = etag
    response["Last-Modified"] = http_date(int(modified.timestamp()))


def _etag(*parts: Any) -> str:
    return quote_etag(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32])


# --- Verification -------------------------------------------------------------------------


def _expired_since(certificate: Certificate) -> datetime:
    """When a live certificate became expired in effect: the first moment after its validity."""
    return timezone.make_aware(
        datetime.combine(certificate.valid_until + timedelta(days=1), clock())
    )


def _last_modified(
    certificate: Certificate, status: str, events: list[CertificateEvent]
) -> datetime:
    moments = [certificate.status_changed_at]
    if events:
        moments.append(events[-1].at)
    if getattr(certificate, "document_changed_at", None):
        moments.append(certificate.document_changed_at)  # type: ignore[attr-defined]
    if status != certificate.status:
        moments.append(_expired_since(certificate))
    backing = selectors.public_backing(certificate)  # certificate content (issue 16)
    if backing is not None and backing.changed_at is not None:
        moments.append(backing.changed_at)
    return max(moments)


# --- Certificate content (issue 16): the certification body, the organizational basis -----


def _backing_key(certificate: Certificate) -> str:
    backing = selectors.public_backing(certificate)
    return f"{backing.number}:{backing.status}" if backing is not None else ""


def _certifier(certificate: Certificate) -> str:
    """The certifier who decided, by their public name ("" when unknown)."""
    decided_by = certificate.application.decided_by
    return decided_by.public_name if decided_by is not None else ""


def _issuer_json(certificate: Certificate) -> dict[str, Any]:
    issuer = certificate.issuer or {}
    return {
        "name": issuer.get("name", ""),
        "address": issuer.get("address", ""),
        "accredited": bool(issuer.get("accredited")),
        "accreditation_body": issuer.get("accreditation_body", ""),
        "accreditation_number": issuer.get("accreditation_number", ""),
    }


def _backing_json(certificate: Certificate) -> dict[str, Any] | None:
    backing = selectors.public_backing(certificate)
    if backing is None:
        return None
    return {
        "type": "recorded_certification" if backing.is_grant else "certificate",
        "number": backing.number,
        "status": backing.status,
        "valid_until": backing.valid_until.isoformat() if backing.valid_until else None,
        "backed": backing.backed,
        "note": backing.note,
        "verify_url": _absolute(backing.url) if backing.url else None,
    }


def _verify_etag(
    request: PortalRequest,
    certificate: Certificate,
    status: str,
    events: list[CertificateEvent],
    kind: str,
) -> str:
    return _etag(
        kind,
        certificate.number,
        status,
        certificate.status_changed_at.isoformat(),
        events[-1].pk if events else 0,
        getattr(certificate, "document_sha256", "") or "",
        get_language(),
        request.user.pk or 0,
        _backing_key(certificate),  # certificate content (issue 16): its organizational basis
    )


def _related_number(certificate: Certificate, name: str) -> str | None:
    try:
        related = getattr(certificate, name)
    except Certificate.DoesNotExist:
        return None
    return related.number if related is not None else None


def _not_found(request: PortalRequest, number: str) -> HttpResponse:
    response = render(
        request,
        "certification/seal/not_found.html",
        {"number": number[:60], "well_formed": selectors.normalized_number(number) is not None},
        status=404,
    )
    _public_headers(request, response, private_ok=True)
    return response


def _rate_limited_page(request: PortalRequest, retry_after: int) -> HttpResponseBase:
    response = render(request, "certification/seal/rate_limited.html", {"retry_after": retry_after})
    return _too_many(response, retry_after)


def _verify_lookup(
    number: str,
) -> tuple[Certificate, str, list[CertificateEvent]] | None:
    certificate = selectors.public_certificate(number)
    if certificate is None:
        return None
    status = selectors.effective_status(certificate.status, certificate.valid_until)
    return certificate, status, selectors.public_certificate_events(certificate)


def verify(request: PortalRequest, number: str) -> HttpResponseBase:
    # Every lookup counts, also one the page cache answers.
    retry_after = rate_limited(request, "verify", _verify_limit())
    if retry_after is not None:
        return _rate_limited_page(request, retry_after)
    return _verify_page(request, number)


@public_page
def _verify_page(request: PortalRequest, number: str) -> HttpResponseBase:
    found = _verify_lookup(number)
    if found is None:
        return _not_found(request, number)
    certificate, status, events = found
    etag = _verify_etag(request, certificate, status, events, "html")
    modified = _last_modified(certificate, status, events)
    not_modified = _conditional(request, etag, modified)
    if not_modified is not None:
        _public_headers(request, not_modified, private_ok=True)
        return not_modified
    version = certificate.catalogue_version
    response = render(
        request,
        "certification/seal/verify.html",
        {
            "certificate": certificate,
            "status": status,
            "status_word": VERDICT.get(status, status),
            "status_text": VERDICT_TEXT.get(status, ""),
            "icon_path": _icon(status),
            "kind_label": selectors.KIND_LABELS.get(certificate.kind, certificate.kind),
            "audit_type_label": AuditType(certificate.application.audit_type).label,
            "catalogue_version": version,
            "country_name": countries.name(certificate.holder_country)
            or certificate.holder_country,
            "group_label": group_label(certificate.holder_group),
            "events": [
                {
                    "event": event,
                    "before": selectors.status_label(event.status_before)
                    if event.status_before
                    else "",
                    "after": selectors.status_label(event.status_after),
                }
                for event in events
            ],
            "sha256": getattr(certificate, "document_sha256", "") or "",
            "predecessor_number": _related_number(certificate, "predecessor"),
            "successor_number": _related_number(certificate, "successor"),
            "effective_expired": status != certificate.status,
            # Certificate content (issue 16): body, certifier, organizational basis, scope.
            "issuer": certificate.issuer or {},
            "certifier": _certifier(certificate),
            "backing": selectors.public_backing(certificate),
            "verify_url": _absolute(reverse("certification:verify", args=[certificate.number])),
            "json_url": reverse("certification:verify_json", args=[certificate.number]),
            "badge_url": reverse("certification:seal_badge", args=[certificate.number]),
        },
    )
    _stamp(response, etag, modified)
    _public_headers(request, response, private_ok=True)
    return response


def certificate_json(
    certificate: Certificate, status: str, events: list[CertificateEvent]
) -> dict[str, Any]:
    sha256 = getattr(certificate, "document_sha256", "") or None
    backing = _backing_json(certificate)  # certificate content (issue 16)
    return {
        "number": certificate.number,
        "status": status,
        "status_label": str(VERDICT.get(status, status)),
        "valid": status == C.ACTIVE and (backing is None or backing["backed"]),
        "status_reason": certificate.status_reason,
        "status_changed_at": certificate.status_changed_at.isoformat(),
        "type": certificate.kind,
        "holder": {
            "name": certificate.holder_name,
            "country": certificate.holder_country,
            "group": certificate.holder_group,
        },
        "scope": {
            "description": certificate.scope_description,
            "description_de": certificate.scope_description_de or certificate.scope_description,
            "product_name": certificate.product_name,
            "product_version": certificate.product_version,
        },
        "scheme": str(certificate.scheme.title) or certificate.get_kind_display(),
        "catalogue_version": certificate.catalogue_version.code,
        "catalogue_is_demo": certificate.catalogue_version.is_demo,
        "audit_type": certificate.application.audit_type,
        "issued_on": certificate.issued_on.isoformat(),
        "valid_until": certificate.valid_until.isoformat(),
        "predecessor": _related_number(certificate, "predecessor"),
        "successor": _related_number(certificate, "successor"),
        # Certificate content (issue 16).
        "issuer": _issuer_json(certificate),
        "certifier": _certifier(certificate),
        "organizational_certificate": backing,
        "events": [
            {
                "action": event.action,
                "status_before": event.status_before,
                "status_after": event.status_after,
                "reason": event.reason,
                "at": event.at.isoformat(),
            }
            for event in events
        ],
        "sha256": sha256,
        "document": "ready" if sha256 else "being_prepared",
        "verify_url": _absolute(reverse("certification:verify", args=[certificate.number])),
        "badge_url": _absolute(reverse("certification:seal_badge", args=[certificate.number])),
    }


def verify_json(request: PortalRequest, number: str) -> HttpResponseBase:
    retry_after = rate_limited(request, "verify", _verify_limit())
    if retry_after is not None:
        refused = JsonResponse({"detail": _("Too many lookups; try again shortly.")})
        return _too_many(refused, retry_after)
    found = _verify_lookup(number)
    if found is None:
        missing = JsonResponse(
            {"detail": _("There is no CPO certificate with this number.")}, status=404
        )
        _public_headers(request, missing, private_ok=False)
        return missing
    certificate, status, events = found
    etag = _verify_etag(request, certificate, status, events, "json")
    modified = _last_modified(certificate, status, events)
    response = _conditional(request, etag, modified)
    if response is None:
        response = JsonResponse(
            certificate_json(certificate, status, events), json_dumps_params={"ensure_ascii": False}
        )
        response["Access-Control-Allow-Origin"] = "*"
        _stamp(response, etag, modified)
    _public_headers(request, response, private_ok=False)
    return response


# --- Badge --------------------------------------------------------------------------------


def _svg_response(svg: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8", status=status)
    response["X-Content-Type-Options"] = "nosniff"
    # An SVG opened directly is a document: it may not run or load anything.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def badge(request: PortalRequest, number: str) -> HttpResponseBase:
    retry_after = rate_limited(request, "badge", _badge_limit())
    if retry_after is not None:
        return _too_many(_svg_response(badge_svg(status=None)), retry_after)
    return _badge_svg(request, number)


@public_page
def _badge_svg(request: PortalRequest, number: str) -> HttpResponseBase:
    certificate = selectors.public_badge_certificate(number)
    if certificate is None:
        unknown = _svg_response(badge_svg(status=None), status=404)
        patch_cache_control(unknown, public=True, max_age=PUBLIC_MAX_AGE)
        return unknown
    status = selectors.effective_status(certificate.status, certificate.valid_until)
    backing = selectors.public_backing(certificate)  # certificate content (issue 16)
    svg = badge_svg(
        status=status,
        valid_until=certificate.valid_until,
        number=certificate.number,
        holder=certificate.holder_name,
        basis_status=backing.status if backing is not None and not backing.backed else None,
    )
    etag = _etag("svg", svg)
    modified = certificate.status_changed_at
    if status != certificate.status:
        modified = max(modified, _expired_since(certificate))
    if backing is not None and backing.changed_at is not None:
        modified = max(modified, backing.changed_at)
    response = _conditional(request, etag, modified)
    if response is None:
        response = _svg_response(svg)
        _stamp(response, etag, modified)
    else:
        response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return response


# --- The registry -------------------------------------------------------------------------


def _filter_form(request: PortalRequest) -> SealFilterForm:
    data = request.GET if any(k in request.GET for k in FILTER_KEYS) else None
    return SealFilterForm(data, country_codes=selectors.public_countries())


@public_page
def registry(request: PortalRequest) -> HttpResponseBase:
    form = _filter_form(request)
    filters = form.filters()
    page = Paginator(selectors.public_certificate_list(filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    backings = selectors.public_backings(page.object_list)  # certificate content (issue 16)
    rows = [
        {
            "certificate": certificate,
            "status": _annotated_status(certificate),
            "status_word": VERDICT.get(_annotated_status(certificate), ""),
            "icon_path": _icon(_annotated_status(certificate)),
            "kind_label": selectors.KIND_LABELS.get(certificate.kind, certificate.kind),
            "country_name": countries.name(certificate.holder_country)
            or certificate.holder_country,
            "group_label": group_label(certificate.holder_group),
            "backing": backings.get(certificate.pk),
        }
        for certificate in page.object_list
    ]
    response = render(
        request,
        "certification/seal/registry.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "rows": rows,
            "csv_url": reverse("certification:seal_csv") + filter_query(request),
            "xlsx_url": reverse("certification:seal_xlsx") + filter_query(request),
            "feed_url": reverse("certification:seal_feed"),
        },
    )
    _public_headers(request, response, private_ok=True)
    return response


def _export_records(rows: Iterable[dict[str, Any]]) -> Iterator[list[Any]]:
    verify_base = _absolute(reverse("certification:verify", args=["NUMBER"]))
    for row in rows:
        version = row["catalogue_version__code"]
        if row["catalogue_version__is_demo"]:
            version = f"{version} (illustrative demo)"
        country = row["holder_country"] or ""
        yield [
            row["number"],
            row["kind"],
            row["effective_status"],
            selectors.status_label(row["effective_status"]),
            row["holder_name"],
            country_name(country),
            country,
            group_label(row["holder_group"]),
            row["holder_group"],
            row["product_name"],
            row["product_version"],
            row["scheme__title_en"],
            version,
            row["issued_on"],
            row["valid_until"],
            row["status_changed_at"],
            verify_base.replace("NUMBER", row["number"]),
            row["organizational_certificate__number"] or row["organizational_grant"] or "",
        ]


def _registry_export(request: PortalRequest, kind: str) -> HttpResponseBase:
    """The filtered registry as CSV (streamed: rows are fetched in chunks as they go out)
    or .xlsx (written row by row)."""
    filters = _filter_form(request).filters()
    response = export_response(
        kind,
        EXPORT_STEM,
        EXPORT_COLUMNS,
        _export_records(selectors.public_certificate_rows(filters)),
        title=_("Certificates"),
    )
    _public_headers(request, response, private_ok=False)
    return response


def registry_csv(request: PortalRequest) -> HttpResponseBase:
    return _registry_export(request, CSV)


def registry_xlsx(request: PortalRequest) -> HttpResponseBase:
    return _registry_export(request, XLSX)


class RegistryFeed(Feed):
    """New and changed certificates, newest first (Atom)."""

    feed_type = Atom1Feed

    def title(self) -> str:
        return _("CPO seal registry: new and changed certificates")

    def subtitle(self) -> str:
        return _(
            "Certificates of the Code of PLM Openness as they are issued, suspended, "
            "reinstated, withdrawn, expire or are superseded."
        )

    def link(self) -> str:
        return reverse("certification:seal")

    def items(self) -> list[CertificateEvent]:
        return selectors.public_feed_events()

    def item_title(self, item: CertificateEvent) -> str:
        certificate = item.certificate
        return f"{certificate.number} · {certificate.holder_name}: {item.label}"

    def item_description(self, item: CertificateEvent) -> str:
        certificate = item.certificate
        parts = [
            str(selectors.KIND_LABELS.get(certificate.kind, certificate.kind)),
            " ".join(p for p in (certificate.product_name, certificate.product_version) if p),
            _("Status: %(status)s") % {"status": selectors.status_label(item.status_after)},
            item.reason,
        ]
        return " · ".join(p for p in parts if p)

    def item_link(self, item: CertificateEvent) -> str:
        return reverse("certification:verify", args=[item.certificate.number])

    def item_guid(self, item: CertificateEvent) -> str:
        return _absolute(
            reverse("certification:verify", args=[item.certificate.number]) + f"#event-{item.pk}"
        )

    def item_pubdate(self, item: CertificateEvent) -> datetime:
        return item.at

    def item_updateddate(self, item: CertificateEvent) -> datetime:
        return item.at


_feed = RegistryFeed()


@public_page
def registry_feed(request: PortalRequest) -> HttpResponse:
    response = _feed(request)
    _public_headers(request, response, private_ok=False)
    return response


# --- The holder's workspace ---------------------------------------------------------------


def workspace_certificates(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    page = Paginator(
        selectors.certificates_of_organization(organization), WORKSPACE_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows = [
        {
            "certificate": certificate,
            "status": _annotated_status(certificate),
            "status_word": VERDICT.get(_annotated_status(certificate), ""),
            "icon_path": _icon(_annotated_status(certificate)),
            "kind_label": selectors.KIND_LABELS.get(certificate.kind, certificate.kind),
        }
        for certificate in page.object_list
    ]
    return render(
        request,
        "certification/seal/workspace_list.html",
        {"organization": organization, "page": page, "rows": rows},
    )


def embed_snippets(certificate: Certificate, status_word: str) -> dict[str, str]:
    """HTML and Markdown to put the live badge, linked to verification, on a website."""
    verify_url = _absolute(reverse("certification:verify", args=[certificate.number]))
    badge_url = _absolute(reverse("certification:seal_badge", args=[certificate.number]))
    alt = _("CPO certificate %(number)s of %(holder)s – verify its status") % {
        "number": certificate.number,
        "holder": certificate.holder_name,
    }
    markdown_alt = alt.replace("[", "(").replace("]", ")")
    return {
        "verify_url": verify_url,
        "badge_url": badge_url,
        "html": f'<a href="{escape(verify_url)}"><img src="{escape(badge_url)}" '
        f'alt="{escape(alt)}"></a>',
        "markdown": f"[![{markdown_alt}]({badge_url})]({verify_url})",
    }


def workspace_certificate(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    organization = request.organization
    certificate = selectors.certificate_of_organization(organization, pk)
    if certificate is None:
        raise Http404
    status = selectors.effective_status(certificate.status, certificate.valid_until)
    document = selectors.certificate_document_of_organization(organization, certificate)
    status_word = str(VERDICT.get(status, status))
    recertification = next(
        iter(recertifications_of_organization(organization, certificate=certificate)), None
    )
    return render(
        request,
        "certification/seal/workspace_detail.html",
        {
            "organization": organization,
            "certificate": certificate,
            "status": status,
            "status_word": status_word,
            "status_text": VERDICT_TEXT.get(status, ""),
            "icon_path": _icon(status),
            "kind_label": selectors.KIND_LABELS.get(certificate.kind, certificate.kind),
            "document": document,
            "document_ready": bool(document and document.is_ready),
            "snippets": embed_snippets(certificate, status_word),
            "badge_path": reverse("certification:seal_badge", args=[certificate.number]),
            "predecessor_number": _related_number(certificate, "predecessor"),
            "successor_number": _related_number(certificate, "successor"),
            "recertification": recertification,
            "is_admin": request.membership.is_admin,
            "backing": selectors.public_backing(certificate),  # certificate content (issue 16)
        },
    )


# --- Verify by file (signatures): /verify/ -----------------------------------------------
# A visitor drops a certificate PDF. Without JavaScript the file is posted and checked here
# (SHA-256 and the PAdES signature, in memory: never stored); with JavaScript the browser
# computes the SHA-256 itself and only the hash is sent (GET ?sha256=…).

CURRENT = "current"  # the current PDF of a valid certificate
NOT_CURRENT = "not_current"  # genuine, but the certificate is not valid (or an older PDF)
MODIFIED = "modified"  # our signature, but the file changed after signing
NOT_OURS = "not_ours"  # neither a PDF we store nor signed by us
UNKNOWN_HASH = "unknown_hash"  # hash-only: no current certificate PDF has this hash


class _InMemoryPdfUpload(FileUploadHandler):
    """Keep the upload in memory, refusing it beyond the size limit: nothing on disk."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = BytesIO()
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if self.buffer.tell() + len(raw_data) > VERIFY_FILE_MAX_BYTES:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            self.buffer, self.field_name, self.file_name, self.content_type, file_size, None
        )


@dataclass(frozen=True)
class FileVerdict:
    outcome: str
    mode: str  # "upload" (checked on the server) or "hash" (computed by the browser)
    sha256: str
    certificate: Certificate | None = None
    status: str = ""
    earlier: bool = False  # a valid signature of ours, but not the certificate's current PDF
    timestamped: bool = False


def _verdict_of_hash(sha256: str, mode: str) -> FileVerdict | None:
    certificate = selectors.public_certificate_by_file_hash(sha256)
    if certificate is None:
        return None
    status = selectors.effective_status(certificate.status, certificate.valid_until)
    earlier = getattr(certificate, "document_sha256", "") != sha256
    outcome = CURRENT if status == C.ACTIVE and not earlier else NOT_CURRENT
    return FileVerdict(outcome, mode, sha256, certificate, status, earlier=earlier)


def _verdict_of_file(pdf: bytes) -> FileVerdict:
    sha256 = hashlib.sha256(pdf).hexdigest()
    known = _verdict_of_hash(sha256, "upload")
    if known is not None:
        return known
    checked = check_pdf_signature(pdf)
    if not checked.ours:
        return FileVerdict(NOT_OURS, "upload", sha256)
    if not checked.intact:
        return FileVerdict(MODIFIED, "upload", sha256)
    certificate = selectors.public_certificate(checked.number) if checked.number else None
    if certificate is None:  # signed by us, but no certificate we issued: not a certificate
        return FileVerdict(NOT_OURS, "upload", sha256)
    status = selectors.effective_status(certificate.status, certificate.valid_until)
    return FileVerdict(
        NOT_CURRENT,
        "upload",
        sha256,
        certificate,
        status,
        earlier=True,
        timestamped=checked.timestamped,
    )


@csrf_exempt  # protected below: the upload handler must be set before the body is read
def verify_file(request: PortalRequest) -> HttpResponseBase:
    if request.method == "POST":
        request.upload_handlers = [_InMemoryPdfUpload(request)]
    return _verify_file(request)


@csrf_protect
def _verify_file(request: PortalRequest) -> HttpResponseBase:
    verdict: FileVerdict | None = None
    upload_form = VerifyFileForm()
    hash_form = VerifyHashForm()
    status = 200
    if request.method == "POST" or "sha256" in request.GET:
        retry_after = rate_limited(request, "verify", _verify_limit())
        if retry_after is not None:
            return _rate_limited_page(request, retry_after)
    if request.method == "POST":
        handler = request.upload_handlers[0]
        upload_form = VerifyFileForm(request.POST, request.FILES)
        if getattr(handler, "too_large", False):
            upload_form.add_error(None, _("The file is larger than 10 MB."))
            status = 400
        elif upload_form.is_valid():
            verdict = _verdict_of_file(upload_form.cleaned_data["file"])
        else:
            status = 400
    elif "sha256" in request.GET:
        hash_form = VerifyHashForm(request.GET)
        if hash_form.is_valid():
            sha256 = hash_form.cleaned_data["sha256"]
            verdict = _verdict_of_hash(sha256, "hash") or FileVerdict(UNKNOWN_HASH, "hash", sha256)
        else:
            status = 400
    certificate = verdict.certificate if verdict else None
    response = render(
        request,
        "certification/seal/verify_file.html",
        {
            "verdict": verdict,
            "upload_form": upload_form,
            "hash_form": hash_form,
            "certificate": certificate,
            "status_word": VERDICT.get(verdict.status, verdict.status) if verdict else "",
            "status_text": VERDICT_TEXT.get(verdict.status, "") if verdict else "",
            "kind_label": selectors.KIND_LABELS.get(certificate.kind, certificate.kind)
            if certificate
            else "",
            "max_mb": VERIFY_FILE_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )
    # An answer about one file is nobody else's business: not cached anywhere.
    patch_cache_control(response, private=True, no_store=True)
    return response
