"""Reads of documents, scoped to who asks."""

from django.db.models import QuerySet
from django_scopes import scope, scopes_disabled

from cpo_portal.tenancy.models import Organization

from .models import Document


def documents_of_organization(organization: Organization) -> QuerySet[Document]:
    with scope(organization=organization):
        return Document.objects.filter(organization=organization).select_related("created_by")


def document_of_organization(organization: Organization, pk: int) -> Document | None:
    return documents_of_organization(organization).filter(pk=pk).first()


def document_for_office(pk: int) -> Document | None:
    with scopes_disabled():
        return Document.objects.select_related("organization").filter(pk=pk).first()
