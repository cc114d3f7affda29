"""The signees API: the public list and detail, and an organization's own signing status.

The public endpoints read through `signees.selectors.signing`, so only approved signees exist
here; anything else answers 404 exactly like a slug that was never used. The signing
status is for members of the organization only; everyone else gets 404.
"""

from datetime import date
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.tenancy.models import Organization
from cpo_portal.tenancy.selectors import organization_for_member_or_404

from ..models import Signee, SigneeGroup, SigneeStatus, Statement, StatementKind
from ..selectors import signing as selectors
from ..selectors.statements import open_statement_due

SLUG_PARAMETER = OpenApiParameter(
    "slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="The signee's address."
)
ORG_SLUG_PARAMETER = OpenApiParameter(
    "org_slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="Your organization's slug."
)


def _absolute(serializer: serializers.Serializer, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


# --- Input ------------------------------------------------------------------------------


class SigneeFilterInput(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Words in the company name, legal name or website.",
    )
    group = serializers.ChoiceField(choices=SigneeGroup.choices, required=False, allow_blank=True)
    country = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2,
        help_text="ISO 3166-1 alpha-2 country code, e.g. DE.",
    )
    seal = serializers.ChoiceField(
        choices=list(selectors.SEAL_FILTERS),
        required=False,
        allow_blank=True,
        help_text="valid: holds a valid seal of any kind; organizational or product: of that kind.",
    )
    ordering = serializers.ChoiceField(
        choices=list(selectors.SORTS),
        required=False,
        default=selectors.DEFAULT_SORT,
        help_text="name, -name, since (signee since, oldest first) or -since.",
    )

    def validate_country(self, value: str) -> str:
        code = value.strip().upper()
        if code and code not in countries:
            raise serializers.ValidationError(_("Enter a two-letter ISO country code."))
        return code

    def filters(self) -> selectors.SigneeFilter:
        data = self.validated_data
        return selectors.SigneeFilter(
            q=data.get("q", "").strip(),
            group=data.get("group", ""),
            country=data.get("country", ""),
            sort=data.get("ordering") or selectors.DEFAULT_SORT,
            seal=data.get("seal", ""),
        )


# --- Output -----------------------------------------------------------------------------


class SealOutput(serializers.Serializer):
    number = serializers.CharField()
    kind = serializers.ChoiceField(choices=["organizational", "product"])
    kind_label = serializers.CharField()
    status = serializers.SerializerMethodField()
    status_label = serializers.CharField()
    verify_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=["valid", "suspended"]))
    def get_status(self, seal: Any) -> str:
        return "valid" if seal.valid else "suspended"

    @extend_schema_field(OpenApiTypes.URI)
    def get_verify_url(self, seal: Any) -> str:
        return _absolute(self, seal.url)


