"""Document kinds of the signees app: the signed declaration (and later the statement PDF)."""

from typing import Any

from django_scopes import scope

from cpo_portal.documents.models import Document
from cpo_portal.documents.registry import DocumentKind, register

from .models import Signature


def _declaration_context(document: Document) -> dict[str, Any]:
    with scope(organization=document.organization):
        signature = Signature.objects.select_related(
            "signee__organization", "catalogue_version", "signed_by"
        ).get(pk=document.owner_id)
    return {
        "signature": signature,
        "signee": signature.signee,
        "organization": signature.signee.organization,
        "version": signature.catalogue_version,
    }


register(
    DocumentKind(
        name="signed_declaration",
        template="signees/pdf/declaration.html",
        build_context=_declaration_context,
    )
)
