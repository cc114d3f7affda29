"""State changes of organizations, memberships and invitations.

Rules: owners change roles, remove members and transfer ownership; owners and admins
invite; an organization always keeps at least one owner.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError
from cpo_portal.guards import require_org_admin, require_org_owner
from cpo_portal.mail import lazy_format, mail_on_commit

from .extensions import membership_refusal
from .models import Invitation, Membership, Organization, Role, hash_token, new_token
from .selectors import invitation_is_for
from .signals import organization_updated

INVITATION_VALID_FOR = timedelta(days=7)
RESERVED_SLUGS = frozenset({"new", "admin", "api", "static", "media", "o", "office", "audit"})


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50].strip("-") or "organization"
    if base in RESERVED_SLUGS:
        base = f"{base}-org"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def organization_create(
    *,
    by: User,
    legal_name: str,
    display_name: str = "",
    legal_form: str = "",
    country: str,
    address: str = "",
    website: str = "",
) -> Organization:
    """Create an organization with `by` as its first owner."""
    org = Organization(
        legal_name=legal_name.strip(),
        display_name=(display_name or legal_name).strip()[:120],
        legal_form=legal_form.strip(),
        country=country,
        address=address.strip(),
        website=website.strip(),
    )
    org.slug = _unique_slug(org.display_name)
    org.full_clean()
    org.save()
    with scope(organization=org):
        Membership.objects.create(organization=org, user=by, role=Role.OWNER)
    activity_record(actor=by, organization=org, verb="organization.created", target=org)
    return org


_PROFILE_FIELDS = ("legal_name", "display_name", "legal_form", "country", "address", "website")


@transaction.atomic
def organization_update(*, organization: Organization, by: User, **changes: Any) -> Organization:
    """Change the profile fields; the log keeps before and after of what changed."""
    require_org_admin(organization, by)
    unknown = set(changes) - set(_PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not a profile field: {', '.join(sorted(unknown))}")
    # Compare with the stored row: a ModelForm has already copied its data onto the instance.
    stored = Organization.objects.get(pk=organization.pk)
    before = {f: str(getattr(stored, f)) for f in changes}
    for field, value in changes.items():
        setattr(organization, field, value.strip() if isinstance(value, str) else value)
    organization.full_clean()
    changed = [f for f in changes if str(getattr(organization, f)) != before[f]]
    if not changed:
        return organization
    organization.save(update_fields=[*changed, "updated_at"])
    activity_record(
        actor=by,
        organization=organization,
        verb="organization.updated",
        target=organization,
        data={
            "before": {f: before[f] for f in changed},
            "after": {f: str(getattr(organization, f)) for f in changed},
        },
    )
    organization_updated.send(
        sender=Organization, organization=organization, by=by, changed=changed
    )
    return organization


def _owner_count(organization: Organization) -> int:
    with scope(organization=organization):
        return Membership.objects.filter(organization=organization, role=Role.OWNER).count()


def _lock(membership: Membership) -> Membership:
    # Role changes race with each other (two owners demoting each other at once): lock the
    # organization's memberships so the last-owner rule holds.
    with scope(organization=membership.organization):
        list(
            Membership.objects.select_for_update()
            .filter(organization=membership.organization)
            .values_list("pk", flat=True)
        )
        locked = (
            Membership.objects.select_related("user", "organization")
            .filter(pk=membership.pk)
            .first()
        )
    if locked is None:
        raise DomainError(_("That person is no longer a member of this organization."))
    return locked


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, by: User) -> Membership:
    """Change a member's role (owners only); the last owner cannot be demoted."""
    if role not in Role.values:
        raise DomainError(_("Unknown role."))
    org = membership.organization
    membership = _lock(membership)
    require_org_owner(org, by)  # after the lock: a concurrent demotion of `by` has landed
    before = membership.role
    if before == role:
        return membership
    if before == Role.OWNER and _owner_count(org) <= 1:
        raise DomainError(_("The organization must keep at least one owner."))
    membership.role = role
    membership.save(update_fields=["role"])
    activity_record(
        actor=by,
        organization=org,
        verb="membership.role_changed",
        target=membership,
        data={"user": membership.user.email, "before": before, "after": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    """Remove someone else from the organization (owners only)."""
    org = membership.organization
    membership = _lock(membership)
    require_org_owner(org, by)  # after the lock: a concurrent demotion of `by` has landed
    if membership.user_id == by.pk:
        raise DomainError(_("Use “Leave organization” to remove yourself."))
    if membership.is_owner and _owner_count(org) <= 1:
        raise DomainError(_("The organization must keep at least one owner."))
    email = membership.user.email
    with scope(organization=org):
        membership.delete()
    activity_record(actor=by, organization=org, verb="membership.removed", data={"user": email})


@transaction.atomic
def membership_leave(*, membership: Membership) -> None:
    """Leave an organization; the last owner has to transfer ownership first."""
    org = membership.organization
    membership = _lock(membership)
    if membership.is_owner and _owner_count(org) <= 1:
        raise DomainError(
            _("You are the last owner. Transfer ownership to another member before leaving.")
        )
    user = membership.user
    with scope(organization=org):
        membership.delete()
    activity_record(actor=user, organization=org, verb="membership.left", data={"user": user.email})


@transaction.atomic
def organization_transfer_ownership(
    *, organization: Organization, to: Membership, by: User
) -> Membership:
    """Make `to` an owner and step `by` down to admin."""
    if to.organization_id != organization.pk:
        raise DomainError(_("That person is not a member of this organization."))
    to = _lock(to)
    mine = _lock(require_org_owner(organization, by))
    if to.pk == mine.pk:
        raise DomainError(_("You already own this organization."))
    to.role = Role.OWNER
    to.save(update_fields=["role"])
    mine.role = Role.ADMIN
    mine.save(update_fields=["role"])
    activity_record(
        actor=by,
        organization=organization,
        verb="organization.ownership_transferred",
        target=organization,
        data={"from": by.email, "to": to.user.email},
    )
    return to


@transaction.atomic
def invitation_create(
    *, organization: Organization, by: User, email: str, role: str = Role.MEMBER
) -> tuple[Invitation, str]:
    """Invite an e-mail address; returns the invitation and the one-time token it mails."""
    inviter = require_org_admin(organization, by)
    if role not in Role.values:
        raise DomainError(_("Unknown role."))
    if role == Role.OWNER and not inviter.is_owner:
        raise DomainError(_("Only an owner can invite another owner."))
    email = email.strip().lower()
    with scope(organization=organization):
        if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
            raise DomainError(_("This person is already a member."))
    invitee = get_user_model().objects.filter(email__iexact=email).first()
    if invitee is not None:
        _refuse_if_barred(organization, invitee)
    with scope(organization=organization):
        # A new invitation replaces any open one for the same address.
        Invitation.objects.filter(
            organization=organization,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=timezone.now())
    token = new_token()
    invitation = Invitation(
        organization=organization,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=by,
        expires_at=timezone.now() + INVITATION_VALID_FOR,
    )
    with scope(organization=organization):  # full_clean's unique check queries the manager
        invitation.full_clean()
    invitation.save()
    activity_record(
        actor=by,
        organization=organization,
        verb="invitation.sent",
        target=invitation,
        data={"email": email, "role": role},
    )
    link = settings.SITE_URL + reverse("tenancy:invitation_accept", args=[token])
    _send_invitation(invitation, link)
    return invitation, token


def _refuse_if_barred(organization: Organization, user: User) -> None:
    """A feature app's reason why `user` may not join (see tenancy.extensions)."""
    reason = membership_refusal(organization=organization, user=user)
    if reason:
        raise DomainError(reason, code="membership_barred")


def _send_invitation(invitation: Invitation, link: str) -> None:
    # Queued like every mail: an SMTP outage leaves the invitation standing (it can be sent
    # again); an invitee with an account reads it in their language, others in the inviter's.
    mail_on_commit(
        subject=lazy_format(
            gettext_lazy("You are invited to %(org)s on the CPO Portal"),
            org=invitation.organization.display_name,
        ),
        template="tenancy/email/invitation.txt",
        context={"invitation": invitation, "link": link},
        to=[invitation.email],
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> None:
    require_org_admin(invitation.organization, by)
    if not invitation.is_open:
        raise DomainError(_("This invitation is no longer open."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    activity_record(
        actor=by,
        organization=invitation.organization,
        verb="invitation.revoked",
        target=invitation,
        data={"email": invitation.email},
    )


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """Turn a valid token into a membership for `user`, whose e-mail must match."""
    with scopes_disabled():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organization")
            .filter(token_hash=hash_token(token))
            .first()
        )
    if invitation is None or invitation.revoked_at is not None:
        raise DomainError(_("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise DomainError(_("This invitation has already been used."))
    if invitation.expires_at <= timezone.now():
        raise DomainError(_("This invitation has expired. Ask for a new one."))
    if not invitation_is_for(invitation, user):
        raise DomainError(
            _("This invitation was sent to another e-mail address. Sign in with that address.")
        )
    org = invitation.organization
    # Asked again: what barred the person may have begun after the invitation was sent.
    _refuse_if_barred(org, user)
    with scope(organization=org):
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    organization=org, user=user, role=invitation.role
                )
        except IntegrityError:
            raise DomainError(_("You are already a member of this organization.")) from None
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    activity_record(
        actor=user,
        organization=org,
        verb="invitation.accepted",
        target=membership,
        data={"email": user.email, "role": invitation.role},
    )
    return membership
