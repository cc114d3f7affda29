"""Reads of the self-assessment's evidence: who may download a file, and one item of a case."""

from typing import Any

from django.db.models import OuterRef
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.roles import is_office
from cpo_portal.tenancy.selectors import membership_for
from criteria.models import AssessmentCriterion

from ..models import (
    AUDITOR_STATES,
    Application,
    AssignmentStatus,
    AuditorAssignment,
    Evidence,
    SelfAssessmentAnswer,
    SelfStatus,
)
from .auditors import independence_lost


def evidence_for_user(user: Any, pk: Any) -> Evidence | None:
    """Evidence the user may download: members of the organization, auditors while
    actively assigned, the office. Anyone else gets None (a 404, never a hint)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not user.is_authenticated:
        return None
    with scopes_disabled():
        evidence = (
            Evidence.objects.select_related("application__organization").filter(pk=pk).first()
        )
        if evidence is None:
            return None
        application = evidence.application
        if is_office(user):
            return evidence
        if membership_for(organization=application.organization, user=user) is not None:
            return evidence
        assigned = (
            AuditorAssignment.objects.filter(
                application=application,
                auditor__user=user,
                auditor__is_active=True,
                status=AssignmentStatus.ACTIVE,
                application__status__in=AUDITOR_STATES,
            )
            .exclude(independence_lost(user, OuterRef("application__organization")))
            .exists()
        )
    return evidence if assigned else None


def evidence_of_application(application: Application, pk: Any) -> Evidence | None:
    """Evidence of this application only: an id from elsewhere is None."""
    with scope(organization=application.organization):
        return (
            Evidence.objects.filter(application=application, pk=pk)
            .select_related("application__organization")
            .first()
        )


# --- Evidence required -----------------------------------------------------------------------


def criteria_lacking_evidence(application: Application) -> list[AssessmentCriterion]:
    """The answered criteria that require evidence and have neither evidence nor a stated
    reason (a not-applicable answer needs none; an unanswered criterion claims nothing):
    what blocks the submission and what the page lists. Two queries."""
    with scope(organization=application.organization):
        with_evidence = Evidence.objects.filter(
            application=application, criterion__isnull=False
        ).values("criterion_id")
        answers = (
            SelfAssessmentAnswer.objects.filter(
                application=application, criterion__evidence_required=True, no_evidence_reason=""
            )
            .exclude(status=SelfStatus.NOT_APPLICABLE)
            .exclude(criterion_id__in=with_evidence)
            .select_related("criterion")
            .order_by("criterion__area__position", "criterion__position", "criterion__code")
        )
        return [answer.criterion for answer in answers]
