"""Auditors: their competence (qualifications applied for by the auditor and decided by
an office administrator, with a validity), their conflicts of interest and their
assignments.

Assignment enforces independence: the auditor must be active, hold a qualification for the
scheme in force today, be free of any declared (or evident: membership) conflict with the
organization and not be the subject of the company's upheld objection in the case.
"""

import uuid
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope

from cpo_portal.accounts.models import Auditor, OfficeRole, User
from cpo_portal.accounts.roles import is_office
from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError
from cpo_portal.guards import require_office_role
from cpo_portal.mail import StrOrPromise, lazy_format, mail_on_commit, office_emails
from cpo_portal.states import check_transition
from cpo_portal.tenancy.models import Organization
from criteria.models import SchemeKind

from ..models import (
    AUDITOR_STATES,
    QUALIFICATION_EDGES,
    Application,
    ApplicationStatus,
    AssignmentRole,
    AssignmentStatus,
    AuditorAssignment,
    AuditorConflict,
    AuditorQualification,
    QualificationStatus,
)
from ..notify import AUDITORS, COMPANY, EVENT_TEMPLATE, OFFICE, notify
from ..selectors.auditors import (
    conflict_reason,
    is_qualified,
    qualification_problem,
    qualification_today,
    relying_audits,
)
from ..selectors.plans import upheld_objection_against
from ..uploads import check_upload
from .applications import application_transition, locked_application
from .certificates import add_months

S = ApplicationStatus


def _require_self_or_office(auditor: Auditor, by: User | None) -> None:
    if auditor.user_id != getattr(by, "pk", None) and not is_office(by):
        raise DomainError(_("Only the auditor or the CPO office can change this profile."))


# --- Qualifications: applied for by the auditor, decided by the office ---------------------

QUALIFICATION_TEMPLATE = "certification/auditors/email/qualification.txt"
# The longest text of each piece of evidence (as the model's fields).
TEXT_LIMIT = 5000
# The longest validity the office grants at once, in months.
LONGEST_VALIDITY_MONTHS = 60


def _require_administrator(by: User | None) -> User:
    """Qualifications are decided by an office administrator (ISO/IEC 17065 §6.1.2)."""
    require_office_role(by, OfficeRole.ADMINISTRATOR)
    assert by is not None
    return by


def _require_not_own(qualification: AuditorQualification, by: User) -> None:
    # An office member who is also an auditor does not qualify themselves.
    if qualification.auditor.user_id == by.pk:
        raise DomainError(
            _("You cannot decide on your own qualification; another administrator does."),
            code="own_application",
        )


def _locked(qualification: AuditorQualification) -> AuditorQualification:
    return (
        AuditorQualification.objects.select_for_update()
        .select_related("auditor__user")
        .get(pk=qualification.pk)
    )


def _move(qualification: AuditorQualification, action: str) -> str:
    """The status `action` leads to from the qualification's; refused if it has no edge."""
    edges = QUALIFICATION_EDGES[action]
    to = next(iter(edges.get(qualification.status, ())), "")
    check_transition(
        edges,
        qualification.status,
        to,
        message=_("A qualification that is “%(status)s” cannot be changed this way.")
        % {"status": qualification.get_status_display()},
    )
    return to


def _scheme_label(kind: str) -> StrOrPromise:
    return SchemeKind(kind).label


