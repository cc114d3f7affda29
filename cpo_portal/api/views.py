"""The floor's API: who am I, my organizations and their members."""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from django_scopes import scope
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.accounts.roles import is_auditor, is_office
from cpo_portal.tenancy.models import Membership, Organization
from cpo_portal.tenancy.selectors import (
    members_of,
    organization_for_member_or_404,
    organizations_for_user,
)


class OrganizationOutput(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code")

    class Meta:
        model = Organization
        fields = ["slug", "display_name", "legal_name", "legal_form", "country", "website"]


class MemberOutput(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.full_name")

    class Meta:
        model = Membership
        fields = ["id", "email", "name", "role", "created_at"]


class MeOutput(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField()
    is_office = serializers.BooleanField()
    is_auditor = serializers.BooleanField()


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeOutput)
    def get(self, request: Request) -> Response:
        user: Any = request.user
        return Response(
            MeOutput(
                {
                    "email": user.email,
                    "name": user.full_name,
                    "is_office": is_office(user),
                    "is_auditor": is_auditor(user),
                }
            ).data
        )


class OrganizationListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = OrganizationOutput

    def get_queryset(self):
        return organizations_for_user(self.request.user)


class MemberListView(generics.ListAPIView):
    """Members of one of the caller's organizations; anyone else gets 404."""

    permission_classes = [IsAuthenticated]
    serializer_class = MemberOutput

    def get_queryset(self):
        org, _membership = organization_for_member_or_404(
            self.kwargs["org_slug"], self.request.user
        )
        with scope(organization=org):
            return members_of(org)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The site's 404: under /api/ in the API's JSON shape, since a path that matches no
    route (a malformed id or slug) never reaches DRF; elsewhere Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)
