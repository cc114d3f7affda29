"""prostep ivip association membership: declared by the company, verified by the office,
lapsing by itself when its validity ends (daily task, with a warning 30 days ahead)."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError
from cpo_portal.guards import require_office, require_org_admin
from cpo_portal.mail import (
    StrOrPromise,
    lazy_format,
    mail_on_commit,
    office_emails,
    organization_admin_emails,
)
from cpo_portal.tenancy.models import Organization
from signees.models import SigneeStatus
from signees.selectors.signing import signee_of_organization

from ..models import LAPSE_WARNING_DAYS, AssociationMembership, MembershipStatus

M = MembershipStatus


@transaction.atomic
def membership_declare(
    *, organization: Organization, number: str, member_since: date, by: User | None
) -> AssociationMembership:
    """The company declares (or corrects) its membership; the office then verifies it."""
    require_org_admin(organization, by)
    signee = signee_of_organization(organization)
    if signee is None or signee.status != SigneeStatus.APPROVED:
        raise DomainError(_("Only approved signees of the CPO can join the CPO Community."))
    number = number.strip()
    if not number:
        raise DomainError(_("Give the membership number."))
    if member_since > timezone.localdate():
        raise DomainError(_("The membership cannot start in the future."))
    with scope(organization=organization):
        membership = (
            AssociationMembership.objects.select_for_update()
            .filter(organization=organization)
            .first()
        )
        before = membership.status if membership else None
        if membership is None:
            membership = AssociationMembership(organization=organization)
        membership.number = number[:50]
        membership.member_since = member_since
        membership.status = M.DECLARED
        membership.valid_until = None
        membership.status_reason = ""
        membership.declared_by = by
        membership.declared_at = timezone.now()
        membership.full_clean(exclude=["organization", "declared_by", "verified_by"])
        membership.save()
    activity_record(
        actor=by,
        organization=organization,
        verb="membership.declared",
        target=membership,
        data={"number": membership.number, "before": before},
    )
    mail_on_commit(
        subject=lazy_format(
            gettext_lazy("prostep ivip membership to verify: %(org)s"), org=organization
        ),
        template="community/membership/email/membership_office.txt",
        context={"membership": membership},
        to=office_emails(),
    )
    return membership


def _locked(membership: AssociationMembership) -> AssociationMembership:
    with scopes_disabled():
        return (
            AssociationMembership.objects.select_for_update(of=("self",))
            .select_related("organization")
            .get(pk=membership.pk)
        )


@transaction.atomic
def membership_verify(
    *, membership: AssociationMembership, valid_until: date, by: User | None
) -> AssociationMembership:
    require_office(by)
    membership = _locked(membership)
    # The office confirms what the company declared, or extends a verified membership;
    # a rejected or lapsed one is declared again first.
    if membership.status not in (M.DECLARED, M.VERIFIED):
        raise DomainError(
            _("Only a declared or verified membership can be verified."), code="status"
        )
    if valid_until < timezone.localdate():
        raise DomainError(_("The validity has already ended."), code="valid_until")
    if valid_until < membership.member_since:
        raise DomainError(_("The validity ends before the membership began."), code="valid_until")
    before = membership.status
    membership.status = M.VERIFIED
    membership.valid_until = valid_until
    membership.status_reason = ""
    membership.verified_by, membership.verified_at = by, timezone.now()
    membership.save(
        update_fields=["status", "valid_until", "status_reason", "verified_by", "verified_at"]
    )
    activity_record(
        actor=by,
        organization=membership.organization,
        verb="membership.verified",
        target=membership,
        data={"before": before, "valid_until": str(valid_until)},
    )
    _tell(
        membership,
        gettext_lazy(
            "Your prostep ivip membership has been verified: you are a CPO Community member."
        ),
    )
    return membership


@transaction.atomic
def membership_reject(
    *, membership: AssociationMembership, reason: str, by: User | None
) -> AssociationMembership:
    require_office(by)
    membership = _locked(membership)
    if membership.status not in (M.DECLARED, M.VERIFIED):
        raise DomainError(
            _("Only a declared or verified membership can be rejected."), code="status"
        )
    if not reason.strip():
        raise DomainError(_("Give a reason: the company sees it."), code="reason")
    before = membership.status
    membership.status = M.REJECTED
    membership.status_reason = reason.strip()
    membership.valid_until = None
    membership.save(update_fields=["status", "status_reason", "valid_until"])
    activity_record(
        actor=by,
        organization=membership.organization,
        verb="membership.rejected",
        target=membership,
        data={"before": before, "reason": reason.strip()},
    )
    _tell(membership, gettext_lazy("Your prostep ivip membership could not be confirmed."))
    return membership


def _tell(membership: AssociationMembership, message: StrOrPromise) -> None:
    mail_on_commit(
        subject=message,
        template="community/membership/email/membership.txt",
        context={"membership": membership, "message": message},
        to=organization_admin_emails(membership.organization),
    )


def memberships_lapse_due(*, today: date | None = None) -> dict[str, int]:
    """Daily: end community rights of memberships past their validity; warn 30 days ahead."""
    today = today or timezone.localdate()
    lapsed = warned = 0
    with scopes_disabled():
        due = list(
            AssociationMembership.objects.filter(
                status=M.VERIFIED, valid_until__lt=today
            ).values_list("pk", flat=True)
        )
        soon = list(
            AssociationMembership.objects.filter(
                status=M.VERIFIED,
                valid_until__gte=today,
                valid_until__lte=today + timedelta(days=LAPSE_WARNING_DAYS),
            ).select_related("organization")
        )
    for pk in due:
        with transaction.atomic(), scopes_disabled():
            membership = (
                AssociationMembership.objects.select_for_update()
                .select_related("organization")
                .get(pk=pk)
            )
            if (
                membership.status != M.VERIFIED
                or not membership.valid_until
                or membership.valid_until >= today
            ):
                continue
            membership.status = M.LAPSED
            membership.save(update_fields=["status"])
            activity_record(
                actor=None,
                organization=membership.organization,
                verb="membership.lapsed",
                target=membership,
                data={"valid_until": str(membership.valid_until)},
            )
            _tell(
                membership,
                gettext_lazy(
                    "Your prostep ivip membership has lapsed: your CPO Community rights have ended."
                ),
            )
            lapsed += 1
    for membership in soon:
        if membership.lapse_warned_for == membership.valid_until:
            continue
        with transaction.atomic(), scopes_disabled():
            updated = (
                AssociationMembership.objects.filter(pk=membership.pk, status=M.VERIFIED)
                .exclude(lapse_warned_for=membership.valid_until)
                .update(lapse_warned_for=membership.valid_until)
            )
            if updated:
                _tell(
                    membership,
                    lazy_format(
                        gettext_lazy(
                            "Your prostep ivip membership ends on %(date)s; renew it to keep "
                            "your CPO Community rights."
                        ),
                        date=membership.valid_until,
                    ),
                )
                warned += 1
    return {"lapsed": lapsed, "warned": warned}
