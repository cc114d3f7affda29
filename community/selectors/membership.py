"""Reads of the prostep ivip membership and of who is a community member, each named for
who it serves."""

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from cpo_portal.tenancy.models import Organization
from signees.models import Signee, SigneeStatus

from ..models import AssociationMembership, MembershipStatus


def membership_of(organization: Organization) -> AssociationMembership | None:
    with scope(organization=organization):
        return AssociationMembership.objects.filter(organization=organization).first()


def is_community_member(organization: Organization, *, on: date | None = None) -> bool:
    """An approved signee with a verified, current prostep ivip membership."""
    day = on or timezone.localdate()
    with scopes_disabled():
        return (
            Signee.objects.filter(organization=organization, status=SigneeStatus.APPROVED).exists()
            and AssociationMembership.objects.filter(
                organization=organization,
                status=MembershipStatus.VERIFIED,
                valid_until__gte=day,
            ).exists()
        )


def community_member_organizations(*, on: date | None = None) -> QuerySet[Organization]:
    """Every community member organization (one query when evaluated)."""
    day = on or timezone.localdate()
    return Organization.objects.filter(
        signee__status=SigneeStatus.APPROVED,
        association_membership__status=MembershipStatus.VERIFIED,
        association_membership__valid_until__gte=day,
    )


def community_group_of(organization: Organization) -> str | None:
    """The signee group of a community member organization, or None if it is none."""
    if not is_community_member(organization):
        return None
    with scopes_disabled():
        return (
            Signee.objects.filter(organization=organization).values_list("group", flat=True).first()
        )


def community_counts_per_group() -> dict[str, int]:
    """Community member organizations per signee group (one query)."""
    rows = (
        community_member_organizations().values("signee__group").annotate(n=Count("pk")).order_by()
    )
    return {row["signee__group"]: row["n"] for row in rows}


def memberships_for_office(*, status: str = "", q: str = "") -> QuerySet[AssociationMembership]:
    """Every declared membership with its organization and signee; oldest declaration first."""
    with scopes_disabled():
        memberships = AssociationMembership.objects.select_related(
            "organization__signee", "declared_by", "verified_by"
        )
    if status:
        memberships = memberships.filter(status=status)
    if q:
        memberships = memberships.filter(
            Q(organization__display_name__icontains=q)
            | Q(organization__legal_name__icontains=q)
            | Q(number__icontains=q)
        )
    return memberships.order_by("declared_at", "pk")


def membership_for_office(pk: int) -> AssociationMembership | None:
    with scopes_disabled():
        return (
            AssociationMembership.objects.select_related(
                "organization__signee", "declared_by", "verified_by"
            )
            .filter(pk=pk)
            .first()
        )
