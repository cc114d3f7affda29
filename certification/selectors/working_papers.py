"""Reads of auditor working papers: the papers of a case (for its auditors and the office),
one paper of a case, the counts per criterion for the scoring sheet. The company has no
reader here: its pages never ask."""

from typing import Any

from django.db.models import Count, QuerySet
from django_scopes import scope

from ..models import Application, WorkingPaper


def working_papers_of(
    application: Application, *, criterion_id: int | None = None
) -> QuerySet[WorkingPaper]:
    """The case's papers, the latest first (the view paginates; two queries a page)."""
    with scope(organization=application.organization):
        papers = WorkingPaper.objects.filter(application=application).select_related(
            "criterion", "created_by", "updated_by"
        )
        if criterion_id is not None:
            papers = papers.filter(criterion_id=criterion_id)
        return papers.order_by("-updated_at", "-pk")


def working_paper_of_application(application: Application, pk: Any) -> WorkingPaper | None:
    """One paper of this case; an id from elsewhere is None."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    with scope(organization=application.organization):
        paper = (
            WorkingPaper.objects.filter(application=application, pk=pk)
            .select_related("criterion", "created_by", "updated_by")
            .first()
        )
    if paper is not None:
        paper.application = application
    return paper


def working_paper_counts(application: Application) -> dict[int | None, int]:
    """How many papers per criterion (None: the audit as a whole), one query."""
    with scope(organization=application.organization):
        return {
            row["criterion_id"]: row["total"]
            for row in WorkingPaper.objects.filter(application=application)
            .values("criterion_id")
            .annotate(total=Count("pk"))
        }
