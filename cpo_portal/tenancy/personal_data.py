"""A person's memberships and invitations, for export and erasure (see accounts.personal_data)."""

from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_scopes import scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.accounts.personal_data import ErasureLine, Provider, Subject, register_provider
from cpo_portal.activity.services import activity_record

from .models import Invitation, Membership, Role


def _memberships(user: User) -> list[Membership]:
    with scopes_disabled():
        return list(
            Membership.objects.filter(user=user)
            .select_related("organization")
            .annotate(
                owners=Count(
                    "organization__memberships",
                    filter=Q(organization__memberships__role=Role.OWNER),
                    distinct=True,
                ),
                members=Count("organization__memberships", distinct=True),
            )
            .order_by("organization__display_name")
        )


def _invitations_to(email: str) -> Any:
    return Invitation.objects.filter(email__iexact=email).select_related("organization")


def export(user: User) -> dict[str, Any]:
    with scopes_disabled():
        invitations = list(_invitations_to(user.email).order_by("created_at"))
        sent = list(
            Invitation.objects.filter(invited_by=user)
            .select_related("organization")
            .order_by("created_at")
        )
    return {
        "memberships": [
            {
                "organization": m.organization.display_name,
                "organization_slug": m.organization.slug,
                "role": m.role,
                "since": m.created_at,
            }
            for m in _memberships(user)
        ],
        "invitations_received": [
            {
                "organization": i.organization.display_name,
                "role": i.role,
                "sent": i.created_at,
                "expires": i.expires_at,
                "accepted": i.accepted_at,
                "revoked": i.revoked_at,
            }
            for i in invitations
        ],
        # The invitees' addresses are theirs, not this person's: left out.
        "invitations_sent": [
            {"organization": i.organization.display_name, "role": i.role, "sent": i.created_at}
            for i in sent
        ],
    }


def _last_owner_with_others(membership: Membership) -> bool:
    return membership.is_owner and membership.owners <= 1 and membership.members > 1  # type: ignore[attr-defined]


def blockers(user: User) -> list[Any]:
    return [
        _(
            "%(person)s is the last owner of %(organization)s, which has other members: "
            "an owner of the organization has to make another member owner first."
        )
        % {"person": user.public_name, "organization": m.organization.display_name}
        for m in _memberships(user)
        if _last_owner_with_others(m)
    ]


def describe(user: User) -> list[ErasureLine]:
    memberships = _memberships(user)
    with scopes_disabled():
        invitations = _invitations_to(user.email).count()
    lines = []
    if memberships:
        names = ", ".join(m.organization.display_name for m in memberships)
        lines.append(
            ErasureLine(
                "delete",
                ngettext(
                    "The membership of %(count)d organization: %(names)s.",
                    "The memberships of %(count)d organizations: %(names)s.",
                    len(memberships),
                )
                % {"count": len(memberships), "names": names},
            )
        )
    if invitations:
        lines.append(
            ErasureLine(
                "delete",
                ngettext(
                    "%(count)d invitation to this person's address.",
                    "%(count)d invitations to this person's address.",
                    invitations,
                )
                % {"count": invitations},
            )
        )
    return lines


def erase(subject: Subject, by: User | None) -> dict[str, int]:
    memberships = _memberships(subject.user)
    with scopes_disabled():
        invitations, _per_model = _invitations_to(subject.email).delete()
        for membership in memberships:
            membership.delete()
            # The organization's own log says that a member went, not who.
            activity_record(
                actor=by, organization=membership.organization, verb="membership.erased"
            )
    return {"memberships": len(memberships), "invitations": invitations}


def register() -> None:
    register_provider(
        Provider(
            key="organizations",
            export=export,
            erase=erase,
            describe=describe,
            blockers=blockers,
        )
    )
