"""Appeals (ISO/IEC 17065 §7.13): a client appeals a certification decision (refusal,
suspension, withdrawal, a finding) within the policy's period; a person who took no part in
the decision or the audit decides.

The appeal's states, one set of edges per action (`APPEAL_EDGES` beside the statuses,
checked by `cpo_portal.states.check_transition` in `appeal_transition`, the only code that
changes the status).

Every step keeps an AppealEvent (the appeal's history) and an activity log entry. The
impartial decider is checked when assigned and again when deciding.
"""

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import OfficeRole, User
from cpo_portal.accounts.roles import has_office_role
from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError
from cpo_portal.guards import require_office_role, require_org_admin
from cpo_portal.mail import (
    StrOrPromise,
    lazy_format,
    mail_on_commit,
    office_emails,
    organization_admin_emails,
)
from cpo_portal.states import check_transition
from cpo_portal.tenancy.models import Organization

from ..models import (
    APPEAL_EDGES,
    Appeal,
    AppealEvent,
    AppealOutcome,
    AppealStatus,
    CertificateStatus,
    DeadlineKind,
)
from ..selectors.appeals import (
    appeal_impartiality_refusal,
    appealable_item,
    open_appeal_on,
)
from .certificates import certificate_reinstate, certification_policy, reference_next
from .deadlines import deadline_close, deadline_open

A = AppealStatus
MAIL_TEMPLATE = "certification/appeals/email/appeal.txt"
REFERENCE_PREFIX = "APL"  # also the name of its ReferenceSequence
# The follow-ups an upheld appeal may need, taken by hand once decided (never automatically).
FOLLOW_UP_REINSTATE = "reinstate"
FOLLOW_UP_NOTE = "note"
UPHELD = (AppealOutcome.UPHELD, AppealOutcome.PARTLY_UPHELD)
# The activity log's verb of each step (templates/activity/_description.html words them).
VERBS = {
    "filed": "appeal_filed",
    "assign": "appeal_assigned",
    "decide": "appeal_decided",
    "withdraw": "appeal_withdrawn",
    "follow_up": "appeal_follow_up",
}


def _locked(appeal: Appeal) -> Appeal:
    with scopes_disabled():
        return (
            Appeal.objects.select_for_update(of=("self",))
            .select_related(
                "organization",
                "application",
                "certificate__application",
                "finding__application",
                "decider",
            )
            .get(pk=appeal.pk)
        )


def _person(user: User | None) -> User | None:
    return user if user is not None and user.is_authenticated else None


