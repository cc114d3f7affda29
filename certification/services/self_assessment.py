"""The company's self-assessment and the evidence behind it.

Evidence files are stored privately (nothing under MEDIA_URL is served) and downloaded only
through a view that checks the reader is a member, an assigned auditor or the office.
"""

import hashlib
import uuid
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope

from cpo_portal.accounts.models import User
from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError, StaleVersion
from cpo_portal.guards import require_org_admin
from cpo_portal.mail import lazy_format
from criteria.models import AssessmentCriterion, Obligation

from ..models import (
    EVIDENCE_STATES,
    SELF_ASSESSMENT_STATES,
    Application,
    ApplicationStatus,
    ClarificationRequest,
    ClarificationStatus,
    Evidence,
    Finding,
    FindingStatus,
    Score,
    SelfAssessmentAnswer,
    SelfStatus,
)
from ..notify import AUDITORS, OFFICE, notify
from ..selectors.self_assessment import criteria_lacking_evidence
from ..uploads import check_upload
from .applications import application_transition, locked_application, require_state

S = ApplicationStatus


def criterion_of_scheme(application: Application, criterion_id: Any) -> AssessmentCriterion:
    """The criterion, if it belongs to the application's scheme; refused otherwise."""
    try:
        return AssessmentCriterion.objects.select_related("area").get(
            pk=int(criterion_id), scheme_id=application.scheme_id
        )
    except (AssessmentCriterion.DoesNotExist, TypeError, ValueError):
        raise DomainError(
            _("This criterion is not part of the application's assessment scheme."),
            code="wrong_scheme",
        ) from None


class AnswerConflict(StaleVersion):
    """Someone saved this answer since the version the editor started from."""

    def __init__(self, current: SelfAssessmentAnswer) -> None:
        super().__init__(
            _("This answer was changed by %(who)s in the meantime. Review both values."),
            current=current,
            who=current.updated_by,
        )


@transaction.atomic
def self_assessment_answer(
    *,
    application: Application,
    criterion_id: Any,
    status: str,
    explanation: str,
    by: User | None,
    expected_version: int | None = None,
    no_evidence_reason: str | None = None,
) -> SelfAssessmentAnswer:
    """Save the company's answer for one criterion (the first answer opens the self-assessment).

    `expected_version` is the version the editor started from (0: no answer yet); a save based
    on an older one is refused with AnswerConflict, which carries the newer answer. Saving the
    values already stored changes nothing, whatever the version.
    """
    application = locked_application(application)
    require_org_admin(application.organization, by)
    require_state(application, *SELF_ASSESSMENT_STATES)
    criterion = criterion_of_scheme(application, criterion_id)
    if status not in SelfStatus.values:
        raise DomainError(_("Choose a status."))
    explanation = explanation.strip()
    # None: the caller does not edit the reason (kept as it is).
    reason = None if no_evidence_reason is None else no_evidence_reason.strip()
    if status == SelfStatus.NOT_APPLICABLE:
        if not criterion.na_allowed:
            raise DomainError(_("This criterion cannot be declared not applicable."))
        if not explanation:
            raise DomainError(_("Explain why the criterion does not apply."))
    with scope(organization=application.organization):
        # The application row is locked above: no other save of this answer runs meanwhile.
        answer = (
            SelfAssessmentAnswer.objects.select_related("updated_by")
            .filter(application=application, criterion=criterion)
            .first()
        )
        if (
            answer is not None
            and (answer.status, answer.explanation)
            == (
                status,
                explanation,
            )
            and reason in (None, answer.no_evidence_reason)
        ):
            return answer  # autosave sends unchanged rows too: nothing to write or log
        if answer is not None and expected_version not in (None, answer.version):
            raise AnswerConflict(answer)
        if application.status == S.AUDITOR_ASSIGNED:
            application = application_transition(application, "start_self_assessment", by=by)
        before = (
            None if answer is None else {"status": answer.status, "explanation": answer.explanation}
        )
        if answer is None:
            answer = SelfAssessmentAnswer(application=application, criterion=criterion, version=1)
        else:
            answer.version += 1
        answer.status = status
        answer.explanation = explanation
        if reason is not None:
            answer.no_evidence_reason = reason
        answer.updated_by = by
        answer.full_clean(exclude=["application", "criterion", "updated_by"])
        answer.save()
    activity_record(
        actor=by,
        organization=application.organization,
        verb="certification.answer_saved",
        target=application,
        data={
            "criterion": criterion.code,
            "before": before,
            "after": {"status": status},
            "version": answer.version,
        },
    )
    return answer


