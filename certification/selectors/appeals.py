"""Appeals (ISO/IEC 17065 §7.13): a client appeals a certification decision (refusal,
suspension, withdrawal, a finding) within the policy's period; a person who took no part in
the decision or the audit decides.

Reads: what an organization may appeal (its own decisions only), its appeals, the office's
list and queue, and who may decide an appeal — with why everyone else may not.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.tenancy.models import Membership, Organization

from ..models import (
    Appeal,
    AppealEvent,
    AppealStatus,
    AppealSubject,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    AuditorAssignment,
    Certificate,
    CertificateEvent,
    CertificateStatus,
    Finding,
    Recommendation,
)

S = ApplicationStatus
OPEN_APPEAL_STATES = (AppealStatus.FILED, AppealStatus.UNDER_REVIEW)
# The certificate steps a client may appeal, and the subject each one is.
CERTIFICATE_SUBJECTS = {
    CertificateStatus.SUSPENDED: AppealSubject.SUSPENSION,
    CertificateStatus.WITHDRAWN: AppealSubject.WITHDRAWAL,
}
CERTIFICATE_ACTIONS = {"suspend", "withdraw"}
APPEAL_RELATED = ("organization", "application", "certificate", "finding", "decider")


# --- What an organization may appeal ----------------------------------------------------------


@dataclass(frozen=True)
class AppealItem:
    """One decision the organization may appeal: what it is, its date, the last day to appeal."""

    key: str  # the form's value: "<subject>:<pk>"
    subject: str
    label: str
    decision_on: date
    last_day: date
    application: Application | None = None
    certificate: Certificate | None = None
    finding: Finding | None = None

    def open_on(self, day: date) -> bool:
        return day <= self.last_day


def appeal_last_day(decision_on: date, appeal_days: int) -> date:
    """The last day to appeal a decision of `decision_on` (the period counts from it)."""
    return decision_on + timedelta(days=appeal_days)


def _day(moment: object) -> date:
    assert moment is not None
    return timezone.localtime(moment).date()  # type: ignore[arg-type]


def appealable_items(organization: Organization, *, appeal_days: int) -> list[AppealItem]:
    """The organization's decisions it may appeal: refusals (a denied or rejected
    application), suspensions and withdrawals of its certificates, findings of its cases,
    and other decisions of a case (a grant). Four queries."""
    items: list[AppealItem] = []

    def item(subject: str, pk: int, label: str, on: date, **target: object) -> AppealItem:
        return AppealItem(
            key=f"{subject}:{pk}",
            subject=subject,
            label=label,
            decision_on=on,
            last_day=appeal_last_day(on, appeal_days),
            **target,  # type: ignore[arg-type]
        )

    with scope(organization=organization):
        applications = list(
            Application.objects.filter(
                organization=organization, status__in=(S.DECIDED, S.REJECTED)
            ).order_by("-pk")
        )
        rejected = {
            event.application_id: event.at
            for event in ApplicationEvent.objects.filter(
                application__organization=organization, action="reject"
            ).order_by("at", "pk")
        }
        for application in applications:
            if application.status == S.REJECTED:
                at = rejected.get(application.pk) or application.updated_at
                items.append(
                    item(
                        AppealSubject.REFUSAL,
                        application.pk,
                        _("Rejection of application %(case)s") % {"case": application},
                        _day(at),
                        application=application,
                    )
                )
            elif application.decided_at is not None:
                denied = application.decision == Recommendation.DENY
                subject = AppealSubject.REFUSAL if denied else AppealSubject.OTHER
                text = (
                    _("Refusal of certification, application %(case)s")
                    if denied
                    else _("Decision on application %(case)s")
                )
                items.append(
                    item(
                        subject,
                        application.pk,
                        text % {"case": application},
                        _day(application.decided_at),
                        application=application,
                    )
                )
        certificates = list(
            Certificate.objects.filter(
                organization=organization, status__in=list(CERTIFICATE_SUBJECTS)
            ).order_by("-pk")
        )
        for certificate in certificates:
            subject = CERTIFICATE_SUBJECTS[CertificateStatus(certificate.status)]
            text = (
                _("Suspension of certificate %(number)s")
                if subject == AppealSubject.SUSPENSION
                else _("Withdrawal of certificate %(number)s")
            )
            items.append(
                item(
                    subject,
                    certificate.pk,
                    text % {"number": certificate.number},
                    _day(certificate.status_changed_at),
                    certificate=certificate,
                    application=certificate.application,
                )
            )
        findings = list(
            Finding.objects.filter(application__organization=organization)
            .select_related("application")
            .order_by("-pk")
        )
        for finding in findings:
            items.append(
                item(
                    AppealSubject.FINDING,
                    finding.pk,
                    _("Finding #%(number)s (%(kind)s) of application %(case)s")
                    % {
                        "number": finding.pk,
                        "kind": finding.get_kind_display(),
                        "case": finding.application,
                    },
                    _day(finding.raised_at),
                    finding=finding,
                    application=finding.application,
                )
            )
    return items


def appealable_item(organization: Organization, key: str, *, appeal_days: int) -> AppealItem | None:
    """One of the organization's appealable decisions by its key; None for anything else."""
    return next(
        (i for i in appealable_items(organization, appeal_days=appeal_days) if i.key == key),
        None,
    )


