"""Reads of applications: the organization's own, the office's queue and record, and the
organizational certifications the office recorded by hand."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from cpo_portal.tenancy.models import Organization
from criteria.models import SchemeKind

from ..models import (
    REVIEW_ACTIONS,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    AssignmentStatus,
    AuditorAssignment,
    Certificate,
    CertificateStatus,
    OrganizationalGrant,
)

# --- The organization --------------------------------------------------------------------


def has_valid_organizational_certification(organization: Organization) -> bool:
    """An active organizational certificate, or one the office recorded by hand."""
    today = timezone.localdate()
    with scope(organization=organization):
        if OrganizationalGrant.objects.filter(
            organization=organization, revoked_at__isnull=True, valid_until__gte=today
        ).exists():
            return True
        return Certificate.objects.filter(
            organization=organization,
            kind=SchemeKind.ORGANIZATIONAL,
            status=CertificateStatus.ACTIVE,
            valid_until__gte=today,
        ).exists()


def applications_of_organization(organization: Organization) -> QuerySet[Application]:
    with scope(organization=organization):
        return (
            Application.objects.filter(organization=organization)
            .select_related("scheme__version")
            .order_by("-created_at", "-pk")
        )


def application_of_organization(organization: Organization, pk: Any) -> Application | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    with scope(organization=organization):
        return (
            Application.objects.filter(organization=organization, pk=pk)
            .select_related("organization", "scheme__version", "decided_by", "report_submitted_by")
            .first()
        )


def events_of(application: Application) -> list[ApplicationEvent]:
    with scope(organization=application.organization):
        return list(application.events.select_related("by").order_by("at", "pk"))


# --- The office --------------------------------------------------------------------------


@dataclass
class OfficeFilter:
    status: str = ""
    kind: str = ""
    q: str = ""


def applications_for_office(filters: OfficeFilter | None = None) -> QuerySet[Application]:
    filters = filters or OfficeFilter()
    with scopes_disabled():
        qs = Application.objects.exclude(status=ApplicationStatus.DRAFT).select_related(
            "organization", "scheme__version"
        )
        if filters.status in ApplicationStatus.values:
            qs = qs.filter(status=filters.status)
        if filters.kind in SchemeKind.values:
            qs = qs.filter(kind=filters.kind)
        q = filters.q.strip()[:100]
        if q:
            qs = qs.filter(
                Q(organization__display_name__icontains=q)
                | Q(organization__legal_name__icontains=q)
                | Q(product_name__icontains=q)
            )
        return qs.order_by("-submitted_at", "-pk")


def review_actions_offered(application: Application) -> list[str]:
    """The review steps the office's record page offers now: those the state machine has
    from the application's status (accept and return a submitted one; reject also one
    returned for completion). The services remain the authority on what is allowed."""
    return [action for action in REVIEW_ACTIONS if application.allows(action)]


def application_for_office(pk: Any) -> Application | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    with scopes_disabled():
        return (
            Application.objects.exclude(status=ApplicationStatus.DRAFT)
            .filter(pk=pk)
            .select_related("organization", "scheme__version", "decided_by", "report_submitted_by")
            .first()
        )


def application_counts_for_office() -> dict[str, int]:
    """How many applications the office sees in each status (one query)."""
    with scopes_disabled():
        rows = (
            Application.objects.exclude(status=ApplicationStatus.DRAFT)
            .order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        return dict(rows)


def grants_for_office() -> QuerySet[OrganizationalGrant]:
    """Every organizational certification the office recorded, for all organizations."""
    with scopes_disabled():
        return OrganizationalGrant.objects.select_related("organization", "recorded_by").order_by(
            "-recorded_at", "-pk"
        )


def active_assignments_prefetch() -> Prefetch:
    """Prefetch an application's active assignments (with their auditors) into
    `active_assignments`, lead first."""
    with scopes_disabled():
        return Prefetch(
            "assignments",
            queryset=AuditorAssignment.objects.filter(status=AssignmentStatus.ACTIVE)
            .select_related("auditor__user")
            .order_by("role", "assigned_at"),
            to_attr="active_assignments",
        )
