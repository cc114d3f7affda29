"""Deadlines: every waiting step of a case has a due date from the office's policy.

A step opens a Deadline when it begins and closes it when it is done; the application's
steps follow its status (`deadlines_follow_status`, called by `application_transition`), the
others (a finding's answer, an objection's decision, a new agreement version) are opened and
closed by their own services. The daily job (`deadlines_remind`, below) reminds whoever must
act before and on the due date and tells the office once a step is overdue.
"""

from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import OfficeRole, User
from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError, StaleVersion
from cpo_portal.guards import require_office_role
from cpo_portal.mail import (
    StrOrPromise,
    lazy_format,
    mail_on_commit,
    office_emails,
    organization_admin_emails,
)
from cpo_portal.tenancy.models import Organization

from ..models import (
    CLOSED_STATES,
    SCORING_STATES,
    AgreementVersion,
    Appeal,
    Application,
    ApplicationStatus,
    AssignmentRole,
    AssignmentStatus,
    AuditorAssignment,
    AuditorObjection,
    CertificationPolicy,
    ClarificationRequest,
    ClarificationStatus,
    Deadline,
    DeadlineKind,
    DeadlineParty,
    Finding,
    FindingStatus,
)
from ..selectors.deadlines import (
    applications_missing_deadline,
    applications_with_open_nonconformities,
    case_of,
    deadlines_to_remind,
    open_nonconformities_missing_deadline,
)
from .certificates import certification_policy

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
    # clarifications: the company answers an auditor's question
    DeadlineKind.CLARIFICATION: "clarification_answer_days",
    DeadlineKind.APPEAL: "appeal_decision_days",  # appeals: a certifier decides the appeal
}


def policy_due_on(kind: DeadlineKind | str, *, start: date | None = None) -> date:
    """The due date of a step beginning on `start` (today), by the office's policy."""
    days = getattr(certification_policy(), POLICY_DAYS[DeadlineKind(kind)])
    return (start or timezone.localdate()) + timedelta(days=days)


def _open_of(kind: str, organization: Organization, links: dict[str, Any]) -> list[Deadline]:
    """The open deadlines of the step: of this kind, with exactly these links (the ones not
    given are empty)."""
    with scope(organization=organization):
        return list(
            Deadline.objects.filter(
                kind=kind, organization=organization, closed_at__isnull=True, **links
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
    clarification: ClarificationRequest | None = None,
    appeal: Appeal | None = None,
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
        "clarification": clarification,
        "appeal": appeal,
    }
    existing = _open_of(kind, organization, links)
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
    clarification: ClarificationRequest | None = None,
    appeal: Appeal | None = None,
) -> int:
    """The step is done (or no longer needed): its open deadline closes. Returns how many."""
    links = {
        "application": application,
        "finding": finding,
        "objection": objection,
        "agreement": agreement,
        "clarification": clarification,
        "appeal": appeal,
    }
    deadlines = _open_of(DeadlineKind(kind), organization, links)
    now = timezone.now()
    with scope(organization=organization):
        return Deadline.objects.filter(pk__in=[d.pk for d in deadlines]).update(closed_at=now)


def deadlines_follow_status(application: Application) -> None:
    """After a status change: the step the application now waits for is open, the others of
    its status-driven steps are closed. A finding's answer waits only while the audit runs
    (the company answers in audit and corrective actions): it closes when the report is
    submitted and opens again when the audit is reopened; a case that is over (decided,
    withdrawn, rejected) waits for nothing, its objections included."""
    wanted = STATUS_DEADLINE.get(application.status)
    for kind in set(STATUS_DEADLINE.values()):
        if kind != wanted:
            deadline_close(
                kind=kind, organization=application.organization, application=application
            )
    if wanted is not None:
        deadline_open(kind=wanted, organization=application.organization, application=application)
    if application.status in SCORING_STATES:
        finding_deadlines_open(application)
        clarification_deadlines_open(application)  # clarifications
    else:
        _close_where(application, Q(kind=DeadlineKind.FINDING_ANSWER))
        _close_where(application, Q(kind=DeadlineKind.CLARIFICATION))  # clarifications
    if application.status in CLOSED_STATES:
        _close_where(application, Q())