def item_key_of(appeal: Appeal) -> str:
    """The key of the decision an appeal is against (as `appealable_items` gives it)."""
    if appeal.finding_id is not None:
        return f"{AppealSubject.FINDING}:{appeal.finding_id}"
    if appeal.certificate_id is not None:
        return f"{appeal.subject}:{appeal.certificate_id}"
    return f"{appeal.subject}:{appeal.application_id}"


def open_appeal_on(organization: Organization, item: AppealItem) -> Appeal | None:
    """The organization's appeal still open against the same decision, if any."""
    target: Q
    if item.finding is not None:
        target = Q(finding=item.finding)
    elif item.certificate is not None:
        target = Q(certificate=item.certificate, subject=item.subject)
    else:
        target = Q(
            application=item.application,
            subject=item.subject,
            finding__isnull=True,
            certificate__isnull=True,
        )
    with scope(organization=organization):
        return (
            Appeal.objects.filter(target, organization=organization, status__in=OPEN_APPEAL_STATES)
            .order_by("pk")
            .first()
        )


# --- The organization's appeals ----------------------------------------------------------------


def appeals_of_organization(organization: Organization) -> QuerySet[Appeal]:
    """The organization's appeals, the latest first (for a paginated list)."""
    with scope(organization=organization):
        return (
            Appeal.objects.filter(organization=organization)
            .select_related(*APPEAL_RELATED)
            .order_by("-filed_at", "-pk")
        )


def appeal_of_organization(organization: Organization, pk: int | str) -> Appeal | None:
    with scope(organization=organization):
        return (
            Appeal.objects.filter(organization=organization, pk=pk)
            .select_related(*APPEAL_RELATED)
            .first()
        )


def open_appeals_of_organization(organization: Organization) -> list[Appeal]:
    """The organization's appeals waiting for a decision (its to-do list shows them)."""
    with scope(organization=organization):
        return list(
            Appeal.objects.filter(organization=organization, status__in=OPEN_APPEAL_STATES)
            .select_related("organization")
            .order_by("due_on", "pk")
        )


def appeals_of_application(application: Application) -> list[Appeal]:
    """The appeals against decisions of one case (the case record lists them)."""
    with scope(organization=application.organization):
        return list(
            Appeal.objects.filter(application=application)
            .select_related(*APPEAL_RELATED)
            .order_by("-filed_at", "-pk")
        )


def events_of_appeal(appeal: Appeal) -> list[AppealEvent]:
    with scope(organization=appeal.organization):
        return list(
            AppealEvent.objects.filter(appeal=appeal).select_related("by").order_by("at", "pk")
        )


# --- The office ----------------------------------------------------------------------------------


def appeals_for_office(status: str = "") -> QuerySet[Appeal]:
    """Every appeal, the open ones due first, then the rest, latest first (paginated list)."""
    with scopes_disabled():
        qs = Appeal.objects.select_related(*APPEAL_RELATED)
        if status == "open":
            qs = qs.filter(status__in=OPEN_APPEAL_STATES)
        elif status in AppealStatus.values:
            qs = qs.filter(status=status)
        return qs.order_by("-filed_at", "-pk")


