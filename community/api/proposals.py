"""Proposals for the CPO in the API (/api/v1/community/…).

Public: proposals (list with filters, detail with comments). For people of a community
member organization: submitting a proposal (any role; anyone else gets 404). Refusals of
the services become 400s with field errors.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.api.permissions import acting_user
from cpo_portal.api.refusals import NON_FIELD, domain_errors
from criteria.models import Criterion
from criteria.selectors.catalogue import current_published_version

from ..models import Proposal, ProposalComment, ProposalKind, ProposalStatus
from ..selectors.proposals import ProposalFilter, comments_of, public_proposal, public_proposals
from ..services import proposals as services
from .membership import ORG_SLUG, organization_of

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

    def get_queryset(self) -> QuerySet[Proposal]:
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
        organization, _membership = organization_of(request, org_slug)
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
                by=acting_user(request),
                kind=data.validated_data["kind"],
                title=data.validated_data["title"],
                rationale=data.validated_data["rationale"],
                criteria=criteria,
            )
        output = ProposalDetailOutput(public_proposal(proposal.pk))
        return Response(output.data, status=status.HTTP_201_CREATED)
