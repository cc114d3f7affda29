"""Reads of the annual conference for the office, the organizations and the public; each
names who it serves, and each bounds its queries."""

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Lower
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.tenancy.models import Organization

from ..models import Conference, Registration, RegistrationStatus


def published_conference(year: int | None = None) -> Conference | None:
    """The published conference of `year`, or the current one: the next or running
    published conference, else the latest published one."""
    published = Conference.objects.filter(is_published=True)
    if year is not None:
        return published.filter(year=year).first()
    upcoming = (
        published.filter(ends_on__gte=timezone.localdate()).order_by("starts_on", "year").first()
    )
    return upcoming or published.order_by("-year").first()


def past_published_conferences(exclude: Conference | None = None) -> list[Conference]:
    conferences = Conference.objects.filter(
        is_published=True, ends_on__lt=timezone.localdate()
    ).order_by("-year")
    if exclude is not None:
        conferences = conferences.exclude(pk=exclude.pk)
    return list(conferences.only("year", "title", "starts_on", "ends_on")[:20])


def conference_seats(conference: Conference) -> dict[str, int]:
    """Confirmed and waitlisted registrations and free seats (one query)."""
    with scopes_disabled():
        counts = Registration.objects.filter(conference=conference).aggregate(
            confirmed=Count("pk", filter=Q(status=RegistrationStatus.CONFIRMED)),
            waitlisted=Count("pk", filter=Q(status=RegistrationStatus.WAITLISTED)),
        )
    counts["free"] = max(conference.capacity - counts["confirmed"], 0)
    return counts


def conferences_open_for_registration(*, at: datetime) -> list[Conference]:
    """The published conferences whose registration window holds `at` (a handful)."""
    return list(
        Conference.objects.filter(
            is_published=True, registration_opens__lte=at, registration_closes__gt=at
        ).order_by("starts_on", "pk")[:10]
    )


def conferences_starting_within(*, days: int, today: date) -> list[Conference]:
    """The published conferences that begin from `today` to `days` days ahead (a handful)."""
    return list(
        Conference.objects.filter(
            is_published=True, starts_on__gte=today, starts_on__lte=today + timedelta(days=days)
        ).order_by("starts_on", "pk")[:10]
    )


def confirmed_attendees(conference: Conference) -> list[tuple[Registration, User | None]]:
    """The confirmed registrations of a conference, each with the attendee's active portal
    account (found by address) or None: an attendee need not have one (two queries)."""
    with scopes_disabled():
        registrations = list(
            Registration.objects.filter(conference=conference, status=RegistrationStatus.CONFIRMED)
            .select_related("registered_by", "organization")
            .order_by("confirmed_at", "pk")
        )
    addresses = {r.attendee_email.lower() for r in registrations}
    accounts: dict[str, User] = {}
    if addresses:
        for user in (
            User.objects.annotate(address=Lower("email"))
            .filter(address__in=addresses, is_active=True)
            .order_by("pk")
        ):
            accounts.setdefault(user.email.lower(), user)
    return [(r, accounts.get(r.attendee_email.lower())) for r in registrations]


def conference_for_office(pk: int) -> Conference | None:
    return Conference.objects.filter(pk=pk).first()


def conferences_for_office() -> QuerySet[Conference]:
    """Every conference, newest first, with its confirmed and waitlisted counts."""
    return Conference.objects.annotate(
        confirmed_count=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)
        ),
        waitlisted_count=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)
        ),
    ).order_by("-year")


def _waitlist_positions(conference: Conference) -> dict[int, int]:
    """{registration pk: place on the waitlist (1 = next in line)} in one query."""
    with scopes_disabled():
        order = Registration.objects.filter(
            conference=conference, status=RegistrationStatus.WAITLISTED
        ).order_by("waitlisted_at", "pk")
        return {pk: place for place, pk in enumerate(order.values_list("pk", flat=True), 1)}


def attendees_for_office(conference: Conference) -> list[Any]:
    """All registrations of a conference for the office: confirmed first, then the
    waitlist in its order, then the cancelled; each with `.waitlist_position` (two queries)."""
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


def registration_for_office(conference: Conference, pk: int) -> Registration | None:
    """One registration of the conference, whichever organization made it."""
    with scopes_disabled():
        return Registration.objects.filter(pk=pk, conference=conference).first()


def attendee_rows_for_export(conference: Conference) -> Iterator[Registration]:
    """The registrations of a conference as an iterator, for the CSV export (one query)."""
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


def registrations_of_organization(organization: Organization, conference: Conference) -> list[Any]:
    """The organization's registrations for a conference, each with `.waitlist_position`."""
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


def registration_of_organization(organization: Organization, pk: int) -> Registration | None:
    """One registration of the organization, or None (another tenant's is None too)."""
    with scope(organization=organization):
        return (
            Registration.objects.filter(organization=organization, pk=pk)
            .select_related("conference")
            .first()
        )


def _registrations_with_position(organization: Organization) -> QuerySet[Registration]:
    """The organization's registrations, each annotated with its waitlist place (one query)."""
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


def registrations_for_api(organization: Organization) -> QuerySet[Registration]:
    return _registrations_with_position(organization)


def registration_for_api(organization: Organization, pk: int) -> Registration | None:
    return _registrations_with_position(organization).filter(pk=pk).first()
