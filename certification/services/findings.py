"""Findings: a nonconformity worked through in steps — the auditor's finding with its
objective evidence, the company's correction, root-cause analysis and corrective action with
a due date, the auditor's verification of effectiveness (accepted, or sent back with a
reason) — each step dated and attributed (FindingStep).

Observations and opportunities for improvement need no answer: the auditor closes them.
A major nonconformity counts as open for the pass rule until its corrective action is
verified (accepted), answered or not.
"""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope

from cpo_portal.accounts.models import User
from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError
from cpo_portal.guards import require_org_admin
from cpo_portal.mail import lazy_format

from ..models import (
    NONCONFORMITIES,
    SCORING_STATES,
    Application,
    Finding,
    FindingKind,
    FindingStatus,
    FindingStep,
    FindingStepKind,
)
from ..notify import AUDITORS, COMPANY, notify
from .applications import locked_application, require_state
from .audits import active_assignment
from .deadlines import finding_deadline_close, finding_deadline_open, finding_due_on
from .self_assessment import criterion_of_scheme

# The e-mail of a finding's step: the case's text and the finding's, step by step.
FINDING_EMAIL = "certification/findings/email/finding.txt"
TEXT_MAX = 10000


def _refuse(field: str, message: str) -> DomainError:
    """A refusal about one input field (forms show it there, the API names it)."""
    return DomainError({field: [ValidationError(message, code=field)]})


def text_checked(value: str, field: str, message: str, *, required: bool = True) -> str:
    """A free text of a case step (findings, clarifications), stripped: refused on `field`
    with `message` when required and empty, or when longer than 10,000 characters."""
    value = (value or "").strip()
    if required and not value:
        raise _refuse(field, message)
    if len(value) > TEXT_MAX:
        raise _refuse(field, _("The text is too long (10,000 characters at most)."))
    return value


def _step(finding: Finding, step: str, *, by: User | None, data: dict[str, Any]) -> FindingStep:
    with scope(organization=finding.application.organization):
        return FindingStep.objects.create(
            finding=finding, step=step, data=data, by=by, at=timezone.now()
        )


def _mail(
    finding: Finding,
    step: FindingStep,
    *,
    subject: Any,
    message: Any,
    to: tuple[str, ...],
) -> None:
    with scope(organization=finding.application.organization):
        codes = [c.code for c in finding.criteria.order_by("area__position", "position")]
    notify(
        finding.application,
        subject=subject,
        message=message,
        to=to,
        template=FINDING_EMAIL,
        context={"finding": finding, "step": step, "criteria_codes": codes},
    )


# --- The auditor raises a finding -----------------------------------------------------------


@transaction.atomic
def finding_raise(
    *,
    application: Application,
    kind: str,
    criterion_ids: list[Any],
    description: str,
    by: User | None,
    objective_evidence: str = "",
    due_date: date | None = None,
) -> Finding:
    """Record a finding tied to criteria of the scheme. A nonconformity (major or minor)
    states its objective evidence and gets an answer due date (the auditor's, else the
    policy's); the company is told the finding's text."""
    application = locked_application(application)
    active_assignment(application, by)
    require_state(application, *SCORING_STATES)
    if kind not in FindingKind.values:
        raise _refuse("kind", _("Choose the kind of finding."))
    description = text_checked(description, "description", _("Describe the finding."))
    if not criterion_ids:
        raise _refuse("criteria", _("Tie the finding to at least one criterion."))
    nonconformity = kind in NONCONFORMITIES
    criteria = [criterion_of_scheme(application, pk) for pk in dict.fromkeys(criterion_ids)]
    if nonconformity:
        # The auditor's date, else the office's policy (deadlines): the finding's deadline.
        due_date = finding_due_on(due_date)
        if due_date < timezone.localdate():
            raise DomainError(_("The due date lies in the past."), code="due_date")
    else:
        due_date = None
    objective_evidence = text_checked(
        objective_evidence,
        "objective_evidence",
        _("State the objective evidence of the nonconformity."),
        required=nonconformity,
    )
    with scope(organization=application.organization):
        finding = Finding(
            application=application,
            kind=kind,
            description=description,
            objective_evidence=objective_evidence,
            due_date=due_date,
            raised_by=by,
        )
        finding.full_clean(exclude=["application", "raised_by"])
        finding.save()
        finding.criteria.set(criteria)
    codes = [c.code for c in criteria]
    step = _step(
        finding,
        FindingStepKind.RAISED,
        by=by,
        data={
            "kind": kind,
            "criteria": codes,
            "description": description,
            "objective_evidence": objective_evidence,
            "due_date": due_date.isoformat() if due_date else None,
        },
    )
    finding_deadline_open(finding)  # deadlines: the company answers by the due date
    activity_record(
        actor=by,
        organization=application.organization,
        verb="certification.finding_raised",
        target=application,
        data={"finding": finding.pk, "kind": kind, "criteria": codes},
    )
    if finding.is_nonconformity:
        _mail(
            finding,
            step,
            subject=lazy_format(
                gettext_lazy("%(kind)s raised in your audit"), kind=FindingKind(kind).label
            ),
            message=lazy_format(
                gettext_lazy(
                    "Answer it with a correction, a root-cause analysis and a corrective "
                    "action by %(due)s."
                ),
                due=due_date,
            ),
            to=(COMPANY,),
        )
    return finding


