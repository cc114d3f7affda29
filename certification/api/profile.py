"""/audit/profile/…: the auditor keeps their own profile, as on the profile page.

Qualified schemes (replaced as a whole) and conflict-of-interest declarations (declared and
removed one by one). Only auditors reach it, and only their own profile: there is no id of
an auditor in these URLs. Anyone else signed in gets 404.
"""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.accounts.models import Auditor
from cpo_portal.tenancy.models import Organization
from criteria.models import SchemeKind

from .. import services
from ..models import AuditorConflict, AuditorQualification
from .common import IsAuditor, domain_errors, path_parameter

AUDITOR_PERMISSIONS = [IsAuthenticated, IsAuditor]
CONFLICT_ID = path_parameter("conflict_id", "One of your conflict declarations.")


def _auditor(request: Request) -> Auditor:
    return request.user.auditor  # type: ignore[union-attr]


def _profile(auditor: Auditor) -> dict[str, Any]:
    """The profile in two bounded queries, whatever its length."""
    return {
        "qualifications": list(
            AuditorQualification.objects.filter(auditor=auditor).order_by("scheme_kind")
        ),
        "conflicts": list(
            AuditorConflict.objects.filter(auditor=auditor)
            .select_related("organization")
            .order_by("-declared_at", "-pk")
        ),
    }


# --- Input ------------------------------------------------------------------------------


class QualificationsInput(serializers.Serializer):
    scheme_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=SchemeKind.choices),
        allow_empty=True,
        max_length=len(SchemeKind.choices),
        help_text="Every scheme you are qualified for; replaces the previous list.",
    )


class ConflictInput(serializers.Serializer):
    organization = serializers.SlugField(
        max_length=100, help_text="The organization's address in the portal (/o/<slug>/)."
    )
    until = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Empty: without end."
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=500, default="", trim_whitespace=True
    )

    def validate_organization(self, value: str) -> Organization:
        organization = Organization.objects.filter(slug=value.lower()).first()
        if organization is None:
            raise serializers.ValidationError(_("There is no organization with this address."))
        return organization


# --- Output -----------------------------------------------------------------------------


class QualificationOutput(serializers.Serializer):
    scheme_kind = serializers.ChoiceField(choices=SchemeKind.choices)
    scheme_label = serializers.CharField(source="get_scheme_kind_display")
    valid_until = serializers.DateField(allow_null=True)


class ConflictOutput(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.CharField(source="organization.display_name")
    organization_slug = serializers.CharField(source="organization.slug")
    until = serializers.DateField(allow_null=True, help_text="Null: without end.")
    reason = serializers.CharField()
    declared_at = serializers.DateTimeField()


class ProfileOutput(serializers.Serializer):
    qualifications = QualificationOutput(many=True)
    conflicts = ConflictOutput(many=True)


# --- Views ------------------------------------------------------------------------------


class ProfileView(APIView):
    """Your qualified schemes and your declared conflicts of interest."""

    permission_classes = AUDITOR_PERMISSIONS

    @extend_schema(responses=ProfileOutput)
    def get(self, request: Request) -> Response:
        return Response(ProfileOutput(_profile(_auditor(request))).data)


class QualificationsView(APIView):
    """Replace your qualified schemes; one you audit under right now cannot be removed."""

    permission_classes = AUDITOR_PERMISSIONS

    @extend_schema(request=QualificationsInput, responses=ProfileOutput)
    def put(self, request: Request) -> Response:
        auditor = _auditor(request)
        data = QualificationsInput(data=request.data)
        data.is_valid(raise_exception=True)
        with domain_errors(assigned="scheme_kinds"):
            services.auditor_qualifications_set(
                auditor=auditor,
                scheme_kinds=data.validated_data["scheme_kinds"],
                by=request.user,
            )
        return Response(ProfileOutput(_profile(auditor)).data)


class ConflictListView(APIView):
    """Declare a conflict of interest: you are not assigned there, and an assignment you
    hold with that organization ends at once."""

    permission_classes = AUDITOR_PERMISSIONS

    @extend_schema(request=ConflictInput, responses={201: ConflictOutput})
    def post(self, request: Request) -> Response:
        data = ConflictInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with domain_errors(until_past="until"):
            conflict = services.auditor_conflict_declare(
                auditor=_auditor(request),
                organization=values["organization"],
                until=values["until"],
                reason=values["reason"],
                by=request.user,
            )
        return Response(ConflictOutput(conflict).data, status=status.HTTP_201_CREATED)


class ConflictDetailView(APIView):
    """Remove one of your conflict declarations."""

    permission_classes = AUDITOR_PERMISSIONS

    @extend_schema(
        parameters=[CONFLICT_ID],
        request=None,
        responses={204: OpenApiResponse(description="Removed.")},
    )
    def delete(self, request: Request, conflict_id: int) -> Response:
        # Only one's own declarations exist here: anyone else's is a 404.
        conflict = (
            AuditorConflict.objects.filter(pk=conflict_id, auditor=_auditor(request))
            .select_related("auditor", "organization")
            .first()
        )
        if conflict is None:
            raise Http404
        with domain_errors():
            services.auditor_conflict_remove(conflict=conflict, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
