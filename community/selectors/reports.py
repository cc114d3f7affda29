"""Reads of the annual CPO report, each named for who it serves."""

from django.db.models import Count, Prefetch, Q, QuerySet

from cpo_portal.accounts.models import User

from ..models import AnnualReport, ReportComment, ReportImage, ReportSection


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
    """Every report, drafts included, with its number of sections and who marked it ready
    for review (one query per page)."""
    return (
        AnnualReport.objects.annotate(sections_count=Count("sections"))
        .select_related("ready_by")
        .order_by("-year")
    )


def report_for_editors(year: int) -> AnnualReport | None:
    """A report, draft or published, with who marked it ready."""
    return AnnualReport.objects.select_related("ready_by").filter(year=year).first()


def sections_for_editors(report: AnnualReport) -> list[ReportSection]:
    """The sections in their order, each with its images and its review comments (and their
    authors): three queries, however many sections and comments."""
    comments = ReportComment.objects.select_related("author", "resolved_by").order_by(
        "created_at", "pk"
    )
    return list(
        report.sections.select_related("updated_by")
        .prefetch_related(
            Prefetch("images", queryset=ReportImage.objects.order_by("pk")),
            Prefetch("comments", queryset=comments),
        )
        .order_by("position", "pk")
    )


def report_images(report: AnnualReport) -> list[ReportImage]:
    """Every picture of the report in its order (one query)."""
    return list(report.images.order_by("pk"))


def report_image(report: AnnualReport, pk: int) -> ReportImage | None:
    return ReportImage.objects.filter(report=report, pk=pk).first()


def report_section(report: AnnualReport, pk: int) -> ReportSection | None:
    return ReportSection.objects.filter(report=report, pk=pk).first()


def report_comment(report: AnnualReport, pk: int) -> ReportComment | None:
    return (
        ReportComment.objects.select_related("section", "author")
        .filter(section__report=report, pk=pk)
        .first()
    )


def office_people() -> list[User]:
    """The CPO office's people (any office role), active and with an address: who reviews a
    draft the Core Team marks ready (one query)."""
    granted = Q(
        groups__permissions__codename="office_access",
        groups__permissions__content_type__app_label="accounts",
    ) | Q(
        user_permissions__codename="office_access",
        user_permissions__content_type__app_label="accounts",
    )
    return list(
        User.objects.filter(
            pk__in=User.objects.filter(granted, is_active=True).exclude(email="").values("pk")
        ).order_by("pk")
    )
