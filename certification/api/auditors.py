"""Auditors in the API: the auditor's own profile (/audit/profile/…) and declining an
assignment (/audits/<id>/decline/); the CPO office's assignment of auditors
(/office/applications/<id>/assignments/…).

The profile is kept as on the profile page: qualified schemes (replaced as a whole) and
conflict-of-interest declarations (declared and removed one by one). Only auditors reach it,
and only their own profile: there is no id of an auditor in these URLs. The assignments are
the office's only. Anyone else signed in gets 404.
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
from cpo_portal.api.fields import path_parameter
from cpo_portal.api.permissions import IsAuditor, acting_user
from cpo_portal.api.refusals import domain_errors
from cpo_portal.tenancy.models import Organization
from criteria.models import SchemeKind

from ..models import AssignmentRole, AuditorQualification
from ..selectors import auditors as selectors
from ..services import auditors as services
from .applications import (
    APPLICATION_ID,
    OFFICE_PERMISSIONS,
    OfficeAssignmentOutput,
    office_application,
)
from .audits import AUDIT_ID, audit_of

AUDITOR_PERMISSIONS = [IsAuthenticated, IsAuditor]
CONFLICT_ID = path_parameter("conflict_id", "One of your conflict declarations.")
ASSIGNMENT_ID = path_parameter("assignment_id", "An auditor assignment of this application.")


def _auditor(request: Request) -> Auditor:
    return acting_user(request).auditor


def _profile(auditor: Auditor) -> dict[str, Any]:
    """The profile in two bounded queries, whatever its length."""
    return {
        "qualifications": list(
            AuditorQualification.objects.filter(auditor=auditor).order_by("scheme_kind")
        ),
        "conflicts": selectors.conflicts_of_auditor(auditor),
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


class DeclineInput(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, help_text="The CPO office sees it.")


class AssignInput(serializers.Serializer):
    auditor_id = serializers.IntegerField(min_value=1)
    role = serializers.ChoiceField(choices=AssignmentRole.choices)


class EndAssignmentInput(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


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


# --- The auditor's profile ------------------------------------------------------------------


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
                by=acting_user(request),
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
                by=acting_user(request),
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
        conflict = selectors.conflict_of_auditor(request.user, conflict_id)
        if conflict is None:
            raise Http404
        with domain_errors():
            services.auditor_conflict_remove(conflict=conflict, by=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- The auditor declines -------------------------------------------------------------------


class DeclineView(APIView):
    """Decline your assignment, with a reason; the audit then disappears from your list."""

    permission_classes = AUDITOR_PERMISSIONS

    @extend_schema(
        parameters=[AUDIT_ID],
        request=DeclineInput,
        responses={204: OpenApiResponse(description="Declined.")},
    )
    def post(self, request: Request, id: int) -> Response:
        application = audit_of(request, id)
        assignment = selectors.assignment_of_auditor(request.user, application)
        if assignment is None:
            raise Http404
        data = DeclineInput(data=request.data)
        data.is_valid(raise_exception=True)
        with domain_errors():
            services.assignment_decline(
                assignment=assignment,
                by=acting_user(request),
                reason=data.validated_data["reason"],
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- The office assigns -------------------------------------------------------------------


class AssignmentListView(APIView):
    """Assign a lead auditor or a co-auditor: qualified and free of conflicts of interest."""

    permission_classes = OFFICE_PERMISSIONS

    @extend_schema(
        parameters=[APPLICATION_ID], request=AssignInput, responses={201: OfficeAssignmentOutput}
    )
    def post(self, request: Request, id: int) -> Response:
        application = office_application(id)
        data = AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        auditor = selectors.active_auditor(data.validated_data["auditor_id"])
        if auditor is None:
            raise serializers.ValidationError({"auditor_id": ["No such active auditor."]})
        with domain_errors(not_qualified="auditor_id", conflict_of_interest="auditor_id"):
            assignment = services.auditor_assign(
                application=application,
                auditor=auditor,
                role=data.validated_data["role"],
                by=acting_user(request),
            )
        return Response(OfficeAssignmentOutput(assignment).data, status=status.HTTP_201_CREATED)


class AssignmentEndView(APIView):
    """Remove an auditor from the case, with a reason."""

    permission_classes = OFFICE_PERMISSIONS

    @extend_schema(
        parameters=[APPLICATION_ID, ASSIGNMENT_ID],
        request=EndAssignmentInput,
        responses={204: OpenApiResponse(description="Ended.")},
    )
    def post(self, request: Request, id: int, assignment_id: int) -> Response:
        application = office_application(id)
        assignment = next(
            (a for a in selectors.assignments_of(application) if a.pk == assignment_id), None
        )
        if assignment is None:
            raise Http404
        data = EndAssignmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        with domain_errors():
            services.assignment_end(
                assignment=assignment,
                by=acting_user(request),
                reason=data.validated_data["reason"],
            )
        return Response(status=status.HTTP_204_NO_CONTENT)
