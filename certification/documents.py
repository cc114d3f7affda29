"""Document kinds of certification: the audit report PDF."""

from typing import Any

from django_countries.fields import Country
from django_scopes import scope

from cpo_portal.documents.models import Document
from cpo_portal.documents.registry import DocumentKind, register

from .duration import audit_duration
from .models import Application, Certificate
from .selectors.auditors import assignments_of
from .selectors.audits import (
    AUDIT_REPORT_KIND,
    application_sheet,
    audit_for_auditor,
    past_audit_for_auditor,
)
from .selectors.certificates import certificate_content_context
from .selectors.clarifications import clarification_threads
from .selectors.findings import company_participants, findings_with_steps
from .selectors.plans import IN_FORCE, plans_of
from .selectors.seal import CERTIFICATE_DOCUMENT_KIND
from .signing import sign_certificate_pdf


def _report_context(document: Document) -> dict[str, Any]:
    with scope(organization=document.organization):
        application = Application.objects.select_related(
            "organization", "scheme__version", "report_submitted_by"
        ).get(pk=document.owner_id)
    sheet = application_sheet(application)
    return {
        "application": application,
        "organization": application.organization,
        "sheet": sheet,
        "result": sheet.result,
        "assignments": assignments_of(application),
        **_plan_context(application, area_count=len(sheet.blocks)),
        **_findings_context(application, sheet.findings),
        "clarifications": clarification_threads(application),  # clarifications: the threads
    }


def _findings_context(application: Application, findings: list[Any]) -> dict[str, Any]:
    """Findings in steps (findings): each finding's full history, and the company's people
    who took part (names only)."""
    findings_with_steps(application, findings)
    return {"company_participants": company_participants(application)}


def _plan_context(application: Application, *, area_count: int) -> dict[str, Any]:
    """Evaluation planning (plans): the plan in force with its rule, the earlier versions,
    the client's confirmation and the objections with their outcome."""
    versions = plans_of(application)
    in_force = next((p for p in versions if p.status in IN_FORCE), None)
    return {
        "plan": in_force,
        "plan_rule": audit_duration(
            scheme_kind=application.kind, site_count=in_force.site_count, area_count=area_count
        )
        if in_force
        else None,
        "plan_versions": versions,
        "plan_objections": sorted(
            (o for p in versions for o in p.objections.all()), key=lambda o: (o.raised_at, o.pk)
        ),
    }


def _assigned_auditor(user: Any, document: Document) -> bool:
    return (
        audit_for_auditor(user, document.owner_id) is not None
        or past_audit_for_auditor(user, document.owner_id) is not None
    )


register(
    DocumentKind(
        name=AUDIT_REPORT_KIND,
        template="certification/audits/pdf/audit_report.html",
        build_context=_report_context,
        # The company (members) and the office read it; so do its auditors, while assigned
        # and afterwards (their own report, once the case is over).
        extra_access=_assigned_auditor,
    )
)


def _certificate_context(document: Document) -> dict[str, Any]:
    with scope(organization=document.organization):
        certificate = Certificate.objects.select_related(
            "organization",
            "scheme",
            "catalogue_version",
            "application__decided_by",
            "predecessor",
            "organizational_certificate",
        ).get(pk=document.owner_id)
    return _certificate_page_context(certificate)


# Longer scopes move to an annex page (about six lines in the certificate's table).
SCOPE_ON_PAGE_MAX_CHARS = 480


def _certificate_page_context(certificate: Certificate) -> dict[str, Any]:
    # segno (the QR code) is loaded when a certificate is rendered, not with every process.
    from .qr import qr_svg, verify_url

    url = verify_url(certificate.number)
    return {
        "certificate": certificate,
        "application": certificate.application,
        # Country.name is translated when read: each page shows it in its own language.
        "country": Country(code=certificate.holder_country),
        "verify_url": url,
        "qr_svg": qr_svg(url),
        # A long scope gets an annex page (per language), so that the certificate page
        # keeps its layout.
        "scope_in_annex": max(
            len(certificate.scope_description), len(certificate.scope_description_de)
        )
        > SCOPE_ON_PAGE_MAX_CHARS,
        # Certificate content (issue 16): the body, the certifier, the organizational basis.
        **certificate_content_context(certificate),
        # One document, one page per language: English first, German second.
        "page_languages": ("en", "de"),
    }


register(
    DocumentKind(
        name=CERTIFICATE_DOCUMENT_KIND,
        template="certification/certificates/pdf/certificate.html",
        build_context=_certificate_context,
        # PAdES signature; importing .signing also registers its deploy check.
        finish=sign_certificate_pdf,
    )
)
