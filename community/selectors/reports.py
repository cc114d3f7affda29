"""Reads of the annual CPO report, each named for who it serves."""

from django.db.models import Count, QuerySet

from ..models import AnnualReport


def published_reports() -> QuerySet[AnnualReport]:
    """The archive: published reports, newest year first (one query per page)."""
    return (
        AnnualReport.objects.filter(published_at__isnull=False)
        .only("pk", "year", "title", "published_at")
        .order_by("-year")
    )


def published_report(year: int) -> AnnualReport | None:
    return AnnualReport.objects.filter(year=year, published_at__isnull=False).first()


def reports_for_editors() -> QuerySet[AnnualReport]:
    """Every report, drafts included, with its number of sections."""
    return AnnualReport.objects.annotate(sections_count=Count("sections")).order_by("-year")