def _missing(application: Application) -> list[AssessmentCriterion]:
    answered = set(
        SelfAssessmentAnswer.objects.filter(application=application).values_list(
            "criterion_id", flat=True
        )
    )
    return [
        c
        for c in AssessmentCriterion.objects.filter(
            scheme_id=application.scheme_id, obligation=Obligation.SHALL
        ).order_by("area__position", "position")
        if c.pk not in answered
    ]


@transaction.atomic
def self_assessment_submit(*, application: Application, by: User | None) -> Application:
    """Hand the self-assessment to the auditors; every shall criterion must be answered."""
    application = locked_application(application)
    require_org_admin(application.organization, by)
    require_state(application, S.SELF_ASSESSMENT)
    with scope(organization=application.organization):
        missing = _missing(application)
        if missing:
            raise DomainError(
                _("Answer every mandatory (shall) criterion first: %(codes)s")
                % {"codes": ", ".join(c.code for c in missing)},
                code="shall_unanswered",
            )
        lacking = criteria_lacking_evidence(application)
        if lacking:
            raise DomainError(
                _(
                    "These criteria require evidence: add it, or say why there is none, "
                    "first: %(codes)s"
                )
                % {"codes": ", ".join(c.code for c in lacking)},
                code="evidence_missing",
            )
        application = application_transition(application, "submit_self_assessment", by=by)
        # One score row per criterion: every later save is a guarded update of its version.
        criteria = AssessmentCriterion.objects.filter(scheme_id=application.scheme_id)
        existing = set(
            Score.objects.filter(application=application).values_list("criterion_id", flat=True)
        )
        Score.objects.bulk_create(
            [Score(application=application, criterion=c) for c in criteria if c.pk not in existing]
        )
    notify(
        application,
        subject=lazy_format(
            gettext_lazy("Self-assessment submitted: %(org)s"), org=application.organization
        ),
        message=gettext_lazy("The company submitted its self-assessment; the audit can begin."),
        to=(AUDITORS, OFFICE),
    )
    return application


# --- Evidence ----------------------------------------------------------------------------


def _evidence_subject(
    application: Application,
    *,
    criterion_id: Any = None,
    finding: Finding | None = None,
    clarification: ClarificationRequest | None = None,
) -> tuple[AssessmentCriterion | None, Finding | None]:
    if clarification is not None:
        # clarifications: evidence given in answer to an open request, on its criterion.
        with scope(organization=application.organization):
            request = (
                ClarificationRequest.objects.select_related("criterion")
                .filter(pk=clarification.pk, application=application)
                .first()
            )
        if request is None or request.status != ClarificationStatus.OPEN:
            raise DomainError(_("This clarification request is not awaiting an answer."))
        return request.criterion, None
    if finding is not None:
        # The caller's instance may be stale (closed since it was loaded): read it locked.
        with scope(organization=application.organization):
            finding = (
                Finding.objects.select_for_update()
                .filter(pk=finding.pk, application=application)
                .first()
            )
        if finding is None or not finding.is_nonconformity:
            raise DomainError(_("Evidence can only be added to a nonconformity of this case."))
        if finding.status == FindingStatus.CLOSED:
            raise DomainError(_("This finding is closed."))
        return None, finding
    require_state(application, *SELF_ASSESSMENT_STATES)
    return criterion_of_scheme(application, criterion_id), None


