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


# --- Membership and conference: reads for the office, the organizations and the public ---


def memberships_for_office(*, status: str = "", q: str = "") -> QuerySet[AssociationMembership]:
    """Every declared membership with its organization and signee; oldest declaration first."""
    from django.db.models import Q

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


def community_counts_per_group() -> dict[str, int]:
    """Community member organizations per signee group (one query)."""
    from django.db.models import Count

    rows = (
        community_member_organizations().values("signee__group").annotate(n=Count("pk")).order_by()
    )
    return {row["signee__group"]: row["n"] for row in rows}


def published_conference(year: int | None = None) -> Any:
    """The published conference of `year`, or the current one: the next or running
    published conference, else the latest published one."""
    from .models import Conference

    published = Conference.objects.filter(is_published=True)
    if year is not None:
        return published.filter(year=year).first()
    upcoming = (
        published.filter(ends_on__gte=timezone.now().date()).order_by("starts_on", "year").first()
    )
    return upcoming or published.order_by("-year").first()


def past_published_conferences(exclude: Any = None) -> list[Any]:
    from .models import Conference

    conferences = Conference.objects.filter(
        is_published=True, ends_on__lt=timezone.now().date()
    ).order_by("-year")
    if exclude is not None:
        conferences = conferences.exclude(pk=exclude.pk)
    return list(conferences.only("year", "title", "starts_on", "ends_on")[:20])


def conference_seats(conference: Any) -> dict[str, int]:
    """Confirmed and waitlisted registrations and free seats (one query)."""
    from django.db.models import Count, Q

    from .models import Registration, RegistrationStatus

    with scopes_disabled():
        counts = Registration.objects.filter(conference=conference).aggregate(
            confirmed=Count("pk", filter=Q(status=RegistrationStatus.CONFIRMED)),
            waitlisted=Count("pk", filter=Q(status=RegistrationStatus.WAITLISTED)),
        )
    counts["free"] = max(conference.capacity - counts["confirmed"], 0)
    return counts


def conferences_for_office() -> QuerySet[Any]:
    """Every conference, newest first, with its confirmed and waitlisted counts."""
    from django.db.models import Count, Q

    from .models import Conference, RegistrationStatus

    return Conference.objects.annotate(
        confirmed_count=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)
        ),
        waitlisted_count=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)
        ),
    ).order_by("-year")


def _waitlist_positions(conference: Any) -> dict[int, int]:
    """{registration pk: place on the waitlist (1 = next in line)} in one query."""
    from .models import Registration, RegistrationStatus

    with scopes_disabled():
        order = Registration.objects.filter(
            conference=conference, status=RegistrationStatus.WAITLISTED
        ).order_by("waitlisted_at", "pk")
        return {pk: place for place, pk in enumerate(order.values_list("pk", flat=True), 1)}


def attendees_for_office(conference: Any) -> list[Any]:
    """All registrations of a conference for the office: confirmed first, then the
    waitlist in its order, then the cancelled; each with `.waitlist_position` (two queries)."""
    from .models import Registration, RegistrationStatus

    positions = _waitlist_positions(conference)
    with scopes_disabled():
        rows: list[Any] = list(
            Registration.objects.filter(conference=conference).select_related(
                "organization", "registered_by"
            )
        )
    rank: dict[str, int] = {RegistrationStatus.CONFIRMED: 0, RegistrationStatus.WAITLISTED: 1}
    for row in rows:
        row.waitlist_position = positions.get(row.pk)
    rows.sort(
        key=lambda r: (
            rank.get(r.status, 2),
            r.waitlist_position or 0,
            r.confirmed_at or r.registered_at,
            r.pk,
        )
    )
    return rows


def attendee_rows_for_export(conference: Any) -> Any:
    """The registrations of a conference as an iterator, for the CSV export (one query)."""
    from django.db.models import Case, IntegerField, Value, When

    from .models import Registration, RegistrationStatus

    rank = Case(
        When(status=RegistrationStatus.CONFIRMED, then=Value(0)),
        When(status=RegistrationStatus.WAITLISTED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    with scopes_disabled():
        return (
            Registration.objects.filter(conference=conference)
            .select_related("organization__signee")
            .order_by(rank, "waitlisted_at", "confirmed_at", "registered_at", "pk")
            .iterator(chunk_size=500)
        )


def registrations_of_organization(organization: Organization, conference: Any) -> list[Any]:
    """The organization's registrations for a conference, each with `.waitlist_position`."""
    from .models import Registration

    positions = _waitlist_positions(conference)
    with scope(organization=organization):
        rows: list[Any] = list(
            Registration.objects.filter(organization=organization, conference=conference)
            .select_related("registered_by")
            .order_by("registered_at", "pk")
        )
    for row in rows:
        row.waitlist_position = positions.get(row.pk)
    return rows


def registration_of_organization(organization: Organization, pk: int) -> Any:
    """One registration of the organization, or None (another tenant's is None too)."""
    from .models import Registration

    with scope(organization=organization):
        return (
            Registration.objects.filter(organization=organization, pk=pk)
            .select_related("conference")
            .first()
        )


def _registrations_with_position(organization: Organization) -> QuerySet[Any]:
    """The organization's registrations, each annotated with its waitlist place (one query)."""
    from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, When

    from .models import Registration, RegistrationStatus

    waiting = RegistrationStatus.WAITLISTED
    with scopes_disabled():
        ahead = (
            Registration.objects.filter(conference=OuterRef("conference"), status=waiting)
            .filter(
                Q(waitlisted_at__lt=OuterRef("waitlisted_at"))
                | Q(waitlisted_at=OuterRef("waitlisted_at"), pk__lte=OuterRef("pk"))
            )
            .order_by()
            .values("conference")
            .annotate(n=Count("pk"))
            .values("n")
        )
    with scope(organization=organization):
        return (
            Registration.objects.filter(organization=organization)
            .select_related("conference")
            .annotate(
                waitlist_position=Case(
                    When(status=waiting, then=Subquery(ahead, output_field=IntegerField())),
                    default=None,
                    output_field=IntegerField(),
                )
            )
            .order_by("-conference__year", "registered_at", "pk")
        )


def registrations_for_api(organization: Organization) -> QuerySet[Any]:
    return _registrations_with_position(organization)


def registration_for_api(organization: Organization, pk: int) -> Any:
    return _registrations_with_position(organization).filter(pk=pk).first()
