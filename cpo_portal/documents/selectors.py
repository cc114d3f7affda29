"""Reads of documents, scoped to who asks."""

from django.db.models import QuerySet
from django_scopes import scope, scopes_disabled

from cpo_portal.tenancy.models import Membership, Organization

from .models import Document
from .registry import get_kind, kinds


def documents_of_organization(organization: Organization) -> QuerySet[Document]:
    with scope(organization=organization):
        return Document.objects.filter(organization=organization).select_related("created_by")


def documents_for_member(membership: Membership) -> QuerySet[Document]:
    """The organization's documents this member may download, filtered in the query."""
    qs = documents_of_organization(membership.organization)
    if not membership.is_admin:
        qs = qs.exclude(kind__in=[k for k in kinds() if get_kind(k).admins_only])
    return qs


def document_of_organization(organization: Organization, pk: int) -> Document | None:
    return documents_of_organization(organization).filter(pk=pk).first()


def document_for_office(pk: int) -> Document | None:
    with scopes_disabled():
        return Document.objects.select_related("organization").filter(pk=pk).first()
