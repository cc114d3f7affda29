"""Reads of the Core Team election for the office, the organizations, nominees and the
public; each names who it serves, and each bounds its queries."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Lower
from django.utils import timezone
from django_scopes import scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.tenancy.models import Membership, Organization
from criteria.groups import SigneeGroup

from ..models import BallotCast, Candidate, CandidateStatus, Election, ElectionResult, TieResolution
from .membership import community_member_organizations


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


def is_core_team_member(user: User | AnonymousUser | None) -> bool:
    """Elected in the latest election with published results (the current term)."""
    if user is None or not user.is_authenticated:
        return False
    _election, results = published_core_team()
    return any(r.candidate.user_id == user.pk for r in results)


def elections_for_office() -> QuerySet[Election]:
    """Every election, newest first, with the number of organizations that voted."""
    return Election.objects.annotate(casts_count=Count("casts")).order_by("-year")


def elections_in_window(*, opens: str, closes: str, at: datetime) -> list[Election]:
    """The elections whose window `opens`…`closes` (e.g. "voting_opens", "voting_closes")
    holds `at`, results not yet published (a handful: one election a year)."""
    return list(
        Election.objects.filter(
            **{f"{opens}__lte": at, f"{closes}__gt": at}, results_published_at__isnull=True
        ).order_by("year")[:10]
    )


def voted_organization_ids(election: Election) -> set[int]:
    """The organizations that cast their ballot (never what they voted; one query)."""
    return set(
        BallotCast.objects.filter(election=election).values_list("organization_id", flat=True)
    )


def elected_of_election(election: Election) -> list[ElectionResult]:
    """The elected of an election with their person and organization (one query)."""
    return list(
        ElectionResult.objects.filter(election=election, elected=True)
        .select_related("candidate__user", "candidate__organization")
        .order_by("group", "rank", "pk")
    )


def candidates_of_election(election: Election) -> list[Candidate]:
    """All nominations of an election (any status), for the office; one query."""
    return list(
        Candidate.objects.filter(election=election)
        .select_related("user", "organization", "nominated_by_organization")
        .order_by("group", "user__full_name", "user__email", "pk")
    )


def nominations_of_organization(election: Election, organization: Organization) -> list[Candidate]:
    """Nominations made by the organization or of its people; one query."""
    return list(
        Candidate.objects.filter(election=election)
        .filter(Q(nominated_by_organization=organization) | Q(organization=organization))
        .select_related("user", "organization", "nominated_by_organization")
        .order_by("group", "user__full_name", "pk")
    )


def candidacy_for_nominee(user: User | AnonymousUser, year: int, pk: int) -> Candidate | None:
    """The user's own nomination (None for anyone else's)."""
    if not user.is_authenticated:
        return None
    return (
        Candidate.objects.filter(pk=pk, election__year=year, user=user)
        .select_related("election", "organization", "nominated_by_organization", "user")
        .first()
    )


def open_candidacies_of_user(user: User | AnonymousUser, election: Election) -> list[Candidate]:
    if not user.is_authenticated:
        return []
    return list(Candidate.objects.filter(election=election, user=user))


def nomination_options(election: Election, group: str) -> list[tuple[Organization, list[User]]]:
    """Who may be nominated in `group`: the people of the group's community member
    organizations not yet nominated in this election, per organization (two queries)."""
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
    people: dict[int, list[User]] = {org.pk: [] for org in organizations}
    for membership in memberships:
        people[membership.organization_id].append(membership.user)
    return [(org, people[org.pk]) for org in organizations if people[org.pk]]


def ballot_cast_of(election: Election, organization: Organization) -> BallotCast | None:
    """The record that the organization voted (never what), or None."""
    return BallotCast.objects.filter(election=election, organization=organization).first()


def turnout_of(election: Election) -> tuple[int, int]:
    """(ballots cast, eligible organizations): frozen at tallying, live before."""
    if election.tallied_at is not None:
        return election.ballots_count or 0, election.eligible_count or 0
    return (
        BallotCast.objects.filter(election=election).count(),
        community_member_organizations().count(),
    )


def results_of_election(election: Election) -> dict[str, Any]:
    """Per group: the ranked results and the tie resolution, if any (two queries)."""
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


def groups_short_of_candidates(election: Election) -> list[tuple[str, int, int]]:
    """(group, seats, accepted candidates) of each group with fewer accepted candidates than
    seats, in the fixed group order; one query. Seats left without a candidate stay empty."""
    accepted = dict(
        Candidate.objects.filter(election=election, status=CandidateStatus.ACCEPTED)
        .order_by()
        .values_list("group")
        .annotate(n=Count("pk"))
        .values_list("group", "n")
    )
    return [
        (group.value, election.seats(group.value), accepted.get(group.value, 0))
        for group in SigneeGroup
        if accepted.get(group.value, 0) < election.seats(group.value)
    ]


def elections_awaiting_vote(now: datetime) -> QuerySet[Election]:
    """Elections whose nominations have closed and whose voting has not opened yet."""
    return Election.objects.filter(
        nomination_closes__lte=now, voting_opens__gt=now, results_published_at__isnull=True
    ).order_by("voting_opens")


def term_of(election: Election) -> tuple[datetime | None, datetime | None]:
    """The term of the Core Team an election elects: from the publication of its results
    (None: not yet published) until the publication of the results of the next election
    (None: still serving, or not yet begun); one query at most. Why: the Core Team is the
    elected of the latest election with published results (published_core_team)."""
    if election.results_published_at is None:
        return None, None
    successor = (
        Election.objects.filter(year__gt=election.year, results_published_at__isnull=False)
        .order_by("year")
        .values_list("results_published_at", flat=True)
        .first()
    )
    return election.results_published_at, successor


# --- The office's export of who voted (exports) -----------------------------------------------


def participation_rows_for_office(election: Election) -> Iterator[Any]:
    """Which eligible organizations voted and when, never how: only BallotCast is read, no
    ballot and no vote. Eligible are the community members on the last day of voting (today
    while it lasts); one that voted and has left since is listed too. One query, in chunks."""
    day = min(timezone.localdate(), timezone.localdate(election.voting_closes))
    casts = BallotCast.objects.filter(election=election)
    voted_at = casts.filter(organization=OuterRef("pk")).values("cast_at")[:1]
    with scopes_disabled():
        organizations = Organization.objects.filter(
            Q(pk__in=community_member_organizations(on=day).values("pk"))
            | Q(pk__in=casts.values("organization_id"))
        )
        return (
            organizations.annotate(voted_at=Subquery(voted_at))
            .order_by(Lower("display_name"), "pk")
            .values("display_name", "legal_name", "country", "signee__group", "voted_at")
            .iterator(chunk_size=2000)
        )
