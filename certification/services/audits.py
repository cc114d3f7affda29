"""The audit: the auditor's scores (guarded against lost updates), findings and the company's
corrective actions, the report."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.activity.services import activity_record
from cpo_portal.documents.services import document_request
from cpo_portal.errors import DomainError, StaleVersion
from cpo_portal.mail import lazy_format, mail_on_commit

from ..models import (
    NONCONFORMITIES,
    SCORING_STATES,
    Application,
    AssignmentRole,
    AssignmentStatus,
    AuditorAssignment,
    Evidence,
    Finding,
    FindingStatus,
    Rating,
    Recommendation,
    Score,
    ScoreChange,
)
from ..notify import AUDITORS, COMPANY, EVENT_TEMPLATE, OFFICE, links, notify
from ..selectors.auditors import conflict_reason, independence_lost
from ..selectors.audits import AUDIT_REPORT_KIND, pass_result_of
from .applications import application_transition, locked_application, require_state
from .plans import plan_require_for_report
from .self_assessment import criterion_of_scheme


class ScoreConflict(StaleVersion):
    """Someone saved this score since the version the editor started from."""

    def __init__(self, current: Score) -> None:
        super().__init__(
            _("This score was changed by %(who)s in the meantime. Review both values."),
            current=current,
            who=current.updated_by,
        )


def active_assignment(application: Application, user: User | None) -> AuditorAssignment:
    """The user's active assignment to the audit, or refuse: only an assigned auditor who is
    still independent of the organization works on it (findings, clarifications, papers)."""
    with scope(organization=application.organization):
        assignment = (
            AuditorAssignment.objects.filter(
                application=application, auditor__user=user, status=AssignmentStatus.ACTIVE
            )
            .select_related("auditor")
            .first()
        )
    if assignment is None:
        raise DomainError(_("You are not assigned to this audit."), code="not_assigned")
    # Independence holds for the whole audit: a membership or a conflict that came about
    # after the assignment stops the auditor's work (the office ends the assignment).
    reason = conflict_reason(assignment.auditor, application.organization)
    if reason:
        raise DomainError(reason, code="not_independent")
    return assignment


def _require_lead(application: Application, user: User | None) -> AuditorAssignment:
    assignment = active_assignment(application, user)
    if assignment.role != AssignmentRole.LEAD:
        raise DomainError(_("Only the lead auditor can do this."))
    return assignment


@dataclass(frozen=True)
class ScoreInput:
    rating: str
    rationale: str
    # "Evidence required": the auditor confirmed rating fulfilled without the company's evidence.
    without_evidence: bool = False


def _validate_score(score: Score, data: ScoreInput) -> ScoreInput:
    rating, rationale = data.rating, data.rationale.strip()
    if rating not in Rating.values:
        raise DomainError(_("Choose a rating."), code="rating")
    if rating == Rating.NOT_APPLICABLE and not score.criterion.na_allowed:
        raise DomainError(_("This criterion cannot be rated not applicable."), code="rating")
    if rating != Rating.FULFILLED and not rationale:
        raise DomainError(
            _("A rationale is required unless the criterion is fulfilled."), code="rationale"
        )
    if len(rationale) > 10000:
        raise DomainError(
            _("The rationale is too long (10,000 characters at most)."), code="rationale"
        )
    return ScoreInput(rating, rationale, data.without_evidence)


def _evidence_checked(score: Score, data: ScoreInput) -> ScoreInput:
    """Evidence required: fulfilled without the company's evidence needs the auditor's
    confirmation and a rationale (checked after the version: a stale save shows the
    conflict first). One query, only for such a rating of such a criterion."""
    return ScoreInput(data.rating, data.rationale, _without_evidence(score, data))


def _without_evidence(score: Score, data: ScoreInput) -> bool:
    if data.rating != Rating.FULFILLED or not score.criterion.evidence_required:
        return False
    if Evidence.objects.filter(
        application_id=score.application_id, criterion_id=score.criterion_id
    ).exists():
        return False
    if not data.without_evidence:
        raise DomainError(
            _(
                "The company gave no evidence for this criterion, which requires it. "
                "Confirm to rate it fulfilled without evidence."
            ),
            code="evidence_missing",
        )
    if not data.rationale:
        raise DomainError(
            _("Say why the criterion is fulfilled without evidence."), code="rationale"
        )
    return True


def score_save(
    *,
    application_id: int,
    criterion_id: Any,
    rating: str,
    rationale: str,
    expected_version: Any,
    by: User | None,
    without_evidence: bool = False,
) -> Score:
    """Save one score if `expected_version` is still current; refuse with both values if not.

    One locked read checks assignment, state and scheme at once, so an autosave costs four
    queries: lock, update, history, activity log.
    """
    # No savepoint (it would cost two statements): a refusal leaves the block normally,
    # with nothing written, and is raised after it, so an outer transaction stays usable.
    refusal: Exception | None = None
    with transaction.atomic(savepoint=False), scopes_disabled():
        score = _locked_score(application_id, criterion_id, by)
        if score is None:
            refusal = _refusal(application_id, criterion_id, by)
        else:
            try:
                data = _validate_score(
                    score, ScoreInput(rating, rationale or "", bool(without_evidence))
                )
                if score.version != int(expected_version):
                    raise ScoreConflict(score)
                data = _evidence_checked(score, data)
            except (DomainError, TypeError, ValueError) as exc:
                refusal = (
                    exc
                    if isinstance(exc, DomainError)
                    else DomainError(_("The score's version is missing."), code="stale_version")
                )
            else:
                _write_score(score, data, by)
    if refusal is not None:
        raise refusal
    assert score is not None
    return score


def _locked_score(application_id: Any, criterion_id: Any, user: User | None) -> Score | None:
    """The score row, locked, if the user is assigned, still independent of the
    organization, and the audit is open for scoring."""
    try:
        return (
            Score.objects.select_for_update(of=("self",))
            .select_related("criterion", "application__organization")
            .exclude(independence_lost(user, OuterRef("application__organization")))
            .get(
                application_id=int(application_id),
                criterion_id=int(criterion_id),
                application__status__in=SCORING_STATES,
                application__assignments__auditor__user=user,
                application__assignments__status=AssignmentStatus.ACTIVE,
            )
        )
    except (Score.DoesNotExist, TypeError, ValueError):
        return None


def _write_score(score: Score, data: ScoreInput, by: User | None) -> None:
    before = {"rating": score.rating, "rationale": score.rationale, "version": score.version}
    score.rating, score.rationale = data.rating, data.rationale
    score.without_evidence = data.without_evidence
    score.version += 1
    score.updated_by = by
    score.updated_at = timezone.now()
    score.save(
        update_fields=[
            "rating",
            "rationale",
            "without_evidence",
            "version",
            "updated_by",
            "updated_at",
        ]
    )
    ScoreChange.objects.create(
        score=score,
        version=score.version,
        rating=score.rating,
        rationale=score.rationale,
        by=by,
        at=score.updated_at,
    )
    activity_record(
        actor=by,
        organization=score.application.organization,
        verb="certification.scored",
        target=score.application,
        data={
            "criterion": score.criterion.code,
            "before": before,
            "after": {
                "rating": score.rating,
                "version": score.version,
                # Evidence required: the auditor's confirmation, only where given.
                **({"without_evidence": True} if score.without_evidence else {}),
            },
        },
    )


def _refusal(application_id: Any, criterion_id: Any, user: User | None) -> DomainError:
    """Why a score could not be found for this user: the reason as an error to raise."""
    try:
        application = Application.objects.filter(pk=int(application_id)).first()
        if application is None:
            raise DomainError(_("You are not assigned to this audit."), code="not_assigned")
        active_assignment(application, user)
        require_state(application, *SCORING_STATES)
        criterion_of_scheme(application, criterion_id)
    except DomainError as exc:
        return exc
    except (TypeError, ValueError):
        pass
    return DomainError(_("This criterion cannot be scored here."), code="wrong_scheme")


# Findings (raise, answer, verify, send back, close): services/findings.py.


@transaction.atomic
def audit_request_corrections(*, application: Application, by: User | None) -> Application:
    """Pause the audit for the company's corrective actions."""
    application = locked_application(application)
    _require_lead(application, by)
    with scope(organization=application.organization):
        open_ncs = Finding.objects.filter(
            application=application, kind__in=NONCONFORMITIES
        ).exclude(status=FindingStatus.CLOSED)
        if not open_ncs.exists():
            raise DomainError(_("There is no open nonconformity to correct."))
    application = application_transition(application, "request_corrections", by=by)
    notify(
        application,
        subject=gettext_lazy("Corrective actions requested"),
        message=gettext_lazy(
            "Answer each open nonconformity with a corrective action by its due date."
        ),
        to=(COMPANY,),
    )
    return application


