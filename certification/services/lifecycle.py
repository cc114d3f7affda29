"""The state machine of a certification application, in one place.

    draft ──submit──▶ submitted ──accept──▶ accepted ──assign lead──▶ auditor_assigned
      ▲                 │  ╲──return──▶ returned ──submit──▶ submitted
      │                 ╰──reject──▶ rejected          (returned ──reject──▶ rejected)
    auditor_assigned ──first answer──▶ self_assessment ──submit──▶ audit
    auditor_assigned ──lead declines / is removed──▶ accepted
    audit ──request corrective actions──▶ corrective_actions ──resume──▶ audit
    audit / corrective_actions ──submit report──▶ report_submitted ──decide──▶ decided
    report_submitted ──reopen (office)──▶ audit
    any open state ──withdraw (company)──▶ withdrawn

`transition` is the only code that changes `Application.status`: it checks the edge, keeps
an ApplicationEvent, writes the activity log and refuses anything else.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError, TransitionNotAllowed

from ..models import Application, ApplicationEvent, ApplicationStatus

S = ApplicationStatus

OPEN_STATES = (
    S.DRAFT,
    S.SUBMITTED,
    S.RETURNED,
    S.ACCEPTED,
    S.AUDITOR_ASSIGNED,
    S.SELF_ASSESSMENT,
    S.AUDIT,
    S.CORRECTIVE_ACTIONS,
    S.REPORT_SUBMITTED,
)
# States in which assigned auditors work on the case (see it, score, raise findings).
AUDITOR_STATES = (
    S.AUDITOR_ASSIGNED,
    S.SELF_ASSESSMENT,
    S.AUDIT,
    S.CORRECTIVE_ACTIONS,
    S.REPORT_SUBMITTED,
)
SCORING_STATES = (S.AUDIT, S.CORRECTIVE_ACTIONS)
SELF_ASSESSMENT_STATES = (S.AUDITOR_ASSIGNED, S.SELF_ASSESSMENT)

EDGES: dict[str, set[tuple[str, str]]] = {
    "submit": {(S.DRAFT, S.SUBMITTED), (S.RETURNED, S.SUBMITTED)},
    "accept": {(S.SUBMITTED, S.ACCEPTED)},
    "return": {(S.SUBMITTED, S.RETURNED)},
    "reject": {(S.SUBMITTED, S.REJECTED), (S.RETURNED, S.REJECTED)},
    "assign": {(S.ACCEPTED, S.AUDITOR_ASSIGNED)},
    "unassign": {(S.AUDITOR_ASSIGNED, S.ACCEPTED)},
    "start_self_assessment": {(S.AUDITOR_ASSIGNED, S.SELF_ASSESSMENT)},
    "submit_self_assessment": {(S.SELF_ASSESSMENT, S.AUDIT)},
    "request_corrections": {(S.AUDIT, S.CORRECTIVE_ACTIONS)},
    "resume_audit": {(S.CORRECTIVE_ACTIONS, S.AUDIT)},
    "submit_report": {(S.AUDIT, S.REPORT_SUBMITTED), (S.CORRECTIVE_ACTIONS, S.REPORT_SUBMITTED)},
    "reopen_audit": {(S.REPORT_SUBMITTED, S.AUDIT)},
    "decide": {(S.REPORT_SUBMITTED, S.DECIDED)},
    "withdraw": {(state, S.WITHDRAWN) for state in OPEN_STATES},
}
# The company must be told why.
REASON_REQUIRED = {"return", "reject", "reopen_audit"}


def locked(application: Application) -> Application:
    """The application row, locked for this transaction (two clicks must not race)."""
    with scopes_disabled():
        return (
            Application.objects.select_for_update(of=("self",))
            .select_related("organization", "scheme__version")
            .get(pk=application.pk)
        )


def allowed(application: Application, action: str) -> bool:
    return any(before == application.status for before, _after in EDGES[action])


def require_state(application: Application, *states: str) -> None:
    if application.status not in states:
        raise TransitionNotAllowed(
            _("This is not possible while the application is “%(status)s”.")
            % {"status": application.get_status_display()}
        )


def transition(
    application: Application,
    action: str,
    *,
    by: Any,
    reason: str = "",
    fields: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> Application:
    """Move a locked application along one edge of the state machine, or refuse."""
    before = application.status
    targets = [after for b, after in EDGES[action] if b == before]
    if not targets:
        raise TransitionNotAllowed(
            _("An application that is “%(status)s” cannot be changed this way.")
            % {"status": application.get_status_display()}
        )
    reason = reason.strip()
    if action in REASON_REQUIRED and not reason:
        raise DomainError(_("Give a reason: the company sees it."))
    application.status = targets[0]
    application.status_reason = reason
    update = ["status", "status_reason", "updated_at"]
    for name, value in (fields or {}).items():
        setattr(application, name, value)
        update.append(name)
    application.full_clean(exclude=["organization", "scheme", "created_by"])
    application.save(update_fields=update)
    with scope(organization=application.organization):
        ApplicationEvent.objects.create(
            application=application,
            action=action,
            status_before=before,
            status_after=application.status,
            reason=reason,
            by=by if getattr(by, "is_authenticated", False) else None,
        )
    activity_record(
        actor=by,
        organization=application.organization,
        verb=f"certification.{action}",
        target=application,
        data={"before": before, "after": application.status, "reason": reason, **(data or {})},
    )
    return application


def now() -> Any:
    return timezone.now()