def appeal_for_office(pk: int | str) -> Appeal | None:
    with scopes_disabled():
        return Appeal.objects.filter(pk=pk).select_related(*APPEAL_RELATED).first()


def office_appeal_queue() -> QuerySet[Appeal]:
    """Appeals waiting for a decider or a decision (the office's to-do queue)."""
    with scopes_disabled():
        return Appeal.objects.filter(status__in=OPEN_APPEAL_STATES)


# --- Who may decide: nobody who took part in the decision or the audit ---------------------------


def _case_of(appeal: Appeal) -> Application | None:
    if appeal.finding_id is not None:
        return appeal.finding.application if appeal.finding else None
    if appeal.certificate_id is not None and appeal.certificate is not None:
        return appeal.certificate.application
    return appeal.application


def appeal_conflicts(appeal: Appeal) -> dict[int, list[str]]:
    """Everyone who took part in the decision appealed or in the audit behind it, with why
    (user pk → reasons): the case's decider and its auditors (ever assigned), whoever
    rejected it, the suspender or withdrawer of the certificate (and its issuer), whoever
    raised the finding, and the organization's members."""
    reasons: dict[int, list[str]] = {}

    def add(pk: int | None, reason: str) -> None:
        if pk is not None and reason not in reasons.setdefault(pk, []):
            reasons[pk].append(reason)

    application = _case_of(appeal)
    with scopes_disabled():
        if application is not None:
            add(application.decided_by_id, _("decided the case"))
            for pk in AuditorAssignment.objects.filter(application=application).values_list(
                "auditor__user_id", flat=True
            ):
                add(pk, _("was an auditor of the case"))
            for pk in ApplicationEvent.objects.filter(
                application=application, action__in=("reject", "decide")
            ).values_list("by_id", flat=True):
                add(pk, _("decided the case"))
        if appeal.certificate_id is not None:
            certificate = appeal.certificate
            assert certificate is not None
            add(certificate.issued_by_id, _("issued the certificate"))
            for pk in CertificateEvent.objects.filter(
                certificate=certificate, action__in=CERTIFICATE_ACTIONS
            ).values_list("by_id", flat=True):
                add(pk, _("suspended or withdrew the certificate"))
            # Its surveillance audits, whose outcome may have suspended it.
            for pk in AuditorAssignment.objects.filter(
                application__certificate=certificate
            ).values_list("auditor__user_id", flat=True):
                add(pk, _("audited the certificate"))
        if appeal.finding_id is not None and appeal.finding is not None:
            add(appeal.finding.raised_by_id, _("raised the finding"))
        for pk in Membership.objects.filter(organization_id=appeal.organization_id).values_list(
            "user_id", flat=True
        ):
            add(pk, _("belongs to the appealing organization"))
    return reasons


def appeal_impartiality_refusal(appeal: Appeal, user: User | None) -> str | None:
    """Why `user` may not decide this appeal, or None when they took no part in it."""
    pk = getattr(user, "pk", None)
    if pk is None:
        return _("Nobody is named to decide.")
    found = appeal_conflicts(appeal).get(pk)
    return "; ".join(found) if found else None


def certifiers() -> QuerySet[User]:
    """The office's active certifiers, by name."""
    granted = Q(
        groups__permissions__codename="office_certify",
        groups__permissions__content_type__app_label="accounts",
    ) | Q(
        user_permissions__codename="office_certify",
        user_permissions__content_type__app_label="accounts",
    )
    return User.objects.filter(
        pk__in=User.objects.filter(granted).values("pk"), is_active=True
    ).order_by("full_name", "email")


@dataclass(frozen=True)
class DeciderOption:
    """A certifier as the assignment page shows them: eligible, or why not."""

    user: User
    reasons: list[str]

    @property
    def eligible(self) -> bool:
        return not self.reasons


def decider_options(appeal: Appeal) -> list[DeciderOption]:
    """Every active certifier, with why each one who took part cannot decide (two queries
    for the certifiers, a fixed few for the conflicts)."""
    conflicts = appeal_conflicts(appeal)
    return [DeciderOption(user, conflicts.get(user.pk, [])) for user in certifiers()]
