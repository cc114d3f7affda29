"""Helpers for the certificate lifecycle tests (views and API): certificates issued through
the real grant decision, the whole audit path for any application, and bulk certificates
for query-count tests."""

from datetime import date, timedelta

from django.utils import timezone
from django_scopes import scopes_disabled

from certification import services
from certification.models import Application, Certificate
from criteria.models import AssessmentScheme, SchemeKind
from tests.certification.conftest import WINDOW, answer_all, new_application, score_all

TODAY = timezone.localdate()


def refreshed(instance):
    with scopes_disabled():
        instance.refresh_from_db()
    return instance


def certificate_of(application):
    with scopes_disabled():
        return Certificate.objects.select_related("organization").get(application=application)


def decide(application, office, decision="grant"):
    return services.application_decide(
        application=application, decision=decision, rationale="As the report shows.", by=office
    )


def audit_to_report(application, *, company_user, auditor, auditor_user, office, grant=True):
    """From submitted or accepted to report_submitted, through the services."""
    application = refreshed(application)
    if application.status == "draft":
        services.application_submit(application=application, by=company_user)
        application = refreshed(application)
    if application.status == "submitted":
        services.application_accept(application=application, by=office)
    services.auditor_assign(application=application, auditor=auditor, role="lead", by=office)
    application = refreshed(application)
    answer_all(application, company_user)
    services.self_assessment_submit(application=application, by=company_user)
    application = refreshed(application)
    score_all(application, auditor_user)
    services.report_submit(
        application=application,
        recommendation="grant" if grant else "deny",
        summary="As scored.",
        by=auditor_user,
    )
    return refreshed(application)


def product_certificate(organization, *, alice, lead, auditor_user, office, decider):
    """A product certificate of the organization (it needs its organizational one first)."""
    application = new_application(organization, alice, kind=SchemeKind.PRODUCT)
    application = audit_to_report(
        application, company_user=alice, auditor=lead, auditor_user=auditor_user, office=office
    )
    decide(application, decider)
    return certificate_of(application)


def set_fields(certificate, **fields):
    with scopes_disabled():
        Certificate.objects.filter(pk=certificate.pk).update(**fields)
        certificate.refresh_from_db()
    return certificate


def make_certificates(organization, catalogue, count, *, kind=SchemeKind.ORGANIZATIONAL, **extra):
    """`count` certificates straight into the database (bulk, for query-count tests)."""
    start = extra.pop("start", 1)
    scheme = AssessmentScheme.objects.get(version=catalogue, kind=kind)
    prefix = "O" if kind == SchemeKind.ORGANIZATIONAL else "P"
    with scopes_disabled():
        applications = Application.objects.bulk_create(
            [
                Application(
                    organization=organization,
                    kind=kind,
                    scheme=scheme,
                    status="decided",
                    scope_description="Whole company",
                    window_start=date(2025, 1, 1),
                    window_end=date(2025, 1, 31),
                )
                for _ in range(count)
            ]
        )
        values = {
            "holder_name": organization.legal_name,
            "holder_country": str(organization.country),
            "holder_group": "it_vendor",
            "scope_description": "Whole company",
            "issued_on": TODAY - timedelta(days=30),
            "valid_until": TODAY + timedelta(days=1000),
            "status": "active",
            "status_changed_at": timezone.now(),
        } | extra
        return Certificate.objects.bulk_create(
            [
                Certificate(
                    number=f"CPO-{prefix}-2025-{start + i:04d}",
                    kind=kind,
                    organization=organization,
                    application=application,
                    scheme=scheme,
                    catalogue_version=catalogue,
                    **values,
                )
                for i, application in enumerate(applications)
            ]
        )


__all__ = ["WINDOW"]