@transaction.atomic
def audit_resume(*, application: Application, by: User | None) -> Application:
    """End the corrective-action phase: the audit goes on; the company and co-auditors hear."""
    application = locked_application(application)
    _require_lead(application, by)
    application = application_transition(application, "resume_audit", by=by)
    notify(
        application,
        subject=lazy_format(gettext_lazy("Audit resumed: %(org)s"), org=application.organization),
        message=gettext_lazy(
            "The corrective-action phase has ended; the auditors continue the audit."
        ),
        to=(COMPANY,),
    )
    _tell_co_auditors(application, by)
    return application


def _tell_co_auditors(application: Application, by: User | None) -> None:
    # The lead resumed it and knows; only the other auditors of the case are written to.
    with scope(organization=application.organization):
        emails = list(
            AuditorAssignment.objects.filter(
                application=application, status=AssignmentStatus.ACTIVE
            )
            .exclude(auditor__user=by)
            .values_list("auditor__user__email", flat=True)
        )
    mail_on_commit(
        subject=lazy_format(gettext_lazy("Audit resumed: %(org)s"), org=application.organization),
        template=EVENT_TEMPLATE,
        context={
            "application": application,
            "message": gettext_lazy(
                "The lead auditor resumed the audit after the corrective actions."
            ),
            "path": links(application)[AUDITORS],
        },
        to=emails,
    )


