"""Auditors in the API: the auditor's own profile (/audit/profile/…: their qualifications,
applied for and withdrawn, and their conflict-of-interest declarations) and declining an
assignment (/audits/<id>/decline/); the CPO office's assignment of auditors
(/office/applications/<id>/assignments/…) and its decisions on qualifications
(/office/qualifications/…: the applications awaiting a decision, approve, refuse, revoke).

Only auditors reach the profile, and only their own: there is no id of an auditor in these
URLs, and a qualification id of someone else's is a 404. The office's routes are the
office's only (the decisions an office administrator's, never on their own qualification).
Anyone else signed in gets 404.
"""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
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
QUALIFICATION_ID = path_parameter("qualification_id", "One of your qualification rows.")
OFFICE_QUALIFICATION_ID = path_parameter("qualification_id", "An auditor's qualification row.")
ASSIGNMENT_ID = path_parameter("assignment_id", "An auditor assignment of this application.")


def _auditor(request: Request) -> Auditor:
    return acting_user(request).auditor


def _profile(auditor: Auditor) -> dict[str, Any]:
    """The profile in two bounded queries, whatever its length."""
    return {
        "qualifications": selectors.qualifications_of(auditor),
        "conflicts": selectors.conflicts_of_auditor(auditor),
    }


# --- Input ------------------------------------------------------------------------------


class QualificationApplyInput(serializers.Serializer):
    scheme_kind = serializers.ChoiceField(choices=SchemeKind.choices)
    training = serializers.CharField(max_length=5000, help_text="Auditor training, with dates.")
    experience = serializers.CharField(
        max_length=5000, help_text="Professional experience in the field."
    )
    audits_witnessed = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )
    evidence = serializers.FileField(
        required=False,
        help_text="Optional (multipart only): PDF, PNG, JPEG, DOCX, XLSX or ODT; checked by "
        "content.",
    )


class QualificationApproveInput(serializers.Serializer):
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(help_text="In the future; at most five years.")
    note = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default="", trim_whitespace=True
    )


class QualificationDecisionInput(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, help_text="The auditor reads it.")


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
    id = serializers.IntegerField()
    scheme_kind = serializers.ChoiceField(choices=SchemeKind.choices)
    scheme_label = serializers.CharField(source="get_scheme_kind_display")
    # Not an enum of its own in the schema: its values are listed here.
    status = serializers.CharField(
        help_text="applied, approved, refused, withdrawn, revoked, or superseded (renewed)."
    )
    status_label = serializers.CharField(source="get_status_display")
    in_force = serializers.SerializerMethodField()
    valid_from = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(
        allow_null=True, help_text="Null on an approved row: recorded before validity was."
    )
    training = serializers.CharField()
    experience = serializers.CharField()
    audits_witnessed = serializers.CharField()
    evidence_name = serializers.CharField(help_text="Empty: no evidence file.")
    applied_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()

    def get_in_force(self, qualification: AuditorQualification) -> bool:
        return selectors.standing_of(
            qualification, today=selectors.qualification_today(), warn_days=0
        ).in_force


class OfficeQualificationOutput(QualificationOutput):
    auditor_id = serializers.IntegerField()
    auditor = serializers.CharField(source="auditor.user.public_name")


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
    """Your qualifications (every application and decision) and your declared conflicts of
    interest."""

    permission_classes = AUDITOR_PERMISSIONS

    @extend_schema(responses=ProfileOutput)
    def get(self, request: Request) -> Response:
        return Response(ProfileOutput(_profile(_auditor(request))).data)


