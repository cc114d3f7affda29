"""Reads of the prostep ivip membership and of who is a community member, each named for
who it serves."""

from collections import Counter, defaultdict
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.fields.json import KeyTransform
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.tenancy.models import Membership, Organization, Role
from signees.models import Signee, SigneeStatus

from .. import member_list
from ..models import AssociationMembership, MembershipImport, MembershipStatus


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


def community_people_per_organization(
    *, group: str | None = None, admins_only: bool = False
) -> list[tuple[Organization, list[User]]]:
    """The people of each community member organization (of `group`, if given), active and
    with an address; with `admins_only` its owners and admins only, who cast its ballot.
    Organizations without such people are left out (two queries)."""
    organizations = community_member_organizations()
    if group:
        organizations = organizations.filter(signee__group=group)
    members = list(organizations.order_by("display_name", "pk"))
    with scopes_disabled():
        memberships = (
            Membership.objects.filter(organization__in=members, user__is_active=True)
            .exclude(user__email="")
            .select_related("user")
            .order_by("user_id")
        )
        if admins_only:
            memberships = memberships.filter(role__in=[Role.OWNER, Role.ADMIN])
        people: dict[int, list[User]] = {org.pk: [] for org in members}
        for membership in memberships:
            people[membership.organization_id].append(membership.user)
    return [(org, people[org.pk]) for org in members if people[org.pk]]


