"""Reads of signees: the public list, one signee, counts, exports, the home page; and an
organization's own signing status for its members.

The public sees approved signees only: every public read here starts from
`published_signees()`, so a pending, returned, rejected, unpublished or withdrawn signee
cannot reach a visitor, an export or the API through a forgotten filter. Signees are
tenant-owned (scoped); the public reads are deliberately unscoped and say so in their name,
the organization's own read enters that organization's scope.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Lower
from django_countries import countries
from django_scopes import scope, scopes_disabled

from cpo_portal.tenancy.models import Organization

from .models import Signee, SigneeGroup, SigneeStatus, Statement, StatementStatus

# Sort keys of the list, page and API alike; the pk keeps pages stable between equal keys.
SORTS: dict[str, tuple[Any, ...]] = {
    "name": (Lower("listed_name").asc(), "pk"),
    "-name": (Lower("listed_name").desc(), "-pk"),
    "since": (F("approved_at").asc(), "pk"),
    "-since": (F("approved_at").desc(), "-pk"),
}
DEFAULT_SORT = "name"
# More words than this in a search are ignored: each word is one more condition.
MAX_SEARCH_WORDS = 8
EXPORT_CHUNK_SIZE = 2000
# The columns of the CSV and JSON exports, in order.
EXPORT_FIELDS = (
    "listed_name",
    "organization__display_name",
    "organization__legal_name",
    "organization__slug",
    "organization__country",
    "organization__website",
    "group",
    "approved_at",
    "statement_kind",
    "statement_link",
)


@dataclass(frozen=True)
class SigneeFilter:
    q: str = ""
    group: str = ""
    country: str = ""
    sort: str = DEFAULT_SORT

    @property
    def active(self) -> bool:
        return bool(self.q or self.group or self.country)


def published_signees() -> QuerySet[Signee]:
    """Approved signees with their organization: all the public ever sees of signees."""
    with scopes_disabled():
        return Signee.objects.filter(status=SigneeStatus.APPROVED).select_related("organization")


def _published_statements() -> QuerySet[Statement]:
    with scopes_disabled():
        return Statement.objects.filter(status=StatementStatus.PUBLISHED)


def with_current_statement(signees: QuerySet[Signee]) -> QuerySet[Signee]:
    """Annotate the kind and external link of each signee's newest published statement.

    Two correlated subqueries instead of a prefetch: a page or an export stays one query.
    """
    newest = _published_statements().filter(signee=OuterRef("pk")).order_by("-number")
    return signees.annotate(
        statement_kind=Subquery(newest.values("kind")[:1]),
        statement_link=Subquery(newest.values("external_url")[:1]),
    )


def _search(signees: QuerySet[Signee], q: str) -> QuerySet[Signee]:
    for word in q.split()[:MAX_SEARCH_WORDS]:
        signees = signees.filter(
            Q(listed_name__icontains=word)
            | Q(organization__display_name__icontains=word)
            | Q(organization__legal_name__icontains=word)
            | Q(organization__website__icontains=word)
        )
    return signees


def _filtered(
    signees: QuerySet[Signee], filters: SigneeFilter, *, by_group: bool = True
) -> QuerySet[Signee]:
    if filters.q:
        signees = _search(signees, filters.q)
    if filters.country:
        signees = signees.filter(organization__country=filters.country)
    if by_group and filters.group:
        signees = signees.filter(group=filters.group)
    return signees


def published_signee_list(filters: SigneeFilter) -> QuerySet[Signee]:
    """The public list, filtered and sorted, with the current CPO Statement annotated."""
    signees = _filtered(published_signees(), filters)
    sort = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    return with_current_statement(signees).order_by(*sort)


def published_group_counts(filters: SigneeFilter | None = None) -> dict[str, int]:
    """Published signees per group (every group, zeros included), in one query.

    Search and country apply, the group filter does not: the counts tell a visitor how many
    they would see in each group.
    """
    signees = _filtered(published_signees(), filters or SigneeFilter(), by_group=False)
    rows = signees.order_by().values("group").annotate(n=Count("pk"))
    found = {row["group"]: row["n"] for row in rows}
    return {group: found.get(group, 0) for group in SigneeGroup.values}


def published_countries() -> list[tuple[str, str]]:
    """(code, name) of the countries of published signees, by name in the active language."""
    codes = (
        published_signees().order_by().values_list("organization__country", flat=True).distinct()
    )
    named = [(code, str(countries.name(code))) for code in codes if code]
    return sorted(named, key=lambda item: item[1].casefold())


def published_signee(slug: str) -> Signee | None:
    """One published signee by its organization's slug; None for everything else."""
    return (
        published_signees()
        .select_related("catalogue_version")
        .filter(organization__slug=slug)
        .first()
    )


def published_statement_of(signee: Signee) -> Statement | None:
    """The signee's newest published CPO Statement, if any (only for a published signee)."""
    if signee.status != SigneeStatus.APPROVED:
        return None
    statements = _published_statements().select_related("catalogue_version")
    return statements.filter(signee=signee).order_by("-number").first()


def latest_published_signees(limit: int = 5) -> list[Signee]:
    """The most recently approved signees, for the home page."""
    return list(published_signees().order_by("-approved_at", "-pk")[:limit])


def published_signee_rows(filters: SigneeFilter) -> Iterator[dict[str, Any]]:
    """The export's rows as plain dicts, fetched in chunks: memory stays constant."""
    rows = published_signee_list(filters).values(*EXPORT_FIELDS)
    return rows.iterator(chunk_size=EXPORT_CHUNK_SIZE)


def signee_of_organization(organization: Organization) -> Signee | None:
    """The organization's own signee record, whatever its status (for its members)."""
    with scope(organization=organization):
        return (
            Signee.objects.select_related("catalogue_version")
            .filter(organization=organization)
            .first()
        )
