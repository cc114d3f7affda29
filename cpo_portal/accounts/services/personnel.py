"""The CPO office's staff and auditors, managed by its administrators (ISO/IEC 17065 §6.1):
invitations by e-mail, office roles, deactivation and reactivation; every change in the
activity log (verbs `staff.*`).

Rules: only an office administrator acts; the office always keeps an active administrator
(the administrators' rows are locked before that is checked, so two administrators acting
at once cannot both step the last one down); an invitation goes to an address, is accepted
by whoever confirmed that address, once, within 14 days; an administrator sends at most
`STAFF_INVITATIONS_PER_DAY` invitations a day and one address receives at most
`STAFF_INVITATIONS_PER_ADDRESS_PER_DAY`.
"""

from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError
from cpo_portal.guards import require_office_role
from cpo_portal.mail import mail_on_commit
from cpo_portal.tenancy.models import hash_token, new_token

from ..models import (
    ERASED_EMAIL_DOMAIN,
    OFFICE_ROLE_GROUPS,
    Auditor,
    OfficeRole,
    StaffInvitation,
    User,
)
from ..roles import is_auditor
from ..selectors.personnel import (
    deactivation_blockers,
    office_administrator_pks,
    other_office_administrators_exist,
    roles_held,
    staff_invitation_is_for,
    staff_invitation_refusal,
    staff_invitations_since,
)
from .profile import api_token_revoke, sessions_end

STAFF_INVITATION_VALID_FOR = timedelta(days=14)
STAFF_INVITATIONS_PER_DAY = 20
STAFF_INVITATIONS_PER_ADDRESS_PER_DAY = 3


