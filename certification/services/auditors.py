"""Auditors: their profile (qualifications, conflicts of interest) and their assignments.

Assignment enforces independence: the auditor must be active, qualified for the scheme
and free of any declared (or evident: membership) conflict with the organization.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import Auditor, User
from cpo_portal.accounts.roles import is_office
from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError
from cpo_portal.guards import require_office
from cpo_portal.mail import StrOrPromise, lazy_format, mail_on_commit
from cpo_portal.tenancy.models import Organization
from criteria.models import SchemeKind

from ..models import (
    AUDITOR_STATES,
    Application,
    ApplicationStatus,
    AssignmentRole,
    AssignmentStatus,
    AuditorAssignment,
    AuditorConflict,
    AuditorQualification,
)
from ..notify import AUDITORS, COMPANY, EVENT_TEMPLATE, OFFICE, notify
from ..selectors.auditors import conflict_reason, is_qualified
from .applications import application_transition, locked_application

S = ApplicationStatus


def _require_self_or_office(auditor: Auditor, by: User | None) -> None:
    if auditor.user_id != getattr(by, "pk", None) and not is_office(by):
        raise DomainError(_("Only the auditor or the CPO office can change this profile."))


@transaction.atomic
def auditor_qualifications_set(
    *, auditor: Auditor, scheme_kinds: list[str], by: User | None
) -> list[AuditorQualification]:
    """Declare the schemes the auditor is qualified for (replaces the previous list)."""
    _require_self_or_office(auditor, by)
    wanted = set(scheme_kinds)
    if not wanted <= set(SchemeKind.values):
        raise DomainError(_("Unknown assessment scheme."))
    current = {q.scheme_kind: q for q in AuditorQualification.objects.filter(auditor=auditor)}
    removed = set(current) - wanted
    added = wanted - set(current)
    _refuse_while_assigned(auditor, removed)
    AuditorQualification.objects.filter(auditor=auditor, scheme_kind__in=removed).delete()
    for kind in sorted(added):
        AuditorQualification.objects.create(auditor=auditor, scheme_kind=kind)
    if added or removed:
        activity_record(
            actor=by,
            verb="auditor.qualifications_changed",
            target=auditor,
            data={"before": sorted(current), "after": sorted(wanted)},
        )
    return list(AuditorQualification.objects.filter(auditor=auditor))


def _refuse_while_assigned(auditor: Auditor, scheme_kinds: set[str]) -> None:
    """A qualification cannot go while an audit of that scheme relies on it."""
    if not scheme_kinds:
        return
    with scopes_disabled():
        busy = list(
            AuditorAssignment.objects.filter(
                auditor=auditor,
                status=AssignmentStatus.ACTIVE,
                application__kind__in=scheme_kinds,
                application__status__in=AUDITOR_STATES,
            )
            .select_related("application__organization")
            .order_by("application__pk")
        )
    if busy:
        raise DomainError(
            _(
                "The qualification for the %(scheme)s scheme cannot be removed while assigned "
                "to an audit of that scheme (%(audits)s). Decline the assignment first, or "
                "ask the CPO office to end it."
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
    if until is not None and until < timezone.now().date():
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
    require_office(by)
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
            _("%(auditor)s is not qualified for the %(scheme)s scheme.")
            % {"auditor": auditor, "scheme": application.get_kind_display()},
            code="not_qualified",
        )
    reason = conflict_reason(auditor, application.organization)
    if reason:
        raise DomainError(reason, code="conflict_of_interest")
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
    require_office(by)
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
