"""Document kinds of the signees app: the signed declaration and the CPO Statement PDF."""

from typing import Any

from django_scopes import scope

from cpo_portal.documents.models import Document
from cpo_portal.documents.registry import DocumentKind, register

from .models import Signature, Statement
from .selectors.statements import statement_view


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
        template="signees/signing/pdf/declaration.html",
        build_context=_declaration_context,
    )
)


def _statement_context(document: Document) -> dict[str, Any]:
    with scope(organization=document.organization):
        statement = Statement.objects.select_related(
            "signee__organization", "catalogue_version"
        ).get(pk=document.owner_id)
    view = statement_view(statement)
    return {
        "statement": statement,
        "signee": statement.signee,
        "organization": statement.signee.organization,
        "version": statement.catalogue_version,
        "blocks": view.blocks,
        "progress": view.progress,
    }


register(
    DocumentKind(
        name="cpo_statement",
        template="signees/statements/pdf/statement.html",
        build_context=_statement_context,
        # A CPO Statement is published for everyone to read; so is its PDF.
        public=True,
    )
)