class QualificationsView(APIView):
    """Your qualification rows (every application and decision, by scheme, the newest
    first); apply for a qualification, or its renewal while approved, with evidence (JSON,
    or multipart with an evidence file). The office decides."""

    permission_classes = AUDITOR_PERMISSIONS
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses=QualificationOutput(many=True))
    def get(self, request: Request) -> Response:
        rows = selectors.qualifications_of(_auditor(request))
        return Response(QualificationOutput(rows, many=True).data)

    @extend_schema(
        request={
            "application/json": QualificationApplyInput,
            "multipart/form-data": QualificationApplyInput,
        },
        responses={201: QualificationOutput},
    )
    def post(self, request: Request) -> Response:
        data = QualificationApplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with domain_errors(pending="scheme_kind", inactive="scheme_kind"):
            qualification = services.qualification_apply(
                auditor=_auditor(request),
                scheme_kind=values["scheme_kind"],
                training=values["training"],
                experience=values["experience"],
                audits_witnessed=values["audits_witnessed"],
                evidence=values.get("evidence"),
                by=acting_user(request),
            )
        return Response(QualificationOutput(qualification).data, status=status.HTTP_201_CREATED)


class QualificationWithdrawView(APIView):
    """Withdraw your application the office has not decided yet."""

    permission_classes = AUDITOR_PERMISSIONS

    @extend_schema(parameters=[QUALIFICATION_ID], request=None, responses=QualificationOutput)
    def post(self, request: Request, qualification_id: int) -> Response:
        # Only one's own rows exist here: anyone else's is a 404.
        qualification = selectors.qualification_of_auditor(request.user, qualification_id)
        if qualification is None:
            raise Http404
        with domain_errors():
            qualification = services.qualification_withdraw(
                qualification=qualification, by=acting_user(request)
            )
        return Response(QualificationOutput(qualification).data)


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


# --- The office decides on qualifications -------------------------------------------------


class OfficeQualificationQueueView(generics.ListAPIView):
    """Applications for a qualification awaiting the office's decision, the oldest first."""

    permission_classes = OFFICE_PERMISSIONS
    serializer_class = OfficeQualificationOutput

    def get_queryset(self) -> Any:
        return selectors.office_qualification_queue()


def _office_qualification(qualification_id: int) -> AuditorQualification:
    qualification = selectors.qualification_for_office(qualification_id)
    if qualification is None:
        raise Http404
    return qualification


class OfficeQualificationApproveView(APIView):
    """Approve an application with its validity (an office administrator, not on their
    own); a renewal supersedes the qualification in force. The auditor is told."""

    permission_classes = OFFICE_PERMISSIONS

    @extend_schema(
        parameters=[OFFICE_QUALIFICATION_ID],
        request=QualificationApproveInput,
        responses=OfficeQualificationOutput,
    )
    def post(self, request: Request, qualification_id: int) -> Response:
        qualification = _office_qualification(qualification_id)
        data = QualificationApproveInput(data=request.data)
        data.is_valid(raise_exception=True)
        with domain_errors():
            qualification = services.qualification_approve(
                qualification=qualification,
                valid_from=data.validated_data["valid_from"],
                valid_until=data.validated_data["valid_until"],
                note=data.validated_data["note"],
                by=acting_user(request),
            )
        return Response(OfficeQualificationOutput(qualification).data)


def _decision_view(action: str, doc: str) -> type[APIView]:
    service = {
        "refuse": services.qualification_refuse,
        "revoke": services.qualification_revoke,
    }[action]

    class DecisionView(APIView):
        permission_classes = OFFICE_PERMISSIONS

        @extend_schema(
            parameters=[OFFICE_QUALIFICATION_ID],
            request=QualificationDecisionInput,
            responses=OfficeQualificationOutput,
        )
        def post(self, request: Request, qualification_id: int) -> Response:
            qualification = _office_qualification(qualification_id)
            data = QualificationDecisionInput(data=request.data)
            data.is_valid(raise_exception=True)
            with domain_errors(assigned="non_field_errors"):
                qualification = service(
                    qualification=qualification,
                    reason=data.validated_data["reason"],
                    by=acting_user(request),
                )
            return Response(OfficeQualificationOutput(qualification).data)

    DecisionView.__doc__ = doc
    DecisionView.__name__ = DecisionView.__qualname__ = f"Office{action.title()}QualificationView"
    return DecisionView


OfficeQualificationRefuseView = _decision_view(
    "refuse",
    "Refuse an application, with the reason the auditor reads (an office administrator).",
)
OfficeQualificationRevokeView = _decision_view(
    "revoke",
    "Revoke an approved qualification, with a reason; refused while an open audit of that "
    "scheme relies on it.",
)
