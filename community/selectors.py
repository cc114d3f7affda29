"""Reads of the CPO Community, each named for who it serves."""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from cpo_portal.tenancy.models import Organization
from signees.models import Signee, SigneeStatus

from .models import (
    AssociationMembership,
    Candidate,
    CandidateStatus,
    Election,
    ElectionResult,
    MembershipStatus,
)


def membership_of(organization: Organization) -> AssociationMembership | None:
    with scope(organization=organization):
        return AssociationMembership.objects.filter(organization=organization).first()


def is_community_member(organization: Organization, *, on: Any = None) -> bool:
    """An approved signee with a verified, current prostep ivip membership."""
    day = on or timezone.now().date()
    with scopes_disabled():
        return (
            Signee.objects.filter(organization=organization, status=SigneeStatus.APPROVED).exists()
            and AssociationMembership.objects.filter(
                organization=organization,
                status=MembershipStatus.VERIFIED,
                valid_until__gte=day,
            ).exists()
        )


def community_member_organizations(*, on: Any = None) -> QuerySet[Organization]:
    """Every community member organization (one query when evaluated)."""
    day = on or timezone.now().date()
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


def current_election() -> Election | None:
    """The latest election (nomination, voting or results)."""
    return Election.objects.order_by("-year").first()


def accepted_candidates(election: Election) -> QuerySet[Candidate]:
    return (
        Candidate.objects.filter(election=election, status=CandidateStatus.ACCEPTED)
        .select_related("user", "organization")
        .order_by("group", "user__full_name", "pk")
    )


def published_core_team() -> tuple[Election | None, list[ElectionResult]]:
    """The Core Team: the elected of the latest election whose results are published."""
    election = Election.objects.filter(results_published_at__isnull=False).order_by("-year").first()
    if election is None:
        return None, []
    results = list(
        ElectionResult.objects.filter(election=election, elected=True)
        .select_related("candidate__user", "candidate__organization")
        .order_by("group", "rank", "pk")
    )
    return election, results


def is_core_team_member(user: Any) -> bool:
    """Elected in the latest election with published results (the current term)."""
    if not user.is_authenticated:
        return False
    _election, results = published_core_team()
    return any(r.candidate.user_id == user.pk for r in results)
