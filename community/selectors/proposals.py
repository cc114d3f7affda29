"""Reads of proposals for the CPO, each named for who it serves; bounded queries."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, QuerySet
from django_scopes import scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.tenancy.models import Organization
from criteria.models import Criterion
from criteria.selectors.catalogue import current_published_version

from ..models import Proposal, ProposalComment, ProposalKind, ProposalStatus
from .membership import community_member_organizations


@dataclass
class ProposalFilter:
    status: str = ""
    kind: str = ""


def _criteria_prefetch() -> Prefetch:
    return Prefetch(
        "criteria",
        queryset=Criterion.objects.only("pk", "code", "version_id", "title_en", "title_de")
        .select_related("version")
        .order_by("code"),
    )


def public_proposals(filters: ProposalFilter | None = None) -> QuerySet[Proposal]:
    """Every proposal (they are public), newest first; three queries per page."""
    filters = filters or ProposalFilter()
    qs = Proposal.objects.select_related("organization").annotate(comments_count=Count("comments"))
    if filters.status in ProposalStatus.values:
        qs = qs.filter(status=filters.status)
    if filters.kind in ProposalKind.values:
        qs = qs.filter(kind=filters.kind)
    return qs.prefetch_related(_criteria_prefetch()).order_by("-submitted_at", "-pk")


def public_proposal(pk: int) -> Proposal | None:
    return (
        Proposal.objects.select_related("organization", "submitted_by", "decided_by")
        .prefetch_related(_criteria_prefetch())
        .filter(pk=pk)
        .first()
    )


def comments_of(proposal: Proposal) -> list[ProposalComment]:
    return list(
        ProposalComment.objects.filter(proposal=proposal)
        .select_related("author", "organization")
        .order_by("created_at", "pk")
    )


def proposals_of_organization(organization: Organization) -> QuerySet[Proposal]:
    return public_proposals().filter(organization=organization)


def community_organizations_of_user(user: User | AnonymousUser) -> list[Organization]:
    """The community member organizations the user belongs to (any role); one query."""
    if isinstance(user, AnonymousUser) or not user.is_authenticated:
        return []
    with scopes_disabled():
        return list(
            community_member_organizations()
            .filter(memberships__user=user)
            .order_by("display_name", "pk")
            .distinct()
        )


def accepted_proposals_for_next_version() -> list[Proposal]:
    """Accepted since the catalogue in force was published: the work list of the next draft."""
    qs = Proposal.objects.filter(status=ProposalStatus.ACCEPTED)
    version = current_published_version()
    if version is not None and version.published_at is not None:
        qs = qs.filter(decided_at__gt=version.published_at)
    return list(
        qs.select_related("organization")
        .prefetch_related(_criteria_prefetch())
        .order_by("decided_at", "pk")
    )