def _close_where(application: Application, condition: Q) -> int:
    """Close the application's open deadlines matching `condition`, its findings' and its
    objections' included."""
    of_case = (
        Q(application=application)
        | Q(finding__application=application)
        | Q(objection__plan__application=application)
    )
    with scope(organization=application.organization):
        return Deadline.objects.filter(
            of_case & condition, organization=application.organization, closed_at__isnull=True
        ).update(closed_at=timezone.now())


# --- Findings ---------------------------------------------------------------------------------
# A nonconformity waits for the company's corrective action by the finding's due date: the
# auditor's date, else the policy's. The deadline and `Finding.due_date` are the same date.


def finding_due_on(due_date: date | None) -> date:
    """The due date of a nonconformity's answer: the auditor's, else the policy's."""
    return due_date or policy_due_on(DeadlineKind.FINDING_ANSWER)


def finding_deadline_open(finding: Finding) -> Deadline | None:
    """The company must answer this (open) nonconformity by its due date. Call inside the
    transaction that raised or reopened it. A due date already past (a finding sent back
    after it, or one raised before deadlines existed) moves to the policy's date from today,
    on the finding too, so the company is never told a date that has gone."""
    if not finding.is_nonconformity or finding.status != FindingStatus.OPEN:
        return None
    application = finding.application
    due_on = finding.due_date
    if due_on is None or due_on < timezone.localdate():
        due_on = policy_due_on(DeadlineKind.FINDING_ANSWER)
        with scope(organization=application.organization):
            Finding.objects.filter(pk=finding.pk).update(due_date=due_on)
        finding.due_date = due_on
    return deadline_open(
        kind=DeadlineKind.FINDING_ANSWER,
        organization=application.organization,
        application=application,
        finding=finding,
        due_on=due_on,
    )


def finding_deadline_close(finding: Finding) -> int:
    """The company answered the finding (or it is closed): its deadline closes."""
    application = finding.application
    with scope(organization=application.organization):
        return Deadline.objects.filter(
            kind=DeadlineKind.FINDING_ANSWER,
            organization=application.organization,
            finding=finding,
            closed_at__isnull=True,
        ).update(closed_at=timezone.now())


def finding_deadlines_open(application: Application) -> int:
    """Every open nonconformity of the application in audit has its open deadline (after the
    audit was reopened, and for cases older than deadlines). Returns how many were opened."""
    findings = open_nonconformities_missing_deadline(application)
    for finding in findings:
        finding_deadline_open(finding)
    return len(findings)


# --- Clarification requests ------------------------------------------------------------------
# An open request waits for the company's answer by the policy's date (`due_on` on the request
# too). The deadline carries the application as well, so it is of the case like the others.


def clarification_deadline_open(request: ClarificationRequest) -> Deadline:
    """The company must answer this open request; an open deadline of it is kept. A due date
    already past (a request asked again) moves to the policy's date from today, on the
    request too."""
    application = request.application
    due_on = request.due_on
    if due_on is None or due_on < timezone.localdate():
        due_on = policy_due_on(DeadlineKind.CLARIFICATION)
        with scope(organization=application.organization):
            ClarificationRequest.objects.filter(pk=request.pk).update(due_on=due_on)
        request.due_on = due_on
    return deadline_open(
        kind=DeadlineKind.CLARIFICATION,
        organization=application.organization,
        application=application,
        clarification=request,
        due_on=due_on,
    )


def clarification_deadline_close(request: ClarificationRequest) -> int:
    """The company answered (or the auditor closed the request): its deadline closes."""
    application = request.application
    return deadline_close(
        kind=DeadlineKind.CLARIFICATION,
        organization=application.organization,
        application=application,
        clarification=request,
    )


def clarification_deadlines_open(application: Application) -> int:
    """Every open request of an application back in audit waits again (after a reopening)."""
    with scope(organization=application.organization):
        waiting = list(
            ClarificationRequest.objects.filter(
                application=application, status=ClarificationStatus.OPEN
            )
            .exclude(deadlines__closed_at__isnull=True)
            .select_related("application__organization")
        )
    for request in waiting:
        clarification_deadline_open(request)
    return len(waiting)


# --- Cases older than deadlines ---------------------------------------------------------------
# Applications under way when deadlines came have none. The daily job `deadlines_backfill`
# (run before the reminders) opens the deadline of each open application's current step,
# due by the policy counted from the day it runs: nobody was told a date before, so nobody is
# overdue at once. A nonconformity keeps the due date the company was given when it was
# raised (as long as it lies ahead). Idempotent: a step with an open deadline is left alone.


