"""Proposals for the CPO and the annual CPO reports in the API (/api/v1/community/…).

Public: proposals (list with filters, detail with comments) and published reports (the
archive; one report with its sections as sanitized HTML, its frozen figures and the PDF
link). For people of a community member organization: submitting a proposal (any role;
anyone else gets 404). Refusals of the services become 400s with field errors.
"""

from typing import Any

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.tenancy.selectors import organization_for_member_or_404
from criteria.models import Criterion

from . import services
from .api_elections import NON_FIELD, ORG_SLUG, YEAR, domain_errors
from .markdown import render_markdown
from .models import AnnualReport, Proposal, ProposalComment, ProposalKind, ProposalStatus
from .report_figures import public_figures
from .selectors_proposals import ProposalFilter, comments_of, public_proposal, public_proposals
from .selectors_reports import published_report, published_reports
from .services.reports import report_document

# Links to the portal's own pages are paths on this site, not absolute URIs.
SITE_PATH = {"type": "string", "format": "uri-reference"}
PROPOSAL_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The proposal's id."
)


# --- Output -----------------------------------------------------------------------------


class CriterionRefOutput(serializers.Serializer):
    version = serializers.CharField(source="version.code")
    code = serializers.CharField()


class ProposalOutput(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.display_name")
    criteria = CriterionRefOutput(many=True)
    comments_count = serializers.IntegerField(required=False)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = [
            "id",
            "kind",
            "title",
            "status",
            "organization",
            "criteria",
            "submitted_at",
            "decided_at",
            "decision_rationale",
            "comments_count",
            "url",
        ]

    @extend_schema_field(SITE_PATH)
    def get_url(self, proposal: Proposal) -> str:
        return reverse("community:proposal", args=[proposal.pk])


class CommentOutput(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.display_name")
    author = serializers.SerializerMethodField()

    class Meta:
        model = ProposalComment
        fields = ["id", "organization", "author", "body", "created_at"]

    def get_author(self, comment: ProposalComment) -> str:
        return comment.author.public_name if comment.author else ""


class ProposalDetailOutput(ProposalOutput):
    rationale = serializers.CharField()
    comments = serializers.SerializerMethodField()

    class Meta(ProposalOutput.Meta):
        fields = [*ProposalOutput.Meta.fields, "rationale", "comments"]

    @extend_schema_field(CommentOutput(many=True))
    def get_comments(self, proposal: Proposal) -> Any:
        return CommentOutput(comments_of(proposal), many=True).data


class ProposalInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ProposalKind.choices)
    title = serializers.CharField(max_length=200)
    rationale = serializers.CharField(max_length=20000)
    criteria = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        max_length=50,
        help_text="Codes of criteria of the published catalogue.",
    )


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

    def get_html(self, section: Any) -> str:
        return str(render_markdown(section.body))


class ReportDetailOutput(ReportOutput):
    sections = serializers.SerializerMethodField()
    figures = serializers.SerializerMethodField(help_text="The frozen figures.")
    figures_taken_at = serializers.DateTimeField(source="snapshot_taken_at")
    pdf_url = serializers.SerializerMethodField()
    pdf_sha256 = serializers.SerializerMethodField()

    class Meta(ReportOutput.Meta):
        fields = [
            *ReportOutput.Meta.fields,
            "sections",
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

    def _document(self, report: AnnualReport) -> Any:
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


@extend_schema(
    parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, enum=ProposalStatus.values),
        OpenApiParameter("kind", OpenApiTypes.STR, enum=ProposalKind.values),
    ]
)
class ProposalListView(generics.ListAPIView):
    """Every proposal for the CPO, newest first; filter by status and kind."""

    permission_classes = [AllowAny]
    serializer_class = ProposalOutput

    def get_queryset(self) -> Any:
        params = self.request.query_params
        return public_proposals(
            ProposalFilter(status=params.get("status", ""), kind=params.get("kind", ""))
        )


class ProposalDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(parameters=[PROPOSAL_ID], responses={200: ProposalDetailOutput})
    def get(self, request: Request, id: int) -> Response:
        """One proposal, the Core Team's decision and its discussion."""
        proposal = public_proposal(id)
        if proposal is None:
            raise Http404
        return Response(ProposalDetailOutput(proposal).data)


class OrganizationProposalsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[ORG_SLUG],
        request=ProposalInput,
        responses={201: ProposalDetailOutput},
        summary="Submit a proposal for the CPO for your community member organization",
    )
    def post(self, request: Request, org_slug: str) -> Response:
        from criteria.selectors import current_published_version

        organization, _membership = organization_for_member_or_404(org_slug, request.user)
        data = ProposalInput(data=request.data)
        data.is_valid(raise_exception=True)
        codes = sorted(set(data.validated_data.get("criteria", [])))
        version = current_published_version()
        criteria = list(Criterion.objects.filter(version=version, code__in=codes)) if codes else []
        unknown = sorted(set(codes) - {c.code for c in criteria})
        if unknown:
            raise serializers.ValidationError(
                {"criteria": [f"Not a criterion of the published catalogue: {', '.join(unknown)}"]}
            )
        with domain_errors(
            kind="kind", criteria_not_published="criteria", not_community_member=NON_FIELD
        ):
            proposal = services.proposal_submit(
                organization=organization,
                by=request.user,
                kind=data.validated_data["kind"],
                title=data.validated_data["title"],
                rationale=data.validated_data["rationale"],
                criteria=criteria,
            )
        output = ProposalDetailOutput(public_proposal(proposal.pk))
        return Response(output.data, status=status.HTTP_201_CREATED)


class ReportListView(generics.ListAPIView):
    """The published annual CPO reports, newest year first."""

    permission_classes = [AllowAny]
    serializer_class = ReportOutput
    queryset = published_reports()

    def get_queryset(self) -> Any:
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