def filename_shortened(name: str, limit: int) -> str:
    """The name cut to `limit` characters, keeping its extension: the type check reads it."""
    if len(name) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10:
        return name[:limit]
    return f"{stem[: limit - len(extension) - 1]}.{extension}"


@transaction.atomic
def evidence_add_file(
    *,
    application: Application,
    upload: UploadedFile,
    by: User | None,
    criterion_id: Any = None,
    finding: Finding | None = None,
    title: str = "",
    clarification: ClarificationRequest | None = None,
) -> Evidence:
    """Attach a file, checked by content and size, to a criterion or a nonconformity."""
    application = locked_application(application)
    require_org_admin(application.organization, by)
    require_state(application, *EVIDENCE_STATES)
    criterion, finding = _evidence_subject(
        application, criterion_id=criterion_id, finding=finding, clarification=clarification
    )
    name = filename_shortened((upload.name or "evidence").rsplit("/", 1)[-1], 200)
    found = check_upload(upload, name=name, size=upload.size)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with scope(organization=application.organization):
        evidence = Evidence(
            application=application,
            criterion=criterion,
            finding=finding,
            clarification=clarification,
            original_name=name,
            content_type=found.content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
            title=title.strip()[:200],
            uploaded_by=by,
        )
        # A random stored name: the original name is kept for the download only.
        evidence.file.save(f"{uuid.uuid4().hex}.{found.extensions[0]}", upload, save=False)
        try:
            evidence.full_clean(
                exclude=[
                    "application",
                    "criterion",
                    "finding",
                    "clarification",
                    "uploaded_by",
                    "file",
                ]
            )
            evidence.save()
        except Exception:
            evidence.file.storage.delete(evidence.file.name or "")
            raise
    activity_record(
        actor=by,
        organization=application.organization,
        verb="certification.evidence_added",
        target=application,
        data={"file": name, "sha256": evidence.sha256, "criterion": getattr(criterion, "code", "")},
    )
    return evidence


@transaction.atomic
def evidence_add_link(
    *,
    application: Application,
    url: str,
    by: User | None,
    criterion_id: Any = None,
    finding: Finding | None = None,
    title: str = "",
    clarification: ClarificationRequest | None = None,
) -> Evidence:
    application = locked_application(application)
    require_org_admin(application.organization, by)
    require_state(application, *EVIDENCE_STATES)
    criterion, finding = _evidence_subject(
        application, criterion_id=criterion_id, finding=finding, clarification=clarification
    )
    url = url.strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except Exception:
        raise DomainError(_("Enter a valid web address (http or https)."), code="url") from None
    with scope(organization=application.organization):
        evidence = Evidence(
            application=application,
            criterion=criterion,
            finding=finding,
            clarification=clarification,
            url=url[:500],
            title=title.strip()[:200],
            uploaded_by=by,
        )
        evidence.full_clean(
            exclude=["application", "criterion", "finding", "clarification", "uploaded_by"]
        )
        evidence.save()
    activity_record(
        actor=by,
        organization=application.organization,
        verb="certification.evidence_added",
        target=application,
        data={"url": url, "criterion": getattr(criterion, "code", "")},
    )
    return evidence


@transaction.atomic
def evidence_remove(*, evidence: Evidence, by: User | None) -> None:
    """Remove evidence while the company may still change its answers."""
    application = locked_application(evidence.application)
    require_org_admin(application.organization, by)
    if evidence.finding_id is None:
        require_state(application, *SELF_ASSESSMENT_STATES)
    else:
        require_state(application, *EVIDENCE_STATES)
    name = evidence.file.name if evidence.file else ""
    activity_record(
        actor=by,
        organization=application.organization,
        verb="certification.evidence_removed",
        target=application,
        data={"file": evidence.original_name, "url": evidence.url},
    )
    with scope(organization=application.organization):
        evidence.delete()
    if name:
        storage = evidence.file.storage
        transaction.on_commit(lambda: storage.delete(name))