@transaction.atomic
def qualification_apply(
    *,
    auditor: Auditor,
    scheme_kind: str,
    training: str,
    experience: str,
    by: User | None,
    audits_witnessed: str = "",
    evidence: UploadedFile | None = None,
) -> AuditorQualification:
    """The auditor applies for a qualification for a scheme, with evidence of competence;
    applying while approved is a renewal. The office administrators are told."""
    if by is None or auditor.user_id != by.pk:
        raise DomainError(
            _("Only the auditor applies for their qualification."), code="not_own_profile"
        )
    auditor = Auditor.objects.select_for_update().select_related("user").get(pk=auditor.pk)
    if not auditor.is_active or not auditor.user.is_active:
        raise DomainError(_("This auditor is not active."), code="inactive")
    if scheme_kind not in SchemeKind.values:
        raise DomainError({"scheme_kind": [_("Unknown assessment scheme.")]})
    errors = {
        name: [message]
        for name, value, message in (
            ("training", training, _("Describe your training as an auditor.")),
            ("experience", experience, _("Describe your professional experience.")),
        )
        if not value.strip()
    }
    for name, value in (
        ("training", training),
        ("experience", experience),
        ("audits_witnessed", audits_witnessed),
    ):
        if len(value.strip()) > TEXT_LIMIT:
            errors[name] = [_("At most %(limit)d characters.") % {"limit": TEXT_LIMIT}]
    if errors:
        raise DomainError(errors)
    rows = AuditorQualification.objects.filter(auditor=auditor, scheme_kind=scheme_kind)
    if rows.filter(status=QualificationStatus.APPLIED).exists():
        raise DomainError(
            _(
                "You have already applied for the %(scheme)s scheme; withdraw that application "
                "to apply anew."
            )
            % {"scheme": _scheme_label(scheme_kind)},
            code="pending",
        )
    renewal = rows.filter(status=QualificationStatus.APPROVED).exists()
    qualification = AuditorQualification(
        auditor=auditor,
        scheme_kind=scheme_kind,
        status=QualificationStatus.APPLIED,
        training=training.strip(),
        experience=experience.strip(),
        audits_witnessed=audits_witnessed.strip(),
        applied_at=timezone.now(),
    )
    if evidence is not None:
        _attach(qualification, evidence)
    try:
        qualification.full_clean(exclude=["auditor", "evidence_file"])
        with transaction.atomic():
            qualification.save()
    except (ValidationError, IntegrityError) as exc:
        if qualification.evidence_file:
            qualification.evidence_file.storage.delete(qualification.evidence_file.name or "")
        if isinstance(exc, IntegrityError):
            raise DomainError(
                _("You have already applied for this scheme."), code="pending"
            ) from None
        raise
    activity_record(
        actor=by,
        verb="auditor.qualification_applied",
        target=qualification,
        data={
            "scheme": scheme_kind,
            "renewal": renewal,
            "evidence": qualification.evidence_name,
        },
    )
    # The applicant is not asked to decide: they cannot.
    administrators = [e for e in office_emails(OfficeRole.ADMINISTRATOR) if e != by.email]
    mail_on_commit(
        subject=lazy_format(
            gettext_lazy("Qualification applied for: %(auditor)s, %(scheme)s scheme"),
            auditor=auditor,
            scheme=_scheme_label(scheme_kind),
        ),
        template=QUALIFICATION_TEMPLATE,
        context={
            "qualification": qualification,
            "message": gettext_lazy("A renewal awaits your decision.")
            if renewal
            else gettext_lazy("An application awaits your decision."),
            "path": reverse("certification:office_qualification", args=[qualification.pk]),
        },
        to=administrators,
    )
    return qualification


def _attach(qualification: AuditorQualification, upload: UploadedFile) -> None:
    """The evidence file, checked by content, stored privately under a random name."""
    name = (upload.name or "evidence").rsplit("/", 1)[-1][-200:]
    try:
        found = check_upload(upload, name=name, size=upload.size)
    except DomainError as exc:
        raise DomainError({"evidence": exc.messages}) from None
    qualification.evidence_name = name
    qualification.evidence_file.save(
        f"{uuid.uuid4().hex}.{found.extensions[0]}", upload, save=False
    )


@transaction.atomic
def qualification_withdraw(
    *, qualification: AuditorQualification, by: User | None
) -> AuditorQualification:
    """The auditor takes back an application the office has not decided yet."""
    qualification = _locked(qualification)
    if by is None or qualification.auditor.user_id != by.pk:
        raise DomainError(_("Only the auditor can withdraw their application."))
    qualification.status = _move(qualification, "withdraw")
    qualification.decided_by = by
    qualification.decided_at = timezone.now()
    qualification.save(update_fields=["status", "decided_by", "decided_at"])
    activity_record(
        actor=by,
        verb="auditor.qualification_withdrawn",
        target=qualification,
        data={"scheme": qualification.scheme_kind},
    )
    return qualification