class SigneeOutput(serializers.Serializer):
    slug = serializers.CharField(source="organization.slug")
    name = serializers.SerializerMethodField()
    legal_name = serializers.CharField(source="organization.legal_name")
    group = serializers.ChoiceField(choices=SigneeGroup.choices)
    group_label = serializers.CharField(source="get_group_display")
    country = serializers.CharField(source="organization.country.code")
    country_name = serializers.CharField(source="organization.country.name")
    website = serializers.CharField(source="organization.website")
    signee_since = serializers.SerializerMethodField()
    statement_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()
    seals = serializers.SerializerMethodField()

    @extend_schema_field(
        SealOutput(
            many=True,
            help_text="The current seals (valid or suspended certificates) of the signee.",
        )
    )
    def get_seals(self, signee: Signee) -> list[dict[str, Any]]:
        seals = selectors.listed_seals(getattr(signee, "seals", None))
        return list(SealOutput(seals, many=True, context=self.context).data)

    def get_name(self, signee: Signee) -> str:
        return signee.listed_name or signee.organization.display_name

    @extend_schema_field(OpenApiTypes.DATE)
    def get_signee_since(self, signee: Signee) -> date | None:
        return timezone.localdate(signee.approved_at) if signee.approved_at else None

    @extend_schema_field(
        serializers.URLField(
            allow_null=True, help_text="The published CPO Statement; null if there is none."
        )
    )
    def get_statement_url(self, signee: Signee) -> str | None:
        path = selectors.statement_path(
            signee.organization.slug,
            getattr(signee, "statement_kind", None),
            getattr(signee, "statement_link", None),
        )
        return _absolute(self, path) if path else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, signee: Signee) -> str:
        return _absolute(self, reverse("api:signee", args=[signee.organization.slug]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, signee: Signee) -> str:
        return _absolute(self, reverse("signees:detail", args=[signee.organization.slug]))


class StatementOutput(serializers.Serializer):
    number = serializers.IntegerField(help_text="Version of the statement.")
    kind = serializers.ChoiceField(choices=StatementKind.choices)
    published_at = serializers.DateTimeField(allow_null=True)
    catalogue_version = serializers.CharField(source="catalogue_version.code")


class SigneeDetailOutput(SigneeOutput):
    catalogue_version = serializers.CharField(
        source="catalogue_version.code", allow_null=True, help_text="The catalogue version signed."
    )
    statement = serializers.SerializerMethodField()
    statement_due = serializers.SerializerMethodField()
    openness_level_1 = serializers.SerializerMethodField()

    @extend_schema_field(StatementOutput(allow_null=True))
    def get_statement(self, signee: Signee) -> dict[str, Any] | None:
        statement = self.context.get("statement")
        return StatementOutput(statement).data if statement is not None else None

    @extend_schema_field(
        serializers.DateField(
            allow_null=True,
            help_text="IT vendors without a published CPO Statement: when it is due.",
        )
    )
    def get_statement_due(self, signee: Signee) -> date | None:
        if self.context.get("statement") is not None or signee.group != SigneeGroup.IT_VENDOR:
            return None
        return signee.statement_due

    @extend_schema_field(
        serializers.BooleanField(
            help_text="Openness Quick Check OL1: signed and a CPO Statement published."
        )
    )
    def get_openness_level_1(self, signee: Signee) -> bool:
        return selectors.openness_level_1(signee, self.context.get("statement"))


class SigningStatusOutput(serializers.Serializer):
    signed = serializers.BooleanField(help_text="Whether the organization has signed the CPO.")
    status = serializers.ChoiceField(choices=SigneeStatus.choices, allow_null=True)
    status_label = serializers.CharField(allow_null=True)
    reason = serializers.CharField(
        allow_blank=True, help_text="The CPO office's reason for its last decision."
    )
    group = serializers.ChoiceField(choices=SigneeGroup.choices, allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True, help_text="Signee since.")
    statement_due = serializers.DateField(
        allow_null=True,
        help_text="IT vendors without a published CPO Statement: when it is due.",
    )
    catalogue_version = serializers.CharField(allow_null=True)
    listed = serializers.BooleanField(help_text="Whether the public signee list shows it.")
    public_url = serializers.URLField(allow_null=True)


def _signing_status(
    signee: Signee | None, organization: Organization, request: Request
) -> dict[str, Any]:
    if signee is None:
        return {
            "signed": False,
            "status": None,
            "status_label": None,
            "reason": "",
            "group": None,
            "signed_at": None,
            "approved_at": None,
            "statement_due": None,
            "catalogue_version": None,
            "listed": False,
            "public_url": None,
        }
    public = reverse("signees:detail", args=[organization.slug])
    return {
        "signed": signee.signed_at is not None,
        "status": signee.status,
        "status_label": signee.get_status_display(),
        "reason": signee.status_reason,
        "group": signee.group,
        "signed_at": signee.signed_at,
        "approved_at": signee.approved_at,
        "statement_due": open_statement_due(signee),
        "catalogue_version": signee.catalogue_version.code if signee.catalogue_version else None,
        "listed": signee.is_listed,
        "public_url": request.build_absolute_uri(public) if signee.is_listed else None,
    }


# --- Views ------------------------------------------------------------------------------


class SigneeListView(generics.ListAPIView):
    """Published signees of the CPO; search, filter by group and country, sort."""

    permission_classes = [AllowAny]
    serializer_class = SigneeOutput

    @extend_schema(parameters=[SigneeFilterInput])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        params = SigneeFilterInput(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.published_signee_list(params.filters())


class SigneeDetailView(APIView):
    """One published signee, its current CPO Statement and Openness Quick Check OL1."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[SLUG_PARAMETER], responses=SigneeDetailOutput)
    def get(self, request: Request, slug: str) -> Response:
        signee: Any = selectors.published_signee(slug)
        if signee is None:
            raise Http404
        statement: Statement | None = selectors.published_statement_of(signee)
        # The same two attributes the list's query annotates, so both share one serializer.
        signee.statement_kind = statement.kind if statement else None
        signee.statement_link = statement.external_url if statement else None
        context = {"request": request, "statement": statement}
        return Response(SigneeDetailOutput(signee, context=context).data)


class OrganizationSigningView(APIView):
    """Your organization's own signing status; members only, everyone else gets 404."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ORG_SLUG_PARAMETER], responses=SigningStatusOutput)
    def get(self, request: Request, org_slug: str) -> Response:
        organization, _membership = organization_for_member_or_404(org_slug, request.user)
        signee = selectors.signee_of_organization(organization)
        return Response(SigningStatusOutput(_signing_status(signee, organization, request)).data)