def community_people() -> list[User]:
    """Every person of a community member organization (owners, admins and members), each
    once, active and with an address: who hears the community's news (one query)."""
    with scopes_disabled():
        return list(
            User.objects.filter(
                is_active=True, memberships__organization__in=community_member_organizations()
            )
            .exclude(email="")
            .distinct()
            .order_by("pk")
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


# --- The prostep ivip member list: the dry run of an import ------------------------------

# What applying a matched row does; the others change nothing.
CHANGES = {"verify", "extend", "renew", "create"}
_OPEN = (MembershipStatus.DECLARED, MembershipStatus.VERIFIED)


def _approved_signees() -> list[Signee]:
    """Every approved signee with its organization and membership (one query)."""
    with scopes_disabled():
        return list(
            Signee.objects.filter(status=SigneeStatus.APPROVED)
            .select_related("organization", "organization__association_membership")
            .only(
                "pk",
                "organization__id",
                "organization__legal_name",
                "organization__display_name",
                "organization__association_membership__id",
                "organization__association_membership__number",
                "organization__association_membership__status",
                "organization__association_membership__member_since",
                "organization__association_membership__valid_until",
            )
            .order_by("organization__display_name", "pk")
        )


def _membership(organization: Organization) -> AssociationMembership | None:
    try:
        return organization.association_membership
    except AssociationMembership.DoesNotExist:
        return None


def _org(organization: Organization) -> dict[str, Any]:
    return {"id": organization.pk, "name": organization.display_name}


def membership_snapshot(membership: AssociationMembership | None) -> dict[str, Any] | None:
    if membership is None:
        return None
    return {
        "id": membership.pk,
        "number": membership.number,
        "status": membership.status,
        "member_since": membership.member_since.isoformat(),
        "valid_until": membership.valid_until.isoformat() if membership.valid_until else None,
    }


def default_valid_until(today: date) -> date:
    """A row without a validity is valid to the end of the year (of the next one in
    December), as the office's verification form proposes."""
    if today.month == 12:
        return date(today.year + 1, 12, 31)
    return date(today.year, 12, 31)


def _action(membership: AssociationMembership | None, valid_until: date, today: date) -> str:
    if valid_until < today:
        return "expired"
    if membership is None:
        return "create"
    if membership.status == MembershipStatus.DECLARED:
        return "verify"
    if membership.status == MembershipStatus.LAPSED:
        return "renew"
    if membership.status == MembershipStatus.REJECTED:
        return "rejected"
    if membership.valid_until is None or membership.valid_until < valid_until:
        return "extend"
    return "current"


def _judge(
    row: dict[str, Any],
    by_number: dict[str, list[Signee]],
    by_name: dict[str, list[Signee]],
    today: date,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        key: row.get(key) for key in ("row", "number", "name", "member_since", "valid_until")
    }
    result["errors"] = list(row.get("errors", []))
    result["default_valid_until"] = not row.get("valid_until")
    if result["errors"]:
        return {**result, "outcome": "error"}
    valid_until = (
        date.fromisoformat(row["valid_until"]) if row["valid_until"] else default_valid_until(today)
    )
    result["valid_until"] = valid_until.isoformat()
    matches = by_number.get(member_list.number_key(row["number"]), [])
    result["match_by"] = "number"
    if not matches:
        matches = by_name.get(member_list.company_key(row["name"]), [])
        result["match_by"] = "name"
    if not matches:
        return {**result, "outcome": "no_match", "match_by": None}
    if len(matches) > 1:
        return {
            **result,
            "outcome": "ambiguous",
            "candidates": [_org(signee.organization) for signee in matches],
        }
    organization = matches[0].organization
    membership = _membership(organization)
    result.update(organization=_org(organization), membership=membership_snapshot(membership))
    if result["match_by"] == "name" and membership is not None:
        # Matched by name, but the company declared another number: the office looks first.
        return {**result, "outcome": "match", "action": "number_differs"}
    action = _action(membership, valid_until, today)
    if action == "create" and not row["member_since"]:
        error = {"column": "member_since", "code": "needed", "value": ""}
        return {**result, "outcome": "error", "errors": [error]}
    since = (
        date.fromisoformat(row["member_since"]) if membership is None else membership.member_since
    )
    if action in CHANGES and valid_until < since:
        error = {"column": "valid_until", "code": "before_since", "value": result["valid_until"]}
        return {**result, "outcome": "error", "errors": [error]}
    return {**result, "outcome": "match", "action": action}


def member_list_dry_run(*, rows: list[dict[str, Any]], today: date | None = None) -> dict[str, Any]:
    """What importing the member list would do, row by row, against the signees as they are
    now (one query): a match by declared number, else by normalised company name."""
    today = today or timezone.localdate()
    signees = _approved_signees()
    by_number: dict[str, list[Signee]] = defaultdict(list)
    by_name: dict[str, list[Signee]] = defaultdict(list)
    for signee in signees:
        organization = signee.organization
        membership = _membership(organization)
        if membership is not None:
            by_number[member_list.number_key(membership.number)].append(signee)
        keys = {
            member_list.company_key(organization.legal_name),
            member_list.company_key(organization.display_name),
        }
        for key in keys - {""}:
            by_name[key].append(signee)
    results = []
    first_row: dict[int, int] = {}
    for row in rows:
        result = _judge(row, by_number, by_name, today)
        organization_id = (result.get("organization") or {}).get("id")
        if result["outcome"] == "match" and organization_id is not None:
            if organization_id in first_row:
                column = "number" if result["match_by"] == "number" else "name"
                error = {"column": column, "code": "duplicate", "value": first_row[organization_id]}
                result = {**result, "outcome": "error", "errors": [error], "action": None}
            else:
                first_row[organization_id] = result["row"]
        results.append(result)
    missing = [
        {"organization": _org(signee.organization), "membership": membership_snapshot(membership)}
        for signee in signees
        if (membership := _membership(signee.organization)) is not None
        and membership.status in _OPEN
        and signee.organization.pk not in first_row
    ]
    counts = Counter(result["outcome"] for result in results)
    return {
        "today": today.isoformat(),
        "rows": results,
        "missing": missing,
        "counts": {
            "rows": len(results),
            "match": counts["match"],
            "no_match": counts["no_match"],
            "ambiguous": counts["ambiguous"],
            "error": counts["error"],
            "changes": sum(1 for r in results if r.get("action") in CHANGES),
            "missing": len(missing),
        },
    }


def member_list_imports_for_office() -> QuerySet[MembershipImport]:
    """The history of member list imports, newest first: their counts, not their rows."""
    return (
        MembershipImport.objects.select_related("created_by", "applied_by")
        .defer("rows", "report")
        .annotate(counts=KeyTransform("counts", "report"))
    )


def member_list_import_for_office(pk: int) -> MembershipImport | None:
    return MembershipImport.objects.select_related("created_by", "applied_by").filter(pk=pk).first()


def member_list_imports_of_file(sha256: str, *, exclude: int) -> QuerySet[MembershipImport]:
    """Earlier imports of the same file (by its SHA-256)."""
    return (
        MembershipImport.objects.filter(sha256=sha256)
        .exclude(pk=exclude)
        .select_related("applied_by")
        .defer("rows", "report")
    )
