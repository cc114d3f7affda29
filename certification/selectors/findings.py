"""Reads of findings: one finding of a case, the case's findings, a finding's criteria,
evidence and step history (who, when, the text of each step), and the people of the
company who took part in the audit (for the report: names only)."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django_scopes import scope

from cpo_portal.accounts.models import User
from criteria.models import AssessmentCriterion

from ..models import (
    Application,
    AuditPlan,
    Evidence,
    Finding,
    FindingStep,
    FindingStepKind,
    SelfAssessmentAnswer,
)


def finding_of_application(application: Application, pk: Any) -> Finding | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    with scope(organization=application.organization):
        finding = (
            Finding.objects.filter(application=application, pk=pk)
            .select_related("raised_by", "answered_by", "closed_by")
            .first()
        )
    if finding is not None:
        finding.application = application
    return finding


def findings_of(application: Application) -> list[Finding]:
    """The findings of the case with the codes of their criteria (2 queries)."""
    with scope(organization=application.organization):
        return list(
            Finding.objects.filter(application=application)
            .prefetch_related(
                Prefetch("criteria", queryset=AssessmentCriterion.objects.only("pk", "code"))
            )
            .order_by("raised_at", "pk")
        )


def finding_criteria(finding: Finding) -> list[AssessmentCriterion]:
    """The criteria a finding is about, in catalogue order (inside the organization's scope)."""
    return list(finding.criteria.order_by("area__position", "position"))


def finding_evidence(finding: Finding) -> list[Evidence]:
    """The evidence added to a finding, oldest first (inside the organization's scope)."""
    return list(finding.evidence.select_related("uploaded_by").order_by("uploaded_at"))


def finding_steps(finding: Finding) -> list[FindingStep]:
    """The finding's history, oldest step first, with who took each step (1 query)."""
    with scope(organization=finding.application.organization):
        return list(
            FindingStep.objects.filter(finding=finding).select_related("by").order_by("at", "pk")
        )


def findings_with_steps(application: Application, findings: Iterable[Finding]) -> None:
    """Attach each finding's steps (with their persons) to `finding.steps.all()`, in one
    query for all findings (the audit report)."""
    with scope(organization=application.organization):
        prefetch_related_objects(
            list(findings),
            Prefetch(
                "steps",
                queryset=FindingStep.objects.select_related("by").order_by("at", "pk"),
            ),
        )


def company_participants(application: Application) -> list[str]:
    """The company's people who took part: who answered the self-assessment, confirmed the
    audit plan or answered a finding — their public names, never their e-mail addresses
    (3 queries and 1 for the people)."""
    with scope(organization=application.organization):
        ids: set[int] = set()
        ids.update(
            SelfAssessmentAnswer.objects.filter(application=application)
            .exclude(updated_by=None)
            .values_list("updated_by", flat=True)
        )
        ids.update(
            AuditPlan.objects.filter(application=application)
            .exclude(confirmed_by=None)
            .values_list("confirmed_by", flat=True)
        )
        ids.update(
            FindingStep.objects.filter(
                finding__application=application, step=FindingStepKind.ANSWERED
            )
            .exclude(by=None)
            .values_list("by", flat=True)
        )
    people = User.objects.filter(pk__in=ids)
    return sorted({person.public_name for person in people})
