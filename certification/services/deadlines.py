"""Deadlines: every waiting step of a case has a due date from the office's policy.

A step opens a Deadline when it begins and closes it when it is done; the application's
steps follow its status (`deadlines_follow_status`, called by `application_transition`), the
others (a finding's answer, an objection's decision, a new agreement version) are opened and
closed by their own services. The daily job (`deadlines_remind`, below) reminds whoever must
act before and on the due date and tells the office once a step is overdue.
"""

from datetime import date, timedelta

from django.utils import timezone
from django_scopes import scope

from cpo_portal.tenancy.models import Organization

from ..models import (
    AgreementVersion,
    Application,
    ApplicationStatus,
    AuditorObjection,
    CertificationPolicy,
    Deadline,
    DeadlineKind,
    Finding,
)

S = ApplicationStatus

# The step an application waits for in each status, and the policy field giving its days.
STATUS_DEADLINE: dict[str, DeadlineKind] = {
    S.AUDITOR_ASSIGNED: DeadlineKind.SELF_ASSESSMENT,
    S.SELF_ASSESSMENT: DeadlineKind.SELF_ASSESSMENT,
    S.AUDIT: DeadlineKind.AUDIT_REPORT,
    S.CORRECTIVE_ACTIONS: DeadlineKind.AUDIT_REPORT,
    S.REPORT_SUBMITTED: DeadlineKind.DECISION,
}
POLICY_DAYS: dict[DeadlineKind, str] = {
    DeadlineKind.SELF_ASSESSMENT: "self_assessment_days",
    DeadlineKind.FINDING_ANSWER: "finding_answer_days",
    DeadlineKind.AUDIT_REPORT: "audit_report_days",
    DeadlineKind.DECISION: "decision_days",
    DeadlineKind.OBJECTION: "objection_decision_days",
    DeadlineKind.AGREEMENT: "agreement_acceptance_days",
}


def policy_due_on(kind: DeadlineKind | str, *, start: date | None = None) -> date:
    """The due date of a step beginning on `start` (today), by the office's policy."""
    policy, _created = CertificationPolicy.objects.get_or_create(pk=1)
    days = getattr(policy, POLICY_DAYS[DeadlineKind(kind)])
    return (start or timezone.localdate()) + timedelta(days=days)


def _open_of(
    kind: str,
    organization: Organization,
    *,
    application: Application | None = None,
    finding: Finding | None = None,
    objection: AuditorObjection | None = None,
    agreement: AgreementVersion | None = None,
) -> list[Deadline]:
    with scope(organization=organization):
        return list(
            Deadline.objects.filter(
                kind=kind,
                organization=organization,
                application=application,
                finding=finding,
                objection=objection,
                agreement=agreement,
                closed_at__isnull=True,
            ).order_by("pk")
        )


def deadline_open(
    *,
    kind: DeadlineKind | str,
    organization: Organization,
    application: Application | None = None,
    finding: Finding | None = None,
    objection: AuditorObjection | None = None,
    agreement: AgreementVersion | None = None,
    due_on: date | None = None,
) -> Deadline:
    """Open the step's deadline (due by the policy unless given); an open one is kept as it
    is, so calling twice changes nothing. Call inside the transaction of the step."""
    kind = DeadlineKind(kind)
    links = {
        "application": application,
        "finding": finding,
        "objection": objection,
        "agreement": agreement,
    }
    existing = _open_of(kind, organization, **links)
    if existing:
        return existing[0]
    with scope(organization=organization):
        return Deadline.objects.create(
            kind=kind,
            organization=organization,
            opened_at=timezone.now(),
            due_on=due_on or policy_due_on(kind),
            **links,
        )


def deadline_close(
    *,
    kind: DeadlineKind | str,
    organization: Organization,
    application: Application | None = None,
    finding: Finding | None = None,
    objection: AuditorObjection | None = None,
    agreement: AgreementVersion | None = None,
) -> int:
    """The step is done (or no longer needed): its open deadline closes. Returns how many."""
    deadlines = _open_of(
        DeadlineKind(kind),
        organization,
        application=application,
        finding=finding,
        objection=objection,
        agreement=agreement,
    )
    now = timezone.now()
    with scope(organization=organization):
        return Deadline.objects.filter(pk__in=[d.pk for d in deadlines]).update(closed_at=now)


def deadlines_follow_status(application: Application) -> None:
    """After a status change: the step the application now waits for is open, the others of
    its status-driven steps are closed (a finding's or an objection's stay as they are)."""
    wanted = STATUS_DEADLINE.get(application.status)
    for kind in set(STATUS_DEADLINE.values()):
        if kind != wanted:
            deadline_close(
                kind=kind, organization=application.organization, application=application
            )
    if wanted is not None:
        deadline_open(kind=wanted, organization=application.organization, application=application)