def _record(
    appeal: Appeal,
    action: str,
    before: str,
    *,
    by: User | None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> AppealEvent:
    with scope(organization=appeal.organization):
        event = AppealEvent(
            appeal=appeal,
            action=action,
            status_before=before,
            status_after=appeal.status,
            note=note,
            data=data or {},
            by=_person(by),
            at=timezone.now(),
        )
        event.full_clean()
        event.save()
    activity_record(
        actor=by,
        organization=appeal.organization,
        verb=f"certification.{VERBS[action]}",
        target=appeal,
        data={
            "reference": appeal.reference,
            "before": before,
            "after": appeal.status,
            **(data or {}),
        },
    )
    return event


def appeal_transition(
    appeal: Appeal,
    action: str,
    *,
    by: User | None,
    fields: dict[str, Any],
    note: str = "",
    data: dict[str, Any] | None = None,
) -> Appeal:
    """Move the (locked) appeal along one edge, or refuse; keep the step."""
    before = appeal.status
    edges = APPEAL_EDGES[action]
    to = next(iter(edges.get(before, ())), "")
    check_transition(
        edges,
        before,
        to,
        message=_("The appeal is %(status)s; this step is not possible now.")
        % {"status": appeal.get_status_display()},
    )
    appeal.status = to
    for name, value in fields.items():
        setattr(appeal, name, value)
    with scope(organization=appeal.organization):
        appeal.full_clean()
        appeal.save(update_fields=["status", *fields])
    _record(appeal, action, before, by=by, note=note, data=data)
    return appeal


def _paths(appeal: Appeal) -> dict[str, str]:
    return {
        "company": reverse(
            "certification:appeal",
            kwargs={"org_slug": appeal.organization.slug, "appeal_id": appeal.pk},
        ),
        "office": reverse("certification:office_appeal", kwargs={"appeal_id": appeal.pk}),
    }


def _mail(
    appeal: Appeal, *, audience: str, subject: StrOrPromise, message: StrOrPromise, to: list[str]
) -> None:
    mail_on_commit(
        subject=subject,
        template=MAIL_TEMPLATE,
        context={"appeal": appeal, "message": message, "path": _paths(appeal)[audience]},
        to=to,
    )


def _deadline_close(appeal: Appeal) -> None:
    deadline_close(kind=DeadlineKind.APPEAL, organization=appeal.organization, appeal=appeal)


# --- The company files and withdraws --------------------------------------------------------


@transaction.atomic
def appeal_file(*, organization: Organization, item: str, grounds: str, by: User | None) -> Appeal:
    """An owner or admin appeals one of the organization's own decisions, within the
    policy's period and once while an appeal on it is open; the office's certifiers are told
    and a decision is due by the policy."""
    require_org_admin(organization, by)
    policy = certification_policy()
    found = appealable_item(organization, item, appeal_days=policy.appeal_days)
    if found is None:
        raise DomainError(_("Choose one of your organization's decisions."), code="item")
    today = timezone.localdate()
    if not found.open_on(today):
        raise DomainError(
            _("The period to appeal this decision ended on %(date)s.") % {"date": found.last_day},
            code="period",
        )
    text = grounds.strip()
    if not text:
        raise DomainError(_("Give the grounds of your appeal."), code="grounds")
    # Drawn first: the sequence row's lock queues two filings at once, so the second sees the
    # first's appeal (a refusal rolls the number back: references stay gapless).
    reference = reference_next(name=REFERENCE_PREFIX, prefix=REFERENCE_PREFIX, year=today.year)
    if open_appeal_on(organization, found) is not None:
        raise DomainError(_("An appeal against this decision is open already."), code="duplicate")
    now = timezone.now()
    appeal = Appeal(
        reference=reference,
        organization=organization,
        subject=found.subject,
        application=found.application,
        certificate=found.certificate,
        finding=found.finding,
        decision_on=found.decision_on,
        grounds=text,
        filed_by=_person(by),
        filed_at=now,
        due_on=_decision_due(today, policy.appeal_decision_days),
    )
    with scope(organization=organization):
        appeal.full_clean()
        appeal.save()
    deadline_open(
        kind=DeadlineKind.APPEAL, organization=organization, appeal=appeal, due_on=appeal.due_on
    )
    _record(appeal, "filed", "", by=by, data={"against": found.label})
    if by is not None and by.email:
        _mail(
            appeal,
            audience="company",
            subject=lazy_format(
                gettext_lazy("Your appeal %(reference)s is received"), reference=appeal.reference
            ),
            message=gettext_lazy(
                "We received your appeal. A certifier who took no part in the decision or the "
                "audit will decide it; you will be told the outcome and the reasons."
            ),
            to=[by.email],
        )
    _mail(
        appeal,
        audience="office",
        subject=lazy_format(
            gettext_lazy("Appeal %(reference)s filed: %(org)s"),
            reference=appeal.reference,
            org=organization,
        ),
        message=gettext_lazy(
            "A client appealed a certification decision. Assign an impartial certifier to "
            "decide it."
        ),
        to=office_emails(OfficeRole.CERTIFIER),
    )
    return appeal


def _decision_due(filed_on: date, days: int) -> date:
    return filed_on + timedelta(days=days)


@transaction.atomic
def appeal_withdraw(*, appeal: Appeal, by: User | None, reason: str = "") -> Appeal:
    """The company withdraws its open appeal; the deadline closes, the office is told."""
    appeal = _locked(appeal)
    require_org_admin(appeal.organization, by)
    appeal = appeal_transition(
        appeal, "withdraw", by=by, fields={"withdrawn_at": timezone.now()}, note=reason.strip()
    )
    _deadline_close(appeal)
    _mail(
        appeal,
        audience="office",
        subject=lazy_format(
            gettext_lazy("Appeal %(reference)s withdrawn"), reference=appeal.reference
        ),
        message=gettext_lazy("The client withdrew the appeal."),
        to=office_emails(OfficeRole.CERTIFIER),
    )
    return appeal


# --- The office assigns an impartial decider, who decides -------------------------------------


def require_impartial(appeal: Appeal, user: User | None) -> None:
    """The decider is a certifier who took no part in the decision or the audit."""
    if user is None or not has_office_role(user, OfficeRole.CERTIFIER):
        raise DomainError(
            _("The person deciding an appeal must be a certifier of the CPO office."),
            code="not_certifier",
        )
    reason = appeal_impartiality_refusal(appeal, user)
    if reason:
        raise DomainError(
            _("%(person)s took part in the decision or the audit (%(reason)s) and cannot decide.")
            % {"person": user.public_name, "reason": reason},
            code="impartiality",
        )


@transaction.atomic
def appeal_assign(*, appeal: Appeal, decider: User, by: User | None) -> Appeal:
    """A certifier names the impartial certifier who decides the appeal."""
    require_office_role(by, OfficeRole.CERTIFIER)  # office roles: a certifier handles appeals
    appeal = _locked(appeal)
    require_impartial(appeal, decider)
    if appeal.decider_id == decider.pk and appeal.status == A.UNDER_REVIEW:
        raise DomainError(
            _("%(person)s decides this appeal already.") % {"person": decider.public_name},
            code="same",
        )
    appeal = appeal_transition(
        appeal,
        "assign",
        by=by,
        fields={"decider": decider, "assigned_by": _person(by), "assigned_at": timezone.now()},
        data={"decider": decider.public_name},
    )
    _mail(
        appeal,
        audience="office",
        subject=lazy_format(
            gettext_lazy("You decide appeal %(reference)s"), reference=appeal.reference
        ),
        message=lazy_format(
            gettext_lazy("You were named to decide the appeal; the decision is due by %(due)s."),
            due=appeal.due_on,
        ),
        to=[decider.email],
    )
    return appeal


@transaction.atomic
def appeal_decide(*, appeal: Appeal, outcome: str, reasons: str, by: User | None) -> Appeal:
    """The assigned decider, still impartial, decides with reasons; the company and the
    office are told, the deadline closes. An upheld appeal's follow-up is taken by hand."""
    require_office_role(by, OfficeRole.CERTIFIER)
    appeal = _locked(appeal)
    assert by is not None
    if appeal.decider_id != by.pk:
        raise DomainError(
            _("Only the certifier assigned to decide this appeal can decide it."),
            code="not_decider",
        )
    require_impartial(appeal, by)
    if outcome not in AppealOutcome.values:
        raise DomainError(_("Choose the outcome."), code="outcome")
    text = reasons.strip()
    if not text:
        raise DomainError(_("Give the reasons of the decision."), code="reasons")
    appeal = appeal_transition(
        appeal,
        "decide",
        by=by,
        fields={"outcome": outcome, "reasons": text, "decided_at": timezone.now()},
        data={"outcome": outcome},
    )
    _deadline_close(appeal)
    subject = lazy_format(
        gettext_lazy("Appeal %(reference)s decided: %(outcome)s"),
        reference=appeal.reference,
        outcome=AppealOutcome(outcome).label,
    )
    message = gettext_lazy("The appeal is decided. The outcome and the reasons follow.")
    _mail(
        appeal,
        audience="company",
        subject=subject,
        message=message,
        to=organization_admin_emails(appeal.organization),
    )
    _mail(
        appeal,
        audience="office",
        subject=subject,
        message=message,
        to=office_emails(OfficeRole.CERTIFIER),
    )
    return appeal


def follow_ups_offered(appeal: Appeal) -> list[str]:
    """What an upheld appeal may lead to now: reinstating the suspended certificate, or a
    note of what else was done (a reopened case, a new audit)."""
    if appeal.status != A.DECIDED or appeal.outcome not in UPHELD:
        return []
    offered = [FOLLOW_UP_NOTE]
    certificate = appeal.certificate
    if certificate is not None and certificate.status == CertificateStatus.SUSPENDED:
        offered.insert(0, FOLLOW_UP_REINSTATE)
    return offered


@transaction.atomic
def appeal_follow_up(*, appeal: Appeal, action: str, note: str, by: User | None) -> Appeal:
    """A certifier takes the follow-up of an upheld appeal through the existing services
    (reinstating the certificate) or records what was done, and the appeal keeps the link."""
    require_office_role(by, OfficeRole.CERTIFIER)
    appeal = _locked(appeal)
    if action not in follow_ups_offered(appeal):
        raise DomainError(_("This follow-up is not possible for this appeal."), code="follow_up")
    text = note.strip()
    data: dict[str, Any]
    if action == FOLLOW_UP_REINSTATE:
        certificate = appeal.certificate
        assert certificate is not None
        reason = text or _("Appeal %(reference)s upheld.") % {"reference": appeal.reference}
        certificate_reinstate(certificate=certificate, by=by, reason=reason)
        data = {
            "follow_up": action,
            "certificate": certificate.number,
            "url": reverse("certification:office_certificate", kwargs={"pk": certificate.pk}),
        }
    else:
        if not text:
            raise DomainError(_("Say what was done, with a link if there is one."), code="note")
        data = {"follow_up": action}
    _record(appeal, "follow_up", appeal.status, by=by, note=text, data=data)
    return appeal