def deadlines_backfill(*, today: date | None = None) -> int:
    """Open the missing deadlines of the cases under way. Returns how many were opened."""
    today = today or timezone.localdate()
    opened = 0
    for kind in dict.fromkeys(STATUS_DEADLINE.values()):
        statuses = [status for status, k in STATUS_DEADLINE.items() if k == kind]
        for application in applications_missing_deadline(kind, statuses):
            with transaction.atomic():
                deadline_open(
                    kind=kind,
                    organization=application.organization,
                    application=application,
                    due_on=policy_due_on(kind, start=today),
                )
            opened += 1
    for application in applications_with_open_nonconformities(list(SCORING_STATES)):
        with transaction.atomic():
            opened += finding_deadlines_open(application)
    return opened


# --- Reminders and escalation -----------------------------------------------------------------
# Once a day: whoever must act is reminded `reminder_days_before` days before the due date and
# on it; once the date has passed, the office is told. Each message once: its stamp is set by
# a conditional update (only while unset and the step is open), so a second run, or two beat
# processes by mistake, send nothing twice, and a run after days off catches up with what is
# still true (a step closed meanwhile is never reminded). A run that missed the days before
# sends no late "ahead" reminder; the due-date reminder still goes out, saying the date.

BEFORE, DUE, ESCALATION = "before", "due", "escalation"
STAMP = {BEFORE: "reminded_before_at", DUE: "reminded_due_at", ESCALATION: "escalated_at"}
# Who in the office is told when a step is overdue: reviewers follow the companies' and the
# auditors' steps and decide objections, certifiers decide, administrators keep the agreement.
ESCALATE_TO: dict[DeadlineKind, OfficeRole] = {
    DeadlineKind.SELF_ASSESSMENT: OfficeRole.REVIEWER,
    DeadlineKind.FINDING_ANSWER: OfficeRole.REVIEWER,
    DeadlineKind.AUDIT_REPORT: OfficeRole.REVIEWER,
    DeadlineKind.DECISION: OfficeRole.CERTIFIER,
    DeadlineKind.OBJECTION: OfficeRole.REVIEWER,
    DeadlineKind.AGREEMENT: OfficeRole.ADMINISTRATOR,
    DeadlineKind.CLARIFICATION: OfficeRole.REVIEWER,  # clarifications
    DeadlineKind.APPEAL: OfficeRole.CERTIFIER,  # appeals
}
# The office's own steps are reminded to the role that takes them.
OFFICE_ROLE_OF: dict[DeadlineKind, OfficeRole] = {
    DeadlineKind.DECISION: OfficeRole.CERTIFIER,
    DeadlineKind.OBJECTION: OfficeRole.REVIEWER,
    DeadlineKind.APPEAL: OfficeRole.CERTIFIER,  # appeals
}
REMINDER_TEMPLATE = "certification/deadlines/email/reminder.txt"


def _lead_auditor_emails(application: Application) -> list[str]:
    with scopes_disabled():
        return list(
            AuditorAssignment.objects.filter(
                application=application,
                role=AssignmentRole.LEAD,
                status=AssignmentStatus.ACTIVE,
                auditor__user__is_active=True,
            ).values_list("auditor__user__email", flat=True)
        )


def _recipients(deadline: Deadline, party: str) -> list[str]:
    """The people who must act: the company's owners and admins, the case's active lead
    auditor, or the office members holding the role of the step."""
    application = case_of(deadline)
    if party == DeadlineParty.COMPANY:
        return organization_admin_emails(deadline.organization)
    if party == DeadlineParty.AUDITOR:
        return _lead_auditor_emails(application) if application is not None else []
    role = OFFICE_ROLE_OF.get(DeadlineKind(deadline.kind))
    return office_emails(role)


def _escalation_recipients(deadline: Deadline) -> list[str]:
    kind = DeadlineKind(deadline.kind)
    recipients = office_emails(ESCALATE_TO[kind])
    if deadline.party == DeadlineParty.OFFICE:
        # The office's own step is late: its administrators hear of it too.
        recipients += office_emails(OfficeRole.ADMINISTRATOR)
    return recipients


