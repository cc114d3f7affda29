"""Association membership in the API (/api/v1/community/…), and what every community API
module shares: the path parameters, the organization of the path, the admin guard, the
acting user and the conversion of a service's refusal into a 400.

For members of an organization: its membership status (owners and admins declare; a plain
member gets 403). Anyone else gets 404 for the organization. Refusals of the services become
400s with field errors, never 500s.
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.api.permissions import acting_user
from cpo_portal.api.refusals import domain_errors
from cpo_portal.tenancy.models import Membership, Organization
from cpo_portal.tenancy.selectors import organization_for_member_or_404

from ..models import AssociationMembership, MembershipStatus
from ..selectors import membership as selectors
from ..services import membership as services

YEAR = OpenApiParameter("year", OpenApiTypes.INT, OpenApiParameter.PATH, description="The year.")
ORG_SLUG = OpenApiParameter(
    "org_slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="Your organization's slug."
)


def organization_of(request: Request, org_slug: str) -> tuple[Organization, Membership]:
    """The organization of the path and the user's membership; 404 for anyone else."""
    return organization_for_member_or_404(org_slug, request.user)


def require_admin(membership: Membership) -> None:
    if not membership.is_admin:
        raise PermissionDenied(_("Only an owner or admin of the organization can do this."))


# --- Output -----------------------------------------------------------------------------


class MembershipOutput(serializers.Serializer):
    number = serializers.CharField()
    member_since = serializers.DateField()
    status = serializers.ChoiceField(choices=MembershipStatus.choices)
    valid_until = serializers.DateField(allow_null=True)
    reason = serializers.CharField(source="status_reason", help_text="Why it was not confirmed.")
    declared_at = serializers.DateTimeField()
    verified_at = serializers.DateTimeField(allow_null=True)
    lapses_in_days = serializers.SerializerMethodField(
        help_text="Days left when a verified membership ends within 30 days, else null."
    )

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_lapses_in_days(self, membership: AssociationMembership) -> int | None:
        return membership.lapse_warning()


class CommunityStatusOutput(serializers.Serializer):
    is_community_member = serializers.BooleanField()
    membership = MembershipOutput(allow_null=True)


# --- Input ------------------------------------------------------------------------------


class MembershipInput(serializers.Serializer):
    number = serializers.CharField(max_length=50)
    member_since = serializers.DateField()


# --- Views ------------------------------------------------------------------------------


class MembershipView(APIView):
    permission_classes = [IsAuthenticated]

    def _status(self, organization: Organization) -> Response:
        return Response(
            CommunityStatusOutput(
                {
                    "is_community_member": selectors.is_community_member(organization),
                    "membership": selectors.membership_of(organization),
                }
            ).data
        )

    @extend_schema(parameters=[ORG_SLUG], responses={200: CommunityStatusOutput})
    def get(self, request: Request, org_slug: str) -> Response:
        """Your organization's prostep ivip membership and whether it is a community member."""
        organization, _membership = organization_of(request, org_slug)
        return self._status(organization)

    @extend_schema(
        parameters=[ORG_SLUG],
        request=MembershipInput,
        responses={200: CommunityStatusOutput},
        summary="Declare or correct the membership (owners and admins)",
    )
    def post(self, request: Request, org_slug: str) -> Response:
        organization, membership = organization_of(request, org_slug)
        require_admin(membership)
        data = MembershipInput(data=request.data)
        data.is_valid(raise_exception=True)
        with domain_errors():
            services.membership_declare(
                organization=organization,
                number=data.validated_data["number"],
                member_since=data.validated_data["member_since"],
                by=acting_user(request),
            )
        return self._status(organization)
