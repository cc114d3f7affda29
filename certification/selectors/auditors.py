"""Reads of auditors: who audits a case, their independence, the office's choice of auditors
and its list of them."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, Exists, Prefetch, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import Auditor
from cpo_portal.tenancy.models import Membership, Organization
from cpo_portal.tenancy.selectors import membership_for

from ..models import (
    AUDITOR_STATES,
    Application,
    AssignmentRole,
    AssignmentStatus,
    AuditorAssignment,
    AuditorConflict,
    AuditorQualification,
)


def assignments_of(
    application: Application, *, active_only: bool = False
) -> list[AuditorAssignment]:
    with scope(organization=application.organization):
        qs = application.assignments.select_related("auditor__user", "assigned_by")
        if active_only:
            qs = qs.filter(status=AssignmentStatus.ACTIVE)
        # The lead first ("co" sorts before "lead" alphabetically).
        lead_first = Case(When(role=AssignmentRole.LEAD, then=0), default=1)
        return list(qs.order_by(lead_first, "assigned_at", "pk"))


def independence_lost(user: Any, organization: Any) -> Q:
    """Where `user` belongs to, or declared a conflict in force with, `organization` (an
    OuterRef or an Organization): they may not audit it, whatever the assignment says.
    Build it with scopes disabled; it adds two subqueries, not a query."""
    today = timezone.now().date()
    member = Membership.objects.filter(organization=organization, user=user)
    conflict = AuditorConflict.objects.filter(auditor__user=user, organization=organization).filter(
        Q(until__isnull=True) | Q(until__gte=today)
    )
    return Q(Exists(member)) | Q(Exists(conflict))


def assignment_of_auditor(user: Any, application: Application) -> AuditorAssignment | None:
    with scope(organization=application.organization):
        return (
            AuditorAssignment.objects.filter(
                application=application, auditor__user=user, status=AssignmentStatus.ACTIVE
            )
            .select_related("auditor")
            .first()
        )


@dataclass
class AuditorOption:
    auditor: Auditor
    qualified: bool
    conflict: str | None
    active: bool = True

    @property
    def eligible(self) -> bool:
        return self.active and self.qualified and self.conflict is None


def auditor_options(
    application: Application, *, include_inactive: bool = False
) -> list[AuditorOption]:
    """Every active auditor with whether they may audit this application (and why not);
    `include_inactive`: the deactivated ones too, for the office to see why they are not
    offered."""
    today = timezone.now().date()
    auditors = Auditor.objects.select_related("user").order_by("user__full_name", "user__email")
    if not include_inactive:
        auditors = auditors.filter(is_active=True, user__is_active=True)
    qualified = set(
        AuditorQualification.objects.filter(scheme_kind=application.kind)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .values_list("auditor_id", flat=True)
    )
    declared = set(
        AuditorConflict.objects.filter(organization=application.organization)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .values_list("auditor_id", flat=True)
    )
    with scopes_disabled():
        members = set(
            Membership.objects.filter(organization=application.organization).values_list(
                "user_id", flat=True
            )
        )
    options = []
    for auditor in auditors:
        conflict = None
        if auditor.pk in declared:
            conflict = "declared"
        elif auditor.user_id in members:
            conflict = "member"
        active = auditor.is_active and auditor.user.is_active
        options.append(AuditorOption(auditor, auditor.pk in qualified, conflict, active))
    return options


def auditors_for_office() -> QuerySet[Auditor]:
    """Every auditor with qualifications, declared conflicts and active assignment count."""
    return (
        Auditor.objects.select_related("user")
        .prefetch_related(
            "qualifications",
            Prefetch(
                "conflicts",
                queryset=AuditorConflict.objects.select_related("organization").order_by(
                    "-declared_at"
                ),
            ),
        )
        .annotate(
            active_assignments=Count(
                "assignments",
                filter=Q(assignments__status=AssignmentStatus.ACTIVE)
                & Q(assignments__application__status__in=AUDITOR_STATES),
                distinct=True,
            )
        )
        .order_by("-is_active", "user__full_name", "user__email")
    )


def active_auditor(pk: Any) -> Auditor | None:
    """An active auditor the office may assign, by id; None for anything else."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        Auditor.objects.filter(pk=pk, is_active=True, user__is_active=True)
        .select_related("user")
        .first()
    )


def conflict_reason(auditor: Auditor, organization: Organization) -> str | None:
    """Why this auditor may not audit this organization, or None."""
    today = timezone.now().date()
    declared = AuditorConflict.objects.filter(auditor=auditor, organization=organization).filter(
        Q(until__isnull=True) | Q(until__gte=today)
    )
    if declared.exists():
        return _("%(auditor)s declared a conflict of interest with %(org)s.") % {
            "auditor": auditor,
            "org": organization,
        }
    if membership_for(organization=organization, user=auditor.user) is not None:
        return _("%(auditor)s is a member of %(org)s.") % {"auditor": auditor, "org": organization}
    return None


def is_qualified(auditor: Auditor, scheme_kind: str) -> bool:
    today = timezone.now().date()
    return (
        AuditorQualification.objects.filter(auditor=auditor, scheme_kind=scheme_kind)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .exists()
    )


def conflicts_of_auditor(auditor: Auditor) -> list[AuditorConflict]:
    """The auditor's declared conflicts of interest, the latest first (one query)."""
    return list(
        AuditorConflict.objects.filter(auditor=auditor)
        .select_related("organization")
        .order_by("-declared_at", "-pk")
    )


def conflict_of_auditor(user: Any, pk: Any) -> AuditorConflict | None:
    """One of the user's own conflict declarations; anyone else's is None."""
    return (
        AuditorConflict.objects.filter(pk=pk, auditor__user=user)
        .select_related("auditor", "organization")
        .first()
    )
