"""Reads of audit plans and the company's objections to auditors."""

from datetime import date
from typing import Any

from django.db.models import F, Prefetch, QuerySet
from django.utils.translation import gettext
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import Auditor

from ..models import (
    Application,
    AuditorObjection,
    AuditPlan,
    AuditPlanItem,
    Deadline,
    ObjectionStatus,
    PlanStatus,
)

# The plan the case runs on: sent to the company, or confirmed by it.
IN_FORCE = (PlanStatus.SENT, PlanStatus.CONFIRMED)


def upheld_objection_against(application: Application, auditor: Auditor) -> AuditorObjection | None:
    """The company's upheld objection to this auditor in this case: they are not assigned
    to it again."""
    with scope(organization=application.organization):
        return (
            AuditorObjection.objects.filter(
                plan__application=application,
                assignment__auditor=auditor,
                status=ObjectionStatus.UPHELD,
            )
            .order_by("-decided_at")
            .first()
        )


# The agenda as read: by day, the rows with a time in their order, then the others as the
# planner listed them (NULLs sort differently in SQLite and PostgreSQL: said explicitly).
AGENDA_ORDER = ("date", F("start_time").asc(nulls_last=True), "position", "pk")


def _items() -> Prefetch:
    return Prefetch(
        "items",
        queryset=AuditPlanItem.objects.select_related("area", "auditor__user").order_by(
            *AGENDA_ORDER
        ),
    )


def _objections() -> Prefetch:
    return Prefetch(
        "objections",
        queryset=AuditorObjection.objects.select_related(
            "assignment__auditor__user", "raised_by", "decided_by"
        ).order_by("raised_at", "pk"),
    )


def _plans(application: Application) -> QuerySet[AuditPlan]:
    return (
        AuditPlan.objects.filter(application=application)
        .select_related("created_by", "updated_by", "sent_by", "confirmed_by")
        .prefetch_related(_items(), _objections())
    )


def plan_of(application: Application) -> AuditPlan | None:
    """The plan in force: the latest sent (or confirmed) version, or None."""
    with scope(organization=application.organization):
        return _plans(application).filter(status__in=IN_FORCE).order_by("-number").first()


def draft_plan_of(application: Application) -> AuditPlan | None:
    """The draft being prepared (at most one per case), or None."""
    with scope(organization=application.organization):
        return _plans(application).filter(status=PlanStatus.DRAFT).first()


def plans_of(application: Application, *, with_draft: bool = False) -> list[AuditPlan]:
    """Every version of the case's plan, the latest first, with agenda and objections (the
    draft only for those who prepare it)."""
    with scope(organization=application.organization):
        plans = _plans(application).order_by("-number")
        if not with_draft:
            plans = plans.exclude(status=PlanStatus.DRAFT)
        return list(plans)


def plan_version_of(application: Application, number: Any) -> AuditPlan | None:
    """One sent version of the case's plan by its number; a draft or anything else: None."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        return None
    with scope(organization=application.organization):
        return _plans(application).exclude(status=PlanStatus.DRAFT).filter(number=number).first()


def pending_objections_of(application: Application) -> list[AuditorObjection]:
    with scope(organization=application.organization):
        return list(
            AuditorObjection.objects.filter(
                plan__application=application, status=ObjectionStatus.PENDING
            )
            .select_related("assignment__auditor__user", "plan", "raised_by")
            .order_by("raised_at", "pk")
        )


def has_pending_objection(application: Application) -> bool:
    with scope(organization=application.organization):
        return AuditorObjection.objects.filter(
            plan__application=application, status=ObjectionStatus.PENDING
        ).exists()


def objection_of_application(application: Application, pk: Any) -> AuditorObjection | None:
    """One objection raised in this case, by id; anything else: None."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    with scope(organization=application.organization):
        return (
            AuditorObjection.objects.filter(pk=pk, plan__application=application)
            .select_related("plan", "assignment__auditor__user", "raised_by", "decided_by")
            .first()
        )


def objection_due_on(application: Application, objection: AuditorObjection) -> date | None:
    """When the office's decision on a pending objection is due (its open deadline)."""
    with scope(organization=application.organization):
        deadline = (
            Deadline.objects.filter(objection=objection, closed_at__isnull=True)
            .order_by("due_on")
            .first()
        )
    return deadline.due_on if deadline else None


def office_objection_queue() -> QuerySet[AuditorObjection]:
    """Objections awaiting the office's decision, the oldest first (for the queues)."""
    with scopes_disabled():
        return (
            AuditorObjection.objects.filter(status=ObjectionStatus.PENDING)
            .select_related(
                "plan__application__organization",
                "assignment__auditor__user",
                "raised_by",
            )
            .order_by("raised_at", "pk")
        )


def member_name(member: dict[str, Any]) -> str:
    """How a plan's recorded team names one auditor: the name as sent, or "Former member"
    once the person's data was erased on their request (certification/personal_data.py)."""
    if member.get("erased"):
        return gettext("Former member")
    return str(member.get("name", ""))