def office_administrators_lock(*, also: Iterable[User] = ()) -> None:
    """Lock the rows of every office administrator and of `also`, in one order, before a
    change that could leave the office without an administrator is checked."""
    pks = sorted(set(office_administrator_pks()) | {user.pk for user in also})
    list(User.objects.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk"))


def _fresh(user: User) -> User:
    # Django caches permissions on the instance: after the lock, ask the database again
    # (another administrator may have changed this person's roles meanwhile).
    return User.objects.get(pk=user.pk)


def _roles(office_roles: Iterable[str]) -> list[OfficeRole]:
    wanted = set(office_roles)
    if not wanted <= set(OfficeRole.values):
        raise DomainError(_("Unknown office role."), code="unknown_role")
    return [role for role in OfficeRole if role in wanted]


def _role_values(roles: Iterable[OfficeRole]) -> list[str]:
    return [str(role.value) for role in roles]


def _groups(roles: Iterable[OfficeRole]) -> list[Group]:
    names = [OFFICE_ROLE_GROUPS[role] for role in roles]
    groups = list(Group.objects.filter(name__in=names))
    if len(groups) != len(names):
        # The groups are made after every migrate (accounts.signals); a missing one is a
        # broken installation, not a choice.
        raise DomainError(_("The office's role groups are missing: run the migrations."))
    return groups


def _forget_permissions(user: User) -> None:
    for cache in ("_perm_cache", "_group_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)


# --- Auditor profiles -------------------------------------------------------------------------


@transaction.atomic
def auditor_create(*, user: User, by: User | None, organisation_name: str = "") -> Auditor:
    """Give a user an auditor profile, or make their deactivated one active again (the office
    does this; an invitation accepted does it too)."""
    auditor, created = Auditor.objects.get_or_create(
        user=user, defaults={"organisation_name": organisation_name.strip()}
    )
    if created:
        activity_record(
            actor=by, verb="auditor.created", target=auditor, data={"user": user.public_name}
        )
        return auditor
    changed = []
    if not auditor.is_active:
        auditor.is_active = True
        changed.append("is_active")
    if organisation_name.strip() and auditor.organisation_name != organisation_name.strip():
        auditor.organisation_name = organisation_name.strip()
        changed.append("organisation_name")
    if changed:
        auditor.full_clean()
        auditor.save(update_fields=changed)
        activity_record(
            actor=by, verb="auditor.activated", target=auditor, data={"user": user.public_name}
        )
    return auditor


# --- Invitations ------------------------------------------------------------------------------


def _refuse_over_cap(*, by: User, email: str) -> None:
    since = timezone.now() - timedelta(days=1)
    if staff_invitations_since(since=since, by=by) >= STAFF_INVITATIONS_PER_DAY:
        raise DomainError(
            _("You have sent %(count)s invitations in the last 24 hours. Try again tomorrow.")
            % {"count": STAFF_INVITATIONS_PER_DAY},
            code="rate_limited",
        )
    if staff_invitations_since(since=since, email=email) >= STAFF_INVITATIONS_PER_ADDRESS_PER_DAY:
        raise DomainError(
            _(
                "This address has been invited %(count)s times in the last 24 hours. Try "
                "again tomorrow."
            )
            % {"count": STAFF_INVITATIONS_PER_ADDRESS_PER_DAY},
            code="rate_limited",
        )


def _refuse_known_person(email: str, roles: Sequence[OfficeRole], as_auditor: bool) -> None:
    invitee = User.objects.filter(email__iexact=email).first()
    if invitee is None:
        return
    if not invitee.is_active:
        raise DomainError(
            _("The account with this address is deactivated: reactivate it on its staff page."),
            code="deactivated",
        )
    new_roles = set(roles) - set(roles_held(invitee))
    if not new_roles and not (as_auditor and not is_auditor(invitee)):
        raise DomainError(
            _("This person already holds what the invitation would give."), code="nothing_new"
        )


def _issue(
    *,
    email: str,
    full_name: str,
    roles: Sequence[OfficeRole],
    as_auditor: bool,
    auditing_body: str,
    by: User,
    language: str | None,
) -> tuple[StaffInvitation, str]:
    _refuse_over_cap(by=by, email=email)
    # A new invitation replaces any open one to the same address: one link works.
    StaffInvitation.objects.filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    token = new_token()
    invitation = StaffInvitation(
        email=email,
        full_name=full_name.strip(),
        office_roles=_role_values(roles),
        as_auditor=as_auditor,
        auditing_body=auditing_body.strip() if as_auditor else "",
        token_hash=hash_token(token),
        invited_by=by,
        expires_at=timezone.now() + STAFF_INVITATION_VALID_FOR,
    )
    invitation.full_clean()
    invitation.save()
    _send(invitation, token, by=by, language=language)
    return invitation, token


def _send(invitation: StaffInvitation, token: str, *, by: User, language: str | None) -> None:
    # Queued like every mail: an outage leaves the invitation standing (it can be resent).
    # An invitee with an account reads it in their language, others in the one chosen.
    link = settings.SITE_URL + reverse("accounts:staff_invitation_accept", args=[token])
    mail_on_commit(
        subject=(
            gettext_lazy("You are invited to the CPO office on the CPO Portal")
            if invitation.office_roles
            else gettext_lazy("You are invited as an auditor on the CPO Portal")
        ),
        template="accounts/personnel/email/invitation.txt",
        context={
            "invitation": invitation,
            "roles": [OfficeRole(value).label for value in invitation.office_roles],
            "inviter_name": by.full_name.strip(),
            "link": link,
        },
        to=[invitation.email],
        language=language,
    )


def _invitation_data(invitation: StaffInvitation) -> dict[str, object]:
    # No address in the log: the invitation (its target) holds it for the administrators.
    return {"roles": list(invitation.office_roles), "auditor": invitation.as_auditor}


@transaction.atomic
def staff_invite(
    *,
    email: str,
    full_name: str,
    office_roles: Iterable[str],
    as_auditor: bool,
    auditing_body: str = "",
    by: User,
    language: str | None = None,
) -> tuple[StaffInvitation, str]:
    """Invite a colleague (office roles) or an auditor by e-mail; the invitation and the
    one-time token its link carries. `language`: the mail's, for an address that is no
    user's."""
    require_office_role(by, OfficeRole.ADMINISTRATOR)
    roles = _roles(office_roles)
    if not roles and not as_auditor:
        raise DomainError(
            _("Choose at least one office role, or invite the person as an auditor."),
            code="no_role",
        )
    email = email.strip().lower()
    if email.endswith(f"@{ERASED_EMAIL_DOMAIN}"):
        raise DomainError(_("Enter a valid e-mail address."), code="invalid")
    _refuse_known_person(email, roles, as_auditor)
    invitation, token = _issue(
        email=email,
        full_name=full_name,
        roles=roles,
        as_auditor=as_auditor,
        auditing_body=auditing_body,
        by=by,
        language=language,
    )
    activity_record(
        actor=by, verb="staff.invited", target=invitation, data=_invitation_data(invitation)
    )
    return invitation, token


def _locked_invitation(invitation: StaffInvitation) -> StaffInvitation:
    locked = StaffInvitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if locked is None or locked.accepted_at is not None or locked.revoked_at is not None:
        raise DomainError(_("This invitation is no longer open."), code="closed")
    return locked


@transaction.atomic
def staff_invitation_resend(
    *, invitation: StaffInvitation, by: User, language: str | None = None
) -> tuple[StaffInvitation, str]:
    """Send a pending (or expired) invitation again: a new link, valid 14 days from now;
    the old link stops working."""
    require_office_role(by, OfficeRole.ADMINISTRATOR)
    old = _locked_invitation(invitation)
    roles = _roles(old.office_roles)
    _refuse_known_person(old.email, roles, old.as_auditor)
    new, token = _issue(
        email=old.email,
        full_name=old.full_name,
        roles=roles,
        as_auditor=old.as_auditor,
        auditing_body=old.auditing_body,
        by=by,
        language=language,
    )
    activity_record(
        actor=by,
        verb="staff.invitation_resent",
        target=new,
        data={**_invitation_data(new), "replaces": old.pk},
    )
    return new, token


@transaction.atomic
def staff_invitation_revoke(*, invitation: StaffInvitation, by: User) -> StaffInvitation:
    """Withdraw a pending invitation: its link stops working."""
    require_office_role(by, OfficeRole.ADMINISTRATOR)
    invitation = _locked_invitation(invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    activity_record(
        actor=by,
        verb="staff.invitation_revoked",
        target=invitation,
        data=_invitation_data(invitation),
    )
    return invitation


@transaction.atomic
def staff_invitation_accept(*, token: str, user: User) -> StaffInvitation:
    """The invitee, signed in with the invited (confirmed) address, takes the roles: the
    office roles' groups, the auditor profile. Their second factor is asked for next
    (RequireMFAMiddleware)."""
    invitation = (
        # Only the invitation's row: PostgreSQL locks no nullable side of an outer join.
        StaffInvitation.objects.select_for_update(of=("self",))
        .select_related("invited_by")
        .filter(token_hash=hash_token(token))
        .first()
        if token and len(token) <= 100
        else None
    )
    refusal = staff_invitation_refusal(invitation)
    if refusal or invitation is None:
        raise DomainError(refusal or _("This invitation link is not valid."), code="invalid")
    if not user.is_active or not staff_invitation_is_for(invitation, user):
        raise DomainError(
            _(
                "This invitation was sent to another e-mail address. Sign in with that "
                "address (confirmed in the portal) to accept it."
            ),
            code="another_address",
        )
    roles = _roles(invitation.office_roles)
    if roles:
        user.groups.add(*_groups(roles))
        _forget_permissions(user)
    if invitation.as_auditor:
        auditor_create(
            user=user, by=invitation.invited_by, organisation_name=invitation.auditing_body
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    activity_record(
        actor=user,
        verb="staff.invitation_accepted",
        target=user,
        data={**_invitation_data(invitation), "invitation": invitation.pk},
    )
    return invitation


# --- Roles and deactivation -------------------------------------------------------------------


@transaction.atomic
def staff_roles_change(*, person: User, office_roles: Iterable[str], by: User) -> list[OfficeRole]:
    """Set the office roles `person` holds; the office keeps an active administrator."""
    roles = _roles(office_roles)
    office_administrators_lock(also=[person, by])
    by = _fresh(by)
    require_office_role(by, OfficeRole.ADMINISTRATOR)
    person = _fresh(person)
    if person.is_erased:
        raise DomainError(_("This person's data has been erased."), code="erased")
    before = roles_held(person)
    if roles == before:
        return before
    if (
        OfficeRole.ADMINISTRATOR in before
        and OfficeRole.ADMINISTRATOR not in roles
        and person.is_active
        and not other_office_administrators_exist(person)
    ):
        raise DomainError(
            _(
                "The office must keep an active administrator: give the role to another "
                "person first."
            ),
            code="last_administrator",
        )
    removed = [role for role in before if role not in roles]
    added = [role for role in roles if role not in before]
    if removed:
        person.groups.remove(*_groups(removed))
    if added:
        person.groups.add(*_groups(added))
    _forget_permissions(person)
    activity_record(
        actor=by,
        verb="staff.roles_changed",
        target=person,
        data={"before": _role_values(before), "after": _role_values(roles)},
    )
    return roles


@transaction.atomic
def staff_deactivate(*, person: User, by: User) -> dict[str, int]:
    """Deactivate an account: no sign-in, signed out everywhere, the API token ended; roles
    and the auditor profile are kept for a reactivation. Refused with the reasons when
    something stands in the way (the last administrator, an auditor's open audits)."""
    office_administrators_lock(also=[person, by])
    by = _fresh(by)
    require_office_role(by, OfficeRole.ADMINISTRATOR)
    person = _fresh(person)
    reasons = deactivation_blockers(person=person, by=by)
    if reasons:
        raise DomainError([str(reason) for reason in reasons], code="deactivation_refused")
    person.is_active = False
    person.save(update_fields=["is_active"])
    counts = {
        "sessions": sessions_end(user=person),
        "api_token": int(api_token_revoke(user=person, by=by, reason="deactivated")),
    }
    activity_record(actor=by, verb="staff.deactivated", target=person, data=counts)
    return counts


@transaction.atomic
def staff_reactivate(*, person: User, by: User) -> User:
    """Let a deactivated person sign in again, with the roles they held."""
    require_office_role(by, OfficeRole.ADMINISTRATOR)
    person = User.objects.select_for_update().get(pk=person.pk)
    if person.is_erased:
        raise DomainError(_("This person's data has been erased."), code="erased")
    if person.is_active:
        raise DomainError(_("This account is active."), code="active")
    person.is_active = True
    person.save(update_fields=["is_active"])
    activity_record(
        actor=by,
        verb="staff.reactivated",
        target=person,
        data={"roles": _role_values(roles_held(person))},
    )
    return person