def _check_validity(valid_from: date | None, valid_until: date | None, *, renewal: bool) -> None:
    today = qualification_today()
    errors: dict[str, list[str]] = {}
    if valid_from is None:
        errors["valid_from"] = [_("Give the first day of validity.")]
    if valid_until is None:
        errors["valid_until"] = [_("Give the last day of validity.")]
    if valid_from is None or valid_until is None:
        raise DomainError(errors)
    longest = min(
        add_months(valid_from, LONGEST_VALIDITY_MONTHS),
        add_months(today, LONGEST_VALIDITY_MONTHS),
    )
    if valid_until <= today:
        errors["valid_until"] = [_("The end of validity must lie in the future.")]
    elif valid_until < valid_from:
        errors["valid_until"] = [_("The end of validity lies before its start.")]
    elif valid_until > longest:
        errors["valid_until"] = [_("A qualification is approved for at most five years.")]
    if renewal and valid_from > today:
        errors["valid_from"] = [
            _(
                "A renewal replaces the qualification in force at once: its validity starts "
                "today at the latest."
            )
        ]
    if errors:
        raise DomainError(errors)


@transaction.atomic
def qualification_approve(
    *,
    qualification: AuditorQualification,
    valid_from: date | None,
    valid_until: date | None,
    by: User | None,
    note: str = "",
) -> AuditorQualification:
    """An office administrator approves an application with its validity; a renewal
    supersedes the qualification in force. The auditor is told."""
    by = _require_administrator(by)
    qualification = _locked(qualification)
    _require_not_own(qualification, by)
    to = _move(qualification, "approve")
    current = (
        AuditorQualification.objects.select_for_update()
        .filter(
            auditor_id=qualification.auditor_id,
            scheme_kind=qualification.scheme_kind,
            status=QualificationStatus.APPROVED,
        )
        .first()
    )
    _check_validity(valid_from, valid_until, renewal=current is not None)
    if len(note.strip()) > TEXT_LIMIT:
        raise DomainError({"note": [_("At most %(limit)d characters.") % {"limit": TEXT_LIMIT}]})
    if current is not None:
        current.status = _move(current, "supersede")
        current.save(update_fields=["status"])
    qualification.status = to
    qualification.valid_from = valid_from
    qualification.valid_until = valid_until
    qualification.decided_by = by
    qualification.decided_at = timezone.now()
    qualification.decision_note = note.strip()
    qualification.full_clean(exclude=["auditor", "evidence_file"])
    qualification.save(
        update_fields=[
            "status",
            "valid_from",
            "valid_until",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
    )
    activity_record(
        actor=by,
        verb="auditor.qualification_approved",
        target=qualification,
        data={
            "scheme": qualification.scheme_kind,
            "valid_from": str(valid_from),
            "valid_until": str(valid_until),
            "supersedes": current.pk if current is not None else None,
        },
    )
    _tell_auditor(
        qualification,
        subject=gettext_lazy("Your qualification is approved: %(scheme)s scheme"),
        message=gettext_lazy(
            "The CPO office approved your qualification. You may now be assigned to audits "
            "of this scheme."
        ),
    )
    return qualification


def _decision_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise DomainError({"reason": [_("Give a reason.")]})
    if len(reason) > TEXT_LIMIT:
        raise DomainError({"reason": [_("At most %(limit)d characters.") % {"limit": TEXT_LIMIT}]})
    return reason


@transaction.atomic
def qualification_refuse(
    *, qualification: AuditorQualification, reason: str, by: User | None
) -> AuditorQualification:
    """An office administrator refuses an application, with the reason the auditor reads."""
    by = _require_administrator(by)
    qualification = _locked(qualification)
    _require_not_own(qualification, by)
    qualification.status = _move(qualification, "refuse")
    qualification.decision_note = _decision_reason(reason)
    qualification.decided_by = by
    qualification.decided_at = timezone.now()
    qualification.full_clean(exclude=["auditor", "evidence_file"])
    qualification.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
    activity_record(
        actor=by,
        verb="auditor.qualification_refused",
        target=qualification,
        data={"scheme": qualification.scheme_kind, "reason": qualification.decision_note},
    )
    _tell_auditor(
        qualification,
        subject=gettext_lazy("Your application for a qualification is refused: %(scheme)s scheme"),
        message=gettext_lazy("The CPO office refused your application."),
    )
    return qualification


@transaction.atomic
def qualification_revoke(
    *, qualification: AuditorQualification, reason: str, by: User | None
) -> AuditorQualification:
    """An office administrator ends an approved qualification before its time; refused
    while an open audit of that scheme relies on it (end the assignment first)."""
    by = _require_administrator(by)
    qualification = _locked(qualification)
    _require_not_own(qualification, by)
    to = _move(qualification, "revoke")
    reason = _decision_reason(reason)
    _refuse_while_assigned(qualification.auditor, {qualification.scheme_kind})
    qualification.status = to
    qualification.decision_note = reason
    qualification.decided_by = by
    qualification.decided_at = timezone.now()
    qualification.full_clean(exclude=["auditor", "evidence_file"])
    qualification.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
    activity_record(
        actor=by,
        verb="auditor.qualification_revoked",
        target=qualification,
        data={"scheme": qualification.scheme_kind, "reason": reason},
    )
    _tell_auditor(
        qualification,
        subject=gettext_lazy("Your qualification is revoked: %(scheme)s scheme"),
        message=gettext_lazy(
            "The CPO office revoked your qualification. You are no longer assigned to audits "
            "of this scheme."
        ),
    )
    return qualification


def _tell_auditor(
    qualification: AuditorQualification, *, subject: StrOrPromise, message: StrOrPromise
) -> None:
    mail_on_commit(
        subject=lazy_format(subject, scheme=_scheme_label(qualification.scheme_kind)),
        template=QUALIFICATION_TEMPLATE,
        context={
            "qualification": qualification,
            "message": message,
            "note": qualification.decision_note,
            "path": reverse("certification:auditor_profile"),
        },
        to=[qualification.auditor.user.email],
    )


def _refuse_while_assigned(auditor: Auditor, scheme_kinds: set[str]) -> None:
    """A qualification cannot go while an audit of that scheme relies on it."""
    busy = relying_audits(auditor, scheme_kinds)
    if busy:
        raise DomainError(
            _(
                "The qualification for the %(scheme)s scheme cannot be revoked while the "
                "auditor is assigned to an audit of that scheme (%(audits)s). End the "
                "assignment first."
            )
            % {
                "scheme": busy[0].application.get_kind_display(),
                "audits": ", ".join(
                    f"#{a.application.pk} {a.application.organization}" for a in busy
                ),
            },
            code="assigned",
        )


@transaction.atomic
def auditor_conflict_declare(
    *,
    auditor: Auditor,
    organization: Organization,
    by: User | None,
    until: date | None = None,
    reason: str = "",
) -> AuditorConflict:
    """Declare a conflict of interest; from now on the auditor cannot be assigned there."""
    _require_self_or_office(auditor, by)
    if until is not None and until < timezone.localdate():
        raise DomainError(_("The end of the conflict lies in the past."), code="until_past")
    conflict = AuditorConflict(
        auditor=auditor, organization=organization, until=until, reason=reason.strip()[:500]
    )
    conflict.full_clean()
    conflict.save()
    activity_record(
        actor=by,
        verb="auditor.conflict_declared",
        target=auditor,
        data={"organization": organization.slug, "until": str(until or "")},
    )
    _end_conflicted_assignments(auditor, organization, by=by)
    return conflict


def _end_conflicted_assignments(
    auditor: Auditor, organization: Organization, *, by: User | None
) -> None:
    """Independence holds for the whole audit, not only at assignment: a conflict declared
    later ends the auditor's assignments with that organization at once."""
    with scope(organization=organization):
        conflicted = list(
            AuditorAssignment.objects.filter(
                auditor=auditor,
                status=AssignmentStatus.ACTIVE,
                application__organization=organization,
            ).order_by("pk")
        )
    for assignment in conflicted:
        _end(
            assignment,
            AssignmentStatus.ENDED,
            by=by,
            # Lazy: the mails about it are read in each recipient's language.
            reason=gettext_lazy("conflict of interest declared"),
            verb="certification.auditor_removed",
            tell_company=True,
        )


@transaction.atomic
def auditor_conflict_remove(*, conflict: AuditorConflict, by: User | None) -> None:
    _require_self_or_office(conflict.auditor, by)
    activity_record(
        actor=by,
        verb="auditor.conflict_removed",
        target=conflict.auditor,
        data={"organization": conflict.organization.slug},
    )
    conflict.delete()


def auditor_membership_refusal(*, organization: Organization, user: User) -> str | None:
    """Why `user` may not join `organization`: they audit it (asked by tenancy's invitations).

    Refusing the membership, rather than ending the assignment, keeps the audit's work and
    leaves the choice with the people concerned: the auditor declines, or the office ends
    the assignment, and the invitation can be accepted afterwards.
    """
    with scope(organization=organization):
        audits = AuditorAssignment.objects.filter(
            auditor__user=user,
            status=AssignmentStatus.ACTIVE,
            application__organization=organization,
            application__status__in=AUDITOR_STATES,
        ).exists()
    if not audits:
        return None
    return _(
        "An auditor of an open audit of %(org)s cannot join it: auditors stay independent "
        "of the organizations they audit. The assignment has to end first (the auditor "
        "declines it, or the CPO office ends it)."
    ) % {"org": organization}


@transaction.atomic
def auditor_assign(
    *, application: Application, auditor: Auditor, role: str, by: User | None
) -> AuditorAssignment:
    """Assign a lead auditor (or a co-auditor); qualification and independence enforced."""
    application = locked_application(application)
    require_office_role(by, OfficeRole.REVIEWER)
    if role not in AssignmentRole.values:
        raise DomainError(_("Choose lead auditor or co-auditor."))
    lead_states = (S.ACCEPTED, *AUDITOR_STATES[:-1])
    if application.status not in (
        lead_states if role == AssignmentRole.LEAD else AUDITOR_STATES[:-1]
    ):
        raise DomainError(
            _("Auditors cannot be assigned while the application is “%(status)s”.")
            % {"status": application.get_status_display()}
        )
    if not auditor.is_active or not auditor.user.is_active:
        raise DomainError(_("This auditor is not active."))
    if not is_qualified(auditor, application.kind):
        raise DomainError(
            _("%(auditor)s is not qualified for the %(scheme)s scheme: %(why)s.")
            % {
                "auditor": auditor,
                "scheme": application.get_kind_display(),
                "why": qualification_problem(auditor, application.kind),
            },
            code="not_qualified",
        )
    reason = conflict_reason(auditor, application.organization)
    if reason:
        raise DomainError(reason, code="conflict_of_interest")
    if upheld_objection_against(application, auditor) is not None:
        raise DomainError(
            _(
                "The company's objection to %(auditor)s in this case was upheld: choose "
                "another auditor."
            )
            % {"auditor": auditor},
            code="objection_upheld",
        )
    if getattr(by, "pk", None) == auditor.user_id:
        raise DomainError(_("You cannot assign yourself."))
    with scope(organization=application.organization):
        active = AuditorAssignment.objects.filter(
            application=application, status=AssignmentStatus.ACTIVE
        )
        if active.filter(auditor=auditor).exists():
            raise DomainError(_("%(auditor)s is already assigned.") % {"auditor": auditor})
        if role == AssignmentRole.LEAD and active.filter(role=AssignmentRole.LEAD).exists():
            raise DomainError(_("A lead auditor is already assigned; remove them first."))
        if role == AssignmentRole.CO and not active.filter(role=AssignmentRole.LEAD).exists():
            raise DomainError(_("Assign the lead auditor first."))
        try:
            with transaction.atomic():
                assignment = AuditorAssignment.objects.create(
                    application=application, auditor=auditor, role=role, assigned_by=by
                )
        except IntegrityError:
            raise DomainError(_("This auditor or role is already assigned.")) from None
    data = {"auditor": auditor.user.email, "role": role}
    if application.status == S.ACCEPTED:
        application = application_transition(application, "assign", by=by, data=data)
    else:
        activity_record(
            actor=by,
            organization=application.organization,
            verb="certification.auditor_added",
            target=application,
            data=data,
        )
    notify(
        application,
        subject=lazy_format(
            gettext_lazy("New audit assignment: %(org)s"), org=application.organization
        ),
        message=lazy_format(
            gettext_lazy("You have been assigned as %(role)s."),
            role=AssignmentRole(assignment.role).label,
        ),
        to=(AUDITORS,),
    )
    notify(
        application,
        subject=gettext_lazy("Auditor assigned to your certification application"),
        message=lazy_format(
            gettext_lazy("%(auditor)s is your %(role)s. You can now complete the self-assessment."),
            auditor=auditor,
            role=AssignmentRole(assignment.role).label,
        ),
        to=(COMPANY,),
    )
    return assignment


def _end(
    assignment: AuditorAssignment,
    status: str,
    *,
    by: User | None,
    reason: StrOrPromise,
    verb: str,
    tell_company: bool = False,
) -> None:
    application = locked_application(assignment.application)
    with scope(organization=application.organization):
        assignment = (
            AuditorAssignment.objects.select_for_update()
            .select_related("auditor__user")
            .get(pk=assignment.pk)
        )
    if assignment.status != AssignmentStatus.ACTIVE:
        raise DomainError(_("This assignment has already ended."))
    assignment.status = status
    text = str(reason)
    assignment.reason = text.strip()
    assignment.ended_at = timezone.now()
    assignment.save(update_fields=["status", "reason", "ended_at"])
    data = {"auditor": assignment.auditor.user.email, "role": assignment.role, "reason": text}
    if assignment.role == AssignmentRole.LEAD and application.status == S.AUDITOR_ASSIGNED:
        application = application_transition(application, "unassign", by=by, reason=text, data=data)
    else:
        activity_record(
            actor=by,
            organization=application.organization,
            verb=verb,
            target=application,
            data=data,
        )
    notify(
        application,
        subject=lazy_format(
            gettext_lazy("Auditor assignment ended: %(org)s"), org=application.organization
        ),
        message=lazy_format(
            gettext_lazy("%(auditor)s (%(role)s) is no longer assigned: %(reason)s"),
            auditor=assignment.auditor,
            role=AssignmentRole(assignment.role).label,
            reason=reason,
        ),
        to=(OFFICE,),
    )
    if tell_company:
        # The company's admins must know who (no longer) sees their evidence.
        notify(
            application,
            subject=gettext_lazy("Auditor no longer assigned to your certification application"),
            message=lazy_format(
                gettext_lazy(
                    "%(auditor)s (%(role)s) is no longer assigned to your application. "
                    "The CPO office will assign another auditor where needed."
                ),
                auditor=assignment.auditor,
                role=AssignmentRole(assignment.role).label,
            ),
            to=(COMPANY,),
        )
    if assignment.auditor.user_id != getattr(by, "pk", None):
        _tell_removed_auditor(assignment, application, reason)


def _tell_removed_auditor(
    assignment: AuditorAssignment, application: Application, reason: StrOrPromise
) -> None:
    # No longer among the case's auditors: written to directly, with a link to their list
    # (the audit itself is closed to them now).
    mail_on_commit(
        subject=lazy_format(
            gettext_lazy("Your audit assignment has ended: %(org)s"), org=application.organization
        ),
        template=EVENT_TEMPLATE,
        context={
            "application": application,
            "message": lazy_format(
                gettext_lazy("You are no longer assigned as %(role)s: %(reason)s"),
                role=AssignmentRole(assignment.role).label,
                reason=reason.strip() if isinstance(reason, str) else reason,
            ),
            "path": reverse("certification:audits"),
        },
        to=[assignment.auditor.user.email],
    )


@transaction.atomic
def assignment_decline(*, assignment: AuditorAssignment, by: User | None, reason: str) -> None:
    """The auditor declines an assignment, with a reason the office sees."""
    if assignment.auditor.user_id != getattr(by, "pk", None):
        raise DomainError(_("Only the assigned auditor can decline."))
    if not reason.strip():
        raise DomainError(_("Give a reason for declining."))
    _end(
        assignment,
        AssignmentStatus.DECLINED,
        by=by,
        reason=reason,
        verb="certification.auditor_declined",
    )


@transaction.atomic
def assignment_end(*, assignment: AuditorAssignment, by: User | None, reason: str) -> None:
    """The office removes an auditor from a case."""
    require_office_role(by, OfficeRole.REVIEWER)
    if not reason.strip():
        raise DomainError(_("Give a reason."))
    _end(
        assignment,
        AssignmentStatus.ENDED,
        by=by,
        reason=reason,
        verb="certification.auditor_removed",
        tell_company=True,
    )