def _locked_finding(finding: Finding) -> tuple[Application, Finding]:
    application = locked_application(finding.application)
    with scope(organization=application.organization):
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
    finding.application = application
    return application, finding


# --- The company answers a nonconformity ----------------------------------------------------


@transaction.atomic
def finding_answer(
    *,
    finding: Finding,
    correction: str,
    root_cause: str,
    corrective_action: str,
    action_due_on: date | None,
    by: User | None,
) -> Finding:
    """The company (owners and admins) answers a nonconformity in three parts — what it
    fixed at once, why it happened, what keeps it from recurring — and by when the
    corrective action is complete. The auditors are told the answer's text."""
    application, finding = _locked_finding(finding)
    require_org_admin(application.organization, by)
    require_state(application, *SCORING_STATES)
    if not finding.is_nonconformity:
        raise DomainError(_("Only nonconformities need a corrective action."), code="kind")
    if finding.status != FindingStatus.OPEN:
        raise DomainError(_("This finding is not open."), code="status")
    correction = text_checked(correction, "correction", _("Describe the correction."))
    root_cause = text_checked(root_cause, "root_cause", _("Describe the root cause."))
    corrective_action = text_checked(
        corrective_action, "corrective_action", _("Describe the corrective action.")
    )
    if action_due_on is None:
        raise _refuse("action_due_on", _("Say by when the corrective action will be completed."))
    if action_due_on < timezone.localdate():
        raise _refuse("action_due_on", _("The completion date lies in the past."))
    finding.correction, finding.root_cause = correction, root_cause
    finding.corrective_action, finding.action_due_on = corrective_action, action_due_on
    finding.status = FindingStatus.ANSWERED
    finding.answered_by, finding.answered_at = by, timezone.now()
    finding.save(
        update_fields=[
            "correction",
            "root_cause",
            "corrective_action",
            "action_due_on",
            "status",
            "answered_by",
            "answered_at",
        ]
    )
    with scope(organization=application.organization):
        evidence = [e.title or e.original_name or e.url for e in finding.evidence.all()]
    step = _step(
        finding,
        FindingStepKind.ANSWERED,
        by=by,
        data={
            "correction": correction,
            "root_cause": root_cause,
            "corrective_action": corrective_action,
            "action_due_on": action_due_on.isoformat(),
            "evidence": evidence,
        },
    )
    finding_deadline_close(finding)  # deadlines: the company has answered
    activity_record(
        actor=by,
        organization=application.organization,
        verb="certification.finding_answered",
        target=application,
        data={"finding": finding.pk},
    )
    _mail(
        finding,
        step,
        subject=lazy_format(
            gettext_lazy("Corrective action proposed: %(org)s"), org=application.organization
        ),
        message=gettext_lazy(
            "The company answered a nonconformity; please verify the effectiveness of its "
            "corrective action."
        ),
        to=(AUDITORS,),
    )
    return finding


