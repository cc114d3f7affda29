"""Document kinds of the community: the annual CPO report PDF, and the community's panel on
the office's catalogue draft page.

The report's body (`report_body`: each section's text, then its pictures; pictures without
a section after the last one) is the same on the public page, in the editor's preview and
in the PDF. The PDF carries the pictures inline (data: URLs: the renderer fetches nothing),
each with its caption and its text alternative, and downloads under a human name
(`report_pdf_filename`).
"""

import base64
import io
from collections.abc import Callable
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from cpo_portal.documents.models import Document
from cpo_portal.documents.registry import DocumentKind, register
from criteria.extensions import register_draft_panel as register_panel

from .markdown import render_markdown
from .models import AnnualReport, ReportImage
from .report_figures import present
from .selectors.proposals import accepted_proposals_for_next_version

# The PDF's file name per language of the rendering; any other language: English.
PDF_FILENAMES = {"en": "CPO-Annual-Report-{year}.pdf", "de": "CPO-Jahresbericht-{year}.pdf"}


def report_pdf_filename(report: AnnualReport, language: str | None) -> str:
    """A human name for the download, in the language the PDF is written in."""
    base = (language or "en").split("-", 1)[0].lower()
    return PDF_FILENAMES.get(base, PDF_FILENAMES["en"]).format(year=report.year)


def image_url(image: ReportImage) -> str:
    """Where a page shows the picture: through the permission-checked view, never media."""
    return reverse("community:report_image", args=[image.report.year, image.pk])


def image_data_uri(image: ReportImage) -> str:
    """The picture inline for the PDF. A CMYK or otherwise unusual JPEG is converted to RGB
    (the PDF/A output intent is sRGB); PNG and RGB/greyscale JPEG go as uploaded."""
    with image.file.open("rb") as handle:
        data = handle.read()
    content_type = image.content_type
    if content_type == "image/jpeg":
        from PIL import Image

        with Image.open(io.BytesIO(data)) as picture:
            if picture.mode not in ("RGB", "L"):
                buffer = io.BytesIO()
                picture.convert("RGB").save(buffer, format="JPEG", quality=92)
                data = buffer.getvalue()
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def report_body(
    report: AnnualReport,
    *,
    skip_empty: bool = False,
    image_src: Callable[[ReportImage], str] = image_url,
) -> list[dict[str, Any]]:
    """Each section with its text as sanitized HTML and its pictures (with `src`); pictures
    without a section follow the last one. With `skip_empty`, a section with neither text
    nor pictures is left out (the public page and the PDF). Two queries."""
    images: dict[int | None, list[dict[str, Any]]] = {}
    for image in report.images.select_related("report").order_by("pk"):
        images.setdefault(image.section_id, []).append({"image": image, "src": image_src(image)})
    sections: list[dict[str, Any]] = [
        {
            "section": s,
            "title": s.title,
            "html": render_markdown(s.body),
            "images": images.pop(s.pk, []),
        }
        for s in report.sections.order_by("position", "pk")
    ]
    loose = [item for items in images.values() for item in items]  # no (or a lost) section
    if loose:
        if sections:
            sections[-1]["images"] = sections[-1]["images"] + loose
        else:
            sections.append({"section": None, "title": "", "html": "", "images": loose})
    return [
        s
        for s in sections
        if not skip_empty or s["section"] is None or s["section"].body.strip() or s["images"]
    ]


def _report_context(document: Document) -> dict[str, Any]:
    report = AnnualReport.objects.get(pk=document.owner_id)
    # An empty draft section is not printed; pictures come inline.
    sections = report_body(report, skip_empty=True, image_src=image_data_uri)
    # The figures come from the frozen snapshot only: every rendering shows the same.
    return {
        "report": report,
        "sections": sections,
        "figures": present(report.snapshot) if report.snapshot else None,
    }


def register_kinds() -> None:
    register(
        DocumentKind(
            name="annual_report",
            template="community/reports/pdf/annual_report.html",
            build_context=_report_context,
            # Served to the public once the report is published: the community's own views
            # check that (the floor's download views never reach a portal-wide document).
            public=True,
        )
    )


def accepted_proposals_panel(version: Any) -> SafeString:
    """The proposals accepted for the next version, on the office's draft page (read-only)."""
    html = render_to_string(
        "community/proposals/_draft_panel.html",
        {"proposals": accepted_proposals_for_next_version(), "version": version},
    )
    return mark_safe(html)  # noqa: S308 — a template's output, autoescaped


def register_draft_panel() -> None:
    register_panel("community.accepted_proposals", accepted_proposals_panel)
