"""Document kinds of the community: the annual CPO report PDF, and the community's panel on
the office's catalogue draft page."""

from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from cpo_portal.documents.models import Document
from cpo_portal.documents.registry import DocumentKind, register
from criteria.extensions import register_draft_panel as register_panel

from .markdown import render_markdown
from .models import AnnualReport
from .report_figures import present
from .selectors.proposals import accepted_proposals_for_next_version


def _report_context(document: Document) -> dict[str, Any]:
    report = AnnualReport.objects.get(pk=document.owner_id)
    sections = [
        {"title": s.title, "html": render_markdown(s.body)}
        for s in report.sections.order_by("position", "pk")
        if s.body.strip()  # an empty draft section is not printed
    ]
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