# --- The auditor verifies the effectiveness, or sends the answer back -----------------------


def _auditor_step(finding: Finding, by: User | None) -> tuple[Application, Finding]:
    application, finding = _locked_finding(finding)
    active_assignment(application, by)
    require_state(application, *SCORING_STATES)
    return application, finding


@transaction.atomic
def finding_verify(*, finding: Finding, note: str, by: User | None) -> Finding:
    """The auditor verified the corrective action as effective: the nonconformity closes."""
    application, finding = _auditor_step(finding, by)
    if not finding.is_nonconformity:
        raise DomainError(_("Only a nonconformity's corrective action is verified."), code="kind")
    if finding.status != FindingStatus.ANSWERED:
        raise DomainError(
            _("A nonconformity is verified after the company's corrective action."),
            code="status",
        )
    note = text_checked(note, "note", _("Record how the effectiveness was verified."))
    finding.status = FindingStatus.CLOSED
    finding.verification_note = note
    finding.closed_by, finding.closed_at = by, timezone.now()
    finding.save(update_fields=["status", "verification_note", "closed_by", "closed_at"])
    step = _step(finding, FindingStepKind.ACCEPTED, by=by, data={"note": note})
    activity_record(
        actor=by,
        organization=application.organization,
        verb="certification.finding_verified",
        target=application,
        data={"finding": finding.pk},
    )
    _mail(
        finding,
        step,
        subject=gettext_lazy("Corrective action accepted"),
        message=gettext_lazy(
            "The auditor verified your corrective action as effective; the nonconformity is closed."
        ),
        to=(COMPANY,),
    )
    return finding


@transaction.atomic
def finding_send_back(*, finding: Finding, reason: str, by: User | None) -> Finding:
    """The corrective action did not convince the auditor: back to the company, with the
    reason; the answer's deadline opens again."""
    application, finding = _auditor_step(finding, by)
    if finding.status != FindingStatus.ANSWERED:
        raise DomainError(_("Only an answered finding can be sent back."), code="status")
    reason = text_checked(reason, "reason", _("Say why the corrective action is not sufficient."))
    finding.status = FindingStatus.OPEN
    finding.verification_note = reason
    finding.save(update_fields=["status", "verification_note"])
    # deadlines: the company answers again, by the due date (moved on if it has passed).
    finding_deadline_open(finding)
    finding.refresh_from_db(fields=["due_date"])
    step = _step(
        finding,
        FindingStepKind.SENT_BACK,
        by=by,
        data={
            "reason": reason,
            "due_date": finding.due_date.isoformat() if finding.due_date else None,
        },
    )
    activity_record(
        actor=by,
        organization=application.organization,
        verb="certification.finding_sent_back",
        target=application,
        data={"finding": finding.pk, "reason": reason},
    )
    _mail(
        finding,
        step,
        subject=gettext_lazy("Corrective action not accepted"),
        message=lazy_format(
            gettext_lazy("Answer the nonconformity again by %(due)s."), due=finding.due_date
        ),
        to=(COMPANY,),
    )
    return finding


@transaction.atomic
def finding_close(*, finding: Finding, note: str, by: User | None) -> Finding:
    """The auditor closes an observation or an opportunity for improvement (no answer
    needed). A nonconformity closes only by verification (`finding_verify`)."""
    application, finding = _auditor_step(finding, by)
    if finding.is_nonconformity:
        raise DomainError(
            _("A nonconformity is closed by verifying the company's corrective action."),
            code="kind",
        )
    if finding.status == FindingStatus.CLOSED:
        raise DomainError(_("This finding is already closed."), code="status")
    note = text_checked(note, "note", "", required=False)
    finding.status = FindingStatus.CLOSED
    finding.verification_note = note
    finding.closed_by, finding.closed_at = by, timezone.now()
    finding.save(update_fields=["status", "verification_note", "closed_by", "closed_at"])
    _step(finding, FindingStepKind.CLOSED, by=by, data={"note": note})
    activity_record(
        actor=by,
        organization=application.organization,
        verb="certification.finding_closed",
        target=application,
        data={"finding": finding.pk},
    )
    return finding
