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


# --- Elections: reads for the office, the organizations, nominees and the public ---------


def elections_for_office() -> QuerySet[Election]:
    """Every election, newest first, with the number of organizations that voted."""
    from django.db.models import Count

    return Election.objects.annotate(casts_count=Count("casts")).order_by("-year")


def candidates_of_election(election: Election) -> list[Candidate]:
    """All nominations of an election (any status), for the office; one query."""
    return list(
        Candidate.objects.filter(election=election)
        .select_related("user", "organization", "nominated_by_organization")
        .order_by("group", "user__full_name", "user__email", "pk")
    )


def nominations_of_organization(election: Election, organization: Organization) -> list[Candidate]:
    """Nominations made by the organization or of its people; one query."""
    from django.db.models import Q

    return list(
        Candidate.objects.filter(election=election)
        .filter(Q(nominated_by_organization=organization) | Q(organization=organization))
        .select_related("user", "organization", "nominated_by_organization")
        .order_by("group", "user__full_name", "pk")
    )


def candidacy_for_nominee(user: Any, year: int, pk: int) -> Candidate | None:
    """The user's own nomination (None for anyone else's)."""
    if not user.is_authenticated:
        return None
    return (
        Candidate.objects.filter(pk=pk, election__year=year, user=user)
        .select_related("election", "organization", "nominated_by_organization", "user")
        .first()
    )


def open_candidacies_of_user(user: Any, election: Election) -> list[Candidate]:
    if not user.is_authenticated:
        return []
    return list(Candidate.objects.filter(election=election, user=user))


def nomination_options(election: Election, group: str) -> list[tuple[Organization, list[Any]]]:
    """Who may be nominated in `group`: the people of the group's community member
    organizations not yet nominated in this election, per organization (two queries)."""
    from cpo_portal.tenancy.models import Membership

    organizations = list(
        community_member_organizations().filter(signee__group=group).order_by("display_name")
    )
    taken = Candidate.objects.filter(election=election).values("user_id")
    with scopes_disabled():
        memberships = list(
            Membership.objects.filter(organization__in=organizations)
            .exclude(user_id__in=taken)
            .select_related("user")
            .order_by("user__full_name", "user__email")
        )
    people: dict[int, list[Any]] = {org.pk: [] for org in organizations}
    for membership in memberships:
        people[membership.organization_id].append(membership.user)
    return [(org, people[org.pk]) for org in organizations if people[org.pk]]


def ballot_cast_of(election: Election, organization: Organization) -> Any:
    """The record that the organization voted (never what), or None."""
    from .models import BallotCast

    return BallotCast.objects.filter(election=election, organization=organization).first()


def turnout_of(election: Election) -> tuple[int, int]:
    """(ballots cast, eligible organizations): frozen at tallying, live before."""
    from .models import BallotCast

    if election.tallied_at is not None:
        return election.ballots_count or 0, election.eligible_count or 0
    return (
        BallotCast.objects.filter(election=election).count(),
        community_member_organizations().count(),
    )


def results_of_election(election: Election) -> dict[str, Any]:
    """Per group: the ranked results and the tie resolution, if any (two queries)."""
    from .models import TieResolution

    results = list(
        ElectionResult.objects.filter(election=election)
        .select_related("candidate__user", "candidate__organization")
        .order_by("group", "rank", "candidate__user__full_name", "pk")
    )
    resolutions = {
        r.group: r
        for r in TieResolution.objects.filter(election=election).select_related("resolved_by")
    }
    by_group: dict[str, Any] = {}
    for result in results:
        by_group.setdefault(result.group, []).append(result)
    return {"results": by_group, "resolutions": resolutions}
