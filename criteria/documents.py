"""The printable edition of a catalogue version: one PDF per language (English, German),
rendered through the Document pipeline (PDF/A-3a, cpo_portal/documents/rendering.py).

The PDF is requested the first time someone asks for it (criteria/views/catalogue.py,
`catalogue_pdf`), not on publish: versions published before this edition existed get theirs
the same way, and a version nobody downloads costs nothing. A published version never
changes, so once rendered its PDF stays valid.
"""

from dataclasses import dataclass
from itertools import groupby
from typing import Any

from cpo_portal.documents.models import Document
from cpo_portal.documents.registry import DocumentKind, register

from .models import CatalogueVersion, Category, Criterion

CATALOGUE_DOCUMENT_KIND = "catalogue_edition"
# The languages of the printable edition (the portal's languages).
PDF_LANGUAGES = ("en", "de")


def catalogue_pdf_filename(version: CatalogueVersion, language: str) -> str:
    """A name people recognise in their downloads folder: CPO-catalogue-2.0-en.pdf."""
    return f"CPO-catalogue-{version.code}-{language}.pdf"


@dataclass
class PrintBlock:
    category: Category
    criteria: list[Criterion]


def _catalogue_context(document: Document) -> dict[str, Any]:
    """Two queries: the version, then its criteria with their categories, in print order."""
    version = CatalogueVersion.objects.get(pk=document.owner_id)
    criteria = list(
        version.criteria.select_related("category").order_by("category__position", "position")
    )
    blocks = [
        PrintBlock(category=category, criteria=list(rows))
        for category, rows in groupby(criteria, key=lambda c: c.category)
    ]
    return {"version": version, "blocks": blocks, "criteria_count": len(criteria)}


def register_kinds() -> None:
    register(
        DocumentKind(
            name=CATALOGUE_DOCUMENT_KIND,
            template="criteria/catalogue/pdf/catalogue.html",
            build_context=_catalogue_context,
            # The catalogue is public; the criteria views serve only published versions.
            public=True,
        )
    )