def _path(deadline: Deadline, party: str) -> str:
    """Where the recipient acts: the company's case page (a finding's answer page), the
    auditor's audit, the office's record; the agreement's page for an agreement."""
    application = case_of(deadline)
    slug = deadline.organization.slug
    if party == DeadlineParty.COMPANY:
        if deadline.clarification_id is not None and application is not None:
            # clarifications: the request's thread, where the company answers
            return reverse(
                "certification:clarification",
                kwargs={"org_slug": slug, "pk": application.pk, "cid": deadline.clarification_id},
            )
        if deadline.finding_id is not None and application is not None:
            return reverse(
                "certification:finding_answer",
                kwargs={"org_slug": slug, "pk": application.pk, "finding_id": deadline.finding_id},
            )
        if application is not None:
            page = (
                "self_assessment"
                if deadline.kind == DeadlineKind.SELF_ASSESSMENT
                else "application"
            )
            return reverse(f"certification:{page}", kwargs={"org_slug": slug, "pk": application.pk})
        return reverse("certification:agreement", kwargs={"org_slug": slug})
    if party == DeadlineParty.AUDITOR and application is not None:
        return reverse("certification:audit", kwargs={"pk": application.pk})
    if deadline.appeal_id is not None:  # appeals: the office's page of the appeal
        return reverse("certification:office_appeal", kwargs={"appeal_id": deadline.appeal_id})
    if deadline.objection is not None and application is not None:
        return reverse(
            "certification:office_objection",
            kwargs={"pk": application.pk, "objection_id": deadline.objection.pk},
        )
    if application is not None:
        return reverse("certification:office_application", kwargs={"pk": application.pk})
    return reverse("certification:office_agreements")


def case_label(deadline: Deadline) -> str:
    """What the step concerns, lazily translated: the organization and the case."""
    application = case_of(deadline)
    organization = deadline.organization.display_name
    if deadline.appeal is not None:  # appeals
        return lazy_format(
            gettext_lazy("%(org)s, appeal %(reference)s"),
            org=organization,
            reference=deadline.appeal.reference,
        )
    if deadline.clarification_id is not None and application is not None:  # clarifications
        return lazy_format(
            gettext_lazy("%(org)s, application #%(number)s, clarification request #%(request)s"),
            org=organization,
            number=application.pk,
            request=deadline.clarification_id,
        )
    if deadline.finding_id is not None and application is not None:
        return lazy_format(
            gettext_lazy("%(org)s, application #%(number)s, finding #%(finding)s"),
            org=organization,
            number=application.pk,
            finding=deadline.finding_id,
        )
    if application is not None:
        return lazy_format(
            gettext_lazy("%(org)s, application #%(number)s"),
            org=organization,
            number=application.pk,
        )
    if deadline.agreement is not None:
        return lazy_format(
            gettext_lazy("%(org)s, certification agreement version %(number)s"),
            org=organization,
            number=deadline.agreement.number,
        )
    return organization