@transaction.atomic
def report_submit(
    *, application: Application, recommendation: str, summary: str, by: User | None
) -> Application:
    """The lead auditor recommends grant or deny; the report PDF is rendered for all."""
    application = locked_application(application)
    _require_lead(application, by)
    require_state(application, *SCORING_STATES)
    if recommendation not in Recommendation.values:
        raise DomainError(_("Recommend grant or deny."))
    if not summary.strip():
        raise DomainError(_("Write the summary of the report."))
    result = pass_result_of(application)
    if not result.complete:
        raise DomainError(
            _("Score every criterion before submitting the report."), code="incomplete"
        )
    if recommendation == Recommendation.GRANT and not result.passed:
        raise DomainError(
            _("A grant cannot be recommended while the pass rule fails: %(reasons)s")
            % {"reasons": " ".join(result.reasons)},
            code="pass_rule",
        )
    # Evaluation planning (plans): a plan sent to the company, no objection pending.
    plan_require_for_report(application)
    application = application_transition(
        application,
        "submit_report",
        by=by,
        fields={
            "recommendation": recommendation,
            "report_summary": summary.strip(),
            "report_submitted_at": timezone.now(),
            "report_submitted_by": by,
        },
        data={"recommendation": recommendation, "passed": result.passed},
    )
    document_request(
        kind=AUDIT_REPORT_KIND,
        owner=application,
        organization=application.organization,
        title=_("Audit report for application #%(pk)s") % {"pk": application.pk},
        language=translation.get_language() or "en",
        by=by,
    )
    notify(
        application,
        subject=lazy_format(
            gettext_lazy("Audit report submitted: %(org)s"), org=application.organization
        ),
        message=gettext_lazy("The lead auditor submitted the report; the decision is due."),
        to=(OFFICE, COMPANY),
    )
    return application
