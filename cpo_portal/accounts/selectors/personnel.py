"""Reading the CPO office's staff and auditors (ISO/IEC 17065 §6.1 personnel): who holds
which office role, who audits, who set up their second factor, and the invitations out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from cpo_portal.activity.models import ActivityEntry
from cpo_portal.activity.selectors import activity_for_office
from cpo_portal.tenancy.models import hash_token

from ..extensions import Text, deactivation_refusals
from ..models import OFFICE_ROLE_GROUPS, Auditor, OfficeRole, StaffInvitation, User
from ..roles import has_office_role


def _holding(codename: str) -> Q:
    """Accounts granted an `accounts.<codename>` permission, by a group or by themselves."""
    return Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label="accounts",
    ) | Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label="accounts",
    )


OFFICE_ACCESS = _holding("office_access")
ADMINISTER = _holding("office_administer")
# The office's staff and its auditors, the deactivated too (they keep their roles).
STAFF = Q(groups__name__in=OFFICE_ROLE_GROUPS.values()) | OFFICE_ACCESS | Q(auditor__isnull=False)


def office_administrator_pks() -> list[int]:
    """Every account that administers the office (superusers too), active or not."""
    return sorted(
        set(User.objects.filter(ADMINISTER | Q(is_superuser=True)).values_list("pk", flat=True))
    )


def other_office_administrators_exist(person: User) -> bool:
    """Someone other than `person` can still run the office: an active office administrator
    (or superuser)."""
    return (
        User.objects.filter(is_active=True)
        .filter(ADMINISTER | Q(is_superuser=True))
        .exclude(pk=person.pk)
        .exists()
    )


def staff_for_office(*, query: str = "") -> QuerySet[User]:
    """The office's staff and auditors, by name; searchable by name or address. Three
    queries a page: the people, their role groups, the count."""
    people = (
        User.objects.filter(pk__in=User.objects.filter(STAFF).values("pk"))
        .select_related("auditor")
        .prefetch_related(
            Prefetch(
                "groups",
                queryset=Group.objects.filter(name__in=OFFICE_ROLE_GROUPS.values()),
                to_attr="office_role_groups",
            )
        )
        .annotate(
            has_totp=Exists(
                Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
            )
        )
    )
    query = query.strip()
    if query:
        people = people.filter(Q(full_name__icontains=query) | Q(email__icontains=query))
    return people.order_by(Lower("full_name"), "email")


def staff_member_for_office(pk: int) -> User:
    """One of the office's staff or auditors; 404 for anyone else."""
    return get_object_or_404(staff_for_office(), pk=pk)


@dataclass(frozen=True)
class StaffRow:
    person: User
    roles: list[OfficeRole]
    auditor: Auditor | None
    has_mfa: bool


def roles_held(person: User) -> list[OfficeRole]:
    """The office roles given to `person` (their groups), whether or not the account is
    active now: what a reactivation restores."""
    groups = getattr(person, "office_role_groups", None)
    names = (
        {group.name for group in groups}
        if groups is not None
        else set(
            person.groups.filter(name__in=OFFICE_ROLE_GROUPS.values()).values_list(
                "name", flat=True
            )
        )
    )
    return [role for role in OfficeRole if OFFICE_ROLE_GROUPS[role] in names]


def staff_row(person: User) -> StaffRow:
    """A person of `staff_for_office` as the staff pages show them."""
    return StaffRow(
        person=person,
        roles=roles_held(person),
        auditor=getattr(person, "auditor", None),
        has_mfa=bool(getattr(person, "has_totp", False)),
    )


def pending_staff_invitations() -> QuerySet[StaffInvitation]:
    """Invitations neither accepted nor revoked, the expired too (they can be sent again),
    newest first."""
    return StaffInvitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("invited_by")


def pending_staff_invitation_count() -> int:
    return pending_staff_invitations().filter(expires_at__gt=timezone.now()).count()


def staff_invitation_for_office(pk: int) -> StaffInvitation:
    return get_object_or_404(StaffInvitation.objects.select_related("invited_by"), pk=pk)


def staff_invitation_by_token(token: str) -> StaffInvitation | None:
    """The invitation a link's token stands for, open or not (the token is the secret)."""
    if not token or len(token) > 100:
        return None
    return (
        StaffInvitation.objects.select_related("invited_by", "accepted_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


def staff_invitation_refusal(invitation: StaffInvitation | None) -> str | None:
    """Why the link leads nowhere; None while the invitation is open."""
    if invitation is None or invitation.revoked_at is not None:
        return _("This invitation link is not valid.")
    if invitation.accepted_at is not None:
        return _("This invitation has already been used.")
    if invitation.expires_at <= timezone.now():
        return _("This invitation has expired. Ask the office for a new one.")
    return None


def staff_invitation_is_for(invitation: StaffInvitation, user: User) -> bool:
    """The invitation was sent to an address `user` has confirmed (one query): roles go only
    to whoever proved they read that mailbox."""
    if not user.is_authenticated:
        return False
    return EmailAddress.objects.filter(
        user=user, verified=True, email__iexact=invitation.email
    ).exists()


def staff_invitations_since(*, since: datetime, by: User | None = None, email: str = "") -> int:
    """How many invitations `by` sent (or `email` received) since `since`, resent ones too."""
    invitations = StaffInvitation.objects.filter(created_at__gte=since)
    if by is not None:
        invitations = invitations.filter(invited_by=by)
    if email:
        invitations = invitations.filter(email__iexact=email)
    return invitations.count()


def deactivation_blockers(*, person: User, by: User) -> list[Text]:
    """Why `by` cannot deactivate `person` now; empty: nothing stands in the way."""
    if person.is_erased:
        return [_("This person's data has been erased; the account stays deactivated.")]
    if not person.is_active:
        return [_("This account is already deactivated.")]
    reasons: list[Text] = []
    if person.pk == by.pk:
        reasons.append(_("You cannot deactivate your own account: another administrator has to."))
    if has_office_role(person, OfficeRole.ADMINISTRATOR) and not other_office_administrators_exist(
        person
    ):
        reasons.append(
            _(
                "This is the last active office administrator: give the role to another "
                "person first."
            )
        )
    return reasons + deactivation_refusals(person)


def staff_activity_for_office(person: User) -> QuerySet[ActivityEntry]:
    """The staff record of `person` (roles, deactivation, invitation), newest first."""
    return activity_for_office().filter(
        target_type=ContentType.objects.get_for_model(User),
        target_id=str(person.pk),
        verb__startswith="staff.",
    )
