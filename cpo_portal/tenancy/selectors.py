"""Reads about organizations and who belongs to them."""

from typing import Any

from allauth.account.models import EmailAddress
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from .models import Invitation, Membership, Organization, hash_token


def organizations_for_user(user: Any) -> QuerySet[Organization]:
    """The organizations `user` is a member of (Organization itself is not scoped)."""
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user).order_by("display_name")


def memberships_for_user(user: Any) -> list[tuple[Organization, str]]:
    """(organization, role) pairs for the user's navigation, in one query."""
    if not user.is_authenticated:
        return []
    rows = (
        Organization.objects.filter(memberships__user=user)
        .values_list("pk", "slug", "display_name", "memberships__role")
        .order_by("display_name")
    )
    return [
        (Organization(pk=pk, slug=slug, display_name=name), role) for pk, slug, name, role in rows
    ]


def membership_for(*, organization: Organization, user: Any) -> Membership | None:
    if not user.is_authenticated:
        return None
    with scope(organization=organization):
        return Membership.objects.filter(organization=organization, user=user).first()


def members_of(organization: Organization) -> QuerySet[Membership]:
    with scope(organization=organization):
        return (
            Membership.objects.filter(organization=organization)
            .select_related("user")
            .order_by("user__email")
        )


def open_invitations_of(organization: Organization) -> QuerySet[Invitation]:
    with scope(organization=organization):
        return Invitation.objects.filter(
            organization=organization,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).select_related("invited_by")


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a link's token stands for, open or not (the token is the secret)."""
    if not token or len(token) > 100:
        return None
    with scopes_disabled():
        return (
            Invitation.objects.select_related("organization", "invited_by")
            .filter(token_hash=hash_token(token))
            .first()
        )


def invitation_is_for(invitation: Invitation, user: Any) -> bool:
    """Whether `invitation` was sent to one of `user`'s addresses: the account's own or
    another they confirmed (one query)."""

    if not user.is_authenticated:
        return False
    invited = invitation.email.lower()
    if invited == user.email.lower():
        return True
    return EmailAddress.objects.filter(user=user, verified=True, email__iexact=invited).exists()


def open_invitations_for_user(user: Any) -> list[Invitation]:
    """Open invitations to the user's confirmed e-mail addresses, of organizations they do
    not belong to yet (the invitee who confirmed the address in another browser)."""

    if not user.is_authenticated:
        return []
    addresses = [
        address.lower()
        for address in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    ]
    if not addresses:
        return []
    with scopes_disabled():
        return list(
            Invitation.objects.filter(
                email__in=addresses,
                accepted_at__isnull=True,
                revoked_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
            .exclude(organization__memberships__user=user)
            .select_related("organization", "invited_by")
            .order_by("-created_at")[:20]
        )


def organization_for_member_or_404(slug: str, user: Any) -> tuple[Organization, Membership]:
    """The organization behind `slug` and the user's membership; 404 for everyone else."""
    organization = Organization.objects.filter(slug=slug).first()
    membership = membership_for(organization=organization, user=user) if organization else None
    if organization is None or membership is None:
        raise Http404("No such organization.")
    return organization, membership