def _short_date(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


# A date in each recipient's own format (the mail is rendered once per language).
lazy_date = lazy(_short_date, str)


def _subject(message: str, deadline: Deadline, today: date) -> StrOrPromise:
    step = DeadlineKind(deadline.kind).label
    case = case_label(deadline)
    due = lazy_date(deadline.due_on)
    if message == BEFORE:
        text = gettext_lazy("Reminder: %(step)s by %(due)s – %(case)s")
    elif message == DUE and deadline.due_on == today:
        text = gettext_lazy("Due today: %(step)s – %(case)s")
    elif message == DUE:
        text = gettext_lazy("Was due on %(due)s: %(step)s – %(case)s")
    else:
        text = gettext_lazy("Overdue since %(due)s: %(step)s – %(case)s")
    return lazy_format(text, step=step, case=case, due=due)


def _body(message: str, deadline: Deadline) -> StrOrPromise:
    if message == BEFORE:
        return gettext_lazy(
            "A reminder: this step is due soon. Please complete it by the due date."
        )
    if message == DUE:
        return gettext_lazy("This step is due. Please complete it now.")
    return lazy_format(
        gettext_lazy(
            "This step is overdue. Whoever must take it (%(party)s) has been reminded; "
            "please follow it up."
        ),
        party=DeadlineParty(deadline.party).label,
    )


def _send(deadline: Deadline, message: str, today: date) -> int:
    """Stamp the message as sent, once, and queue it for after commit; how many recipients
    (0: already sent, or the step closed meanwhile)."""
    stamp = STAMP[message]
    now = timezone.now()
    with scopes_disabled():
        claimed = Deadline.objects.filter(
            pk=deadline.pk, closed_at__isnull=True, **{f"{stamp}__isnull": True}
        ).update(**{stamp: now})
    if not claimed:
        return 0
    setattr(deadline, stamp, now)
    party: str
    if message == ESCALATION:
        recipients, party = _escalation_recipients(deadline), DeadlineParty.OFFICE
    else:
        party = deadline.party
        recipients = _recipients(deadline, party)
    mail_on_commit(
        subject=_subject(message, deadline, today),
        template=REMINDER_TEMPLATE,
        context={
            "message": _body(message, deadline),
            "step": DeadlineKind(deadline.kind).label,
            "case": case_label(deadline),
            "deadline": deadline,
            "overdue_days": max(0, (today - deadline.due_on).days),
            "path": _path(deadline, party),
        },
        to=recipients,
    )
    activity_record(
        actor=None,
        organization=deadline.organization,
        verb=f"certification.deadline_{message}",
        target=case_of(deadline) or deadline.agreement,
        data={
            "kind": deadline.kind,
            "due_on": str(deadline.due_on),
            "recipients": len(set(recipients)),
        },
    )
    return 1


def _messages_due(deadline: Deadline, *, today: date, days_before: int) -> list[str]:
    """The messages of this open deadline that are due today, in the order they are sent."""
    due: list[str] = []
    opened_before_today = timezone.localtime(deadline.opened_at).date() < today
    if (
        deadline.reminded_before_at is None
        and deadline.due_on - timedelta(days=days_before) <= today < deadline.due_on
        and opened_before_today  # the step's own mail told them today
    ):
        due.append(BEFORE)
    if deadline.reminded_due_at is None and today >= deadline.due_on:
        due.append(DUE)
    if deadline.escalated_at is None and today > deadline.due_on:
        due.append(ESCALATION)
    return due


def deadlines_remind(*, today: date | None = None) -> int:
    """Send today's reminders and escalations, each once. Returns how many were sent."""
    today = today or timezone.localdate()
    days_before = certification_policy().reminder_days_before
    sent = 0
    for deadline in deadlines_to_remind(today=today, days_before=days_before):
        for message in _messages_due(deadline, today=today, days_before=days_before):
            with transaction.atomic():
                sent += _send(deadline, message, today)
    return sent


# --- The policy -------------------------------------------------------------------------------
# The office administrator sets the process policy on one page. Two people editing it at once:
# the page sends the time of the version it showed (`based_on`); a save on an older one is
# refused with both values shown. A change applies to steps opened from then on: an open
# deadline keeps its date (the company was told it).

POLICY_FIELDS = (
    "suspend_products_with_organizational",
    "self_assessment_days",
    "finding_answer_days",
    "audit_report_days",
    "decision_days",
    "objection_days",
    "objection_decision_days",
    "agreement_acceptance_days",
    "reminder_days_before",
    "qualification_warning_days",
)


class PolicyChanged(StaleVersion):
    """Someone saved the policy since the version the editor started from."""


@transaction.atomic
def certification_policy_update(
    *, values: dict[str, Any], based_on: datetime | None, by: User | None
) -> CertificationPolicy:
    """The office administrator changes the policy; the activity log keeps before and after."""
    require_office_role(by, OfficeRole.ADMINISTRATOR)
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise DomainError(_("Unknown policy settings: %(names)s") % {"names": sorted(unknown)})
    pk = certification_policy().pk
    policy = CertificationPolicy.objects.select_for_update().get(pk=pk)
    if based_on is not None and policy.updated_at != based_on:
        raise PolicyChanged(
            _("Not saved: %(who)s changed the policy in the meantime."),
            current=policy,
            who=policy.updated_by,
        )
    before = {name: getattr(policy, name) for name in values}
    changed = [name for name in values if before[name] != values[name]]
    if not changed:
        return policy
    for name in changed:
        setattr(policy, name, values[name])
    policy.updated_by = by
    try:
        policy.full_clean(exclude=["updated_by"])
    except ValidationError as exc:
        raise DomainError(exc.message_dict) from exc
    policy.save(update_fields=[*changed, "updated_by", "updated_at"])
    activity_record(
        actor=by,
        verb="certification.policy_updated",
        target=policy,
        data={
            "before": {name: before[name] for name in changed},
            "after": {name: values[name] for name in changed},
        },
    )
    return policy
