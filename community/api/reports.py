"""The annual CPO reports in the API (/api/v1/community/…).

Public: published reports (the archive; one report with its sections as sanitized HTML,
its pictures with caption and text alternative, its frozen figures and the PDF link).
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.documents.models import Document

from ..markdown import render_markdown
from ..models import AnnualReport, ReportImage, ReportSection
from ..report_figures import public_figures
from ..selectors.reports import published_report, published_reports
from ..services.reports import report_document
from .membership import YEAR
from .proposals import SITE_PATH

# --- Output -----------------------------------------------------------------------------


class ReportOutput(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = AnnualReport
        fields = ["year", "title", "published_at", "url"]

    @extend_schema_field(SITE_PATH)
    def get_url(self, report: AnnualReport) -> str:
        return reverse("community:report", args=[report.year])


class SectionOutput(serializers.Serializer):
    title = serializers.CharField()
    markdown = serializers.CharField(source="body")
    html = serializers.SerializerMethodField(help_text="Sanitized HTML of the Markdown.")

    def get_html(self, section: ReportSection) -> str:
        return str(render_markdown(section.body))


class ImageOutput(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    section = serializers.CharField(
        source="section.title", allow_null=True, default=None, help_text="Shown after it."
    )

    class Meta:
        model = ReportImage
        fields = ["url", "caption", "alt_text", "content_type", "sha256", "section"]

    @extend_schema_field(SITE_PATH)
    def get_url(self, image: ReportImage) -> str:
        return reverse("community:report_image", args=[image.report.year, image.pk])


class ReportDetailOutput(ReportOutput):
    sections = serializers.SerializerMethodField()
    images = serializers.SerializerMethodField()
    figures = serializers.SerializerMethodField(help_text="The frozen figures.")
    figures_taken_at = serializers.DateTimeField(source="snapshot_taken_at")
    pdf_url = serializers.SerializerMethodField()
    pdf_sha256 = serializers.SerializerMethodField()

    class Meta(ReportOutput.Meta):
        fields = [
            *ReportOutput.Meta.fields,
            "sections",
            "images",
            "figures",
            "figures_taken_at",
            "pdf_url",
            "pdf_sha256",
        ]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_figures(self, report: AnnualReport) -> Any:
        return public_figures(report.snapshot) if report.snapshot else None

    @extend_schema_field(SectionOutput(many=True))
    def get_sections(self, report: AnnualReport) -> Any:
        sections = report.sections.exclude(body="").order_by("position", "pk")
        return SectionOutput(sections, many=True).data

    @extend_schema_field(ImageOutput(many=True))
    def get_images(self, report: AnnualReport) -> Any:
        images = report.images.select_related("report", "section").order_by("pk")
        return ImageOutput(images, many=True).data

    def _document(self, report: AnnualReport) -> Document | None:
        document = self.context.get("document")
        return document if document is not None and document.is_ready else None

    @extend_schema_field({**SITE_PATH, "nullable": True})
    def get_pdf_url(self, report: AnnualReport) -> str | None:
        if self._document(report) is None:
            return None
        return reverse("community:report_pdf", args=[report.year])

    def get_pdf_sha256(self, report: AnnualReport) -> str | None:
        document = self._document(report)
        return document.sha256 if document else None


# --- Views ------------------------------------------------------------------------------


class ReportListView(generics.ListAPIView):
    """The published annual CPO reports, newest year first."""

    permission_classes = [AllowAny]
    serializer_class = ReportOutput
    queryset = published_reports()

    def get_queryset(self) -> QuerySet[AnnualReport]:
        return published_reports()


class ReportDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(parameters=[YEAR], responses={200: ReportDetailOutput})
    def get(self, request: Request, year: int) -> Response:
        """One published report: sections, frozen figures, the PDF's link and hash."""
        report = published_report(year)
        if report is None:
            raise Http404
        context = {"document": report_document(report)}
        return Response(ReportDetailOutput(report, context=context).data)
