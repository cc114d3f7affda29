"""/audits/…: the auditor's assigned audits, only while actively assigned.

Everyone who is not an auditor, and every auditor asking for an audit they are not (or no
longer) assigned to, gets 404. Scores carry a version: a save based on an older version is
refused with 409 and the newer value, so no edit is silently lost.
"""

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.errors import DomainError

from .. import selectors, services
from ..models import Application, AssignmentRole, FindingKind, Rating, Recommendation
from ..services.scoring import ScoreConflict
from .common import (
    AUDIT_ID,
    CRITERION_ID,
    FINDING_ID,
    ApplicationOutput,
    AssignmentOutput,
    AuditBlockOutput,
    EvidenceOutput,
    FindingOutput,
    IsAuditor,
    NoteInput,
    PassResultOutput,
    ProgressOutput,
    ScoreOutput,
    domain_errors,
    name_of,
    pass_summary,
    validation_error,
)

AUDITOR_PERMISSIONS = [IsAuthenticated, IsAuditor]


def _audit(request: Request, pk: Any) -> Application:
    application = selectors.audit_for_auditor(request.user, pk)
    if application is None:
        raise Http404
    return application


# --- Input ------------------------------------------------------------------------------


class SheetFilterInput(serializers.Serializer):
    unscored = serializers.BooleanField(required=False, default=False)
    shall_only = serializers.BooleanField(required=False, default=False)
    with_findings = serializers.BooleanField(required=False, default=False)


class ScoreInput(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    rationale = serializers.CharField(
        max_length=10000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required unless fulfilled.",
    )
    version = serializers.IntegerField(
        min_value=0, help_text="The version the edit is based on (from the sheet)."
    )


class FindingInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FindingKind.choices)
    criterion_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=500
    )
    description = serializers.CharField(max_length=10000)
    due_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Nonconformities only; 30 days from today when left out.",
    )


class ReportInput(serializers.Serializer):
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    summary = serializers.CharField(max_length=20000)


class DeclineInput(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, help_text="The CPO office sees it.")


# --- Output -----------------------------------------------------------------------------


class AuditListItemOutput(serializers.Serializer):
    id = serializers.IntegerField(source="application.pk")
    organization = serializers.CharField(source="application.organization.display_name")
    kind = serializers.CharField(source="application.kind")
    audit_type = serializers.CharField(source="application.audit_type")
    status = serializers.CharField(source="application.status")
    status_label = serializers.CharField(source="application.get_status_display")
    catalogue_version = serializers.CharField(source="application.scheme.version.code")
    product_name = serializers.CharField(source="application.product_name")
    product_version = serializers.CharField(source="application.product_version")
    window_start = serializers.DateField(source="application.window_start")
    window_end = serializers.DateField(source="application.window_end")
    role = serializers.ChoiceField(choices=AssignmentRole.choices)


class AuditApplicationOutput(ApplicationOutput):
    organization = serializers.CharField(source="organization.display_name")
    scope_description = serializers.CharField()
    product_description = serializers.CharField()


class AuditFindingOutput(FindingOutput):
    evidence = EvidenceOutput(
        source="evidence_items", many=True, help_text="The company's corrective-action evidence."
    )


class AuditOutput(serializers.Serializer):
    application = AuditApplicationOutput()
    role = serializers.ChoiceField(choices=AssignmentRole.choices, help_text="Your role.")
    assignments = AssignmentOutput(many=True)
    progress = ProgressOutput()
    pass_result = PassResultOutput()
    blocks = AuditBlockOutput(many=True)
    findings = AuditFindingOutput(many=True)


class CurrentScoreOutput(serializers.Serializer):
    rating = serializers.CharField()
    rationale = serializers.CharField()
    version = serializers.IntegerField()
    updated_by = serializers.CharField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class ScoreConflictOutput(serializers.Serializer):
    detail = serializers.CharField()
    current = CurrentScoreOutput(help_text="The newer value saved in the meantime.")


# --- Views ------------------------------------------------------------------------------


class AuditListView(generics.ListAPIView):
    """The audits you are actively assigned to."""

    permission_classes = AUDITOR_PERMISSIONS
    serializer_class = AuditListItemOutput

    def get_queryset(self) -> Any:
        return selectors.audits_for_auditor(self.request.user)


class AuditDetailView(APIView):
    """The audit sheet: criteria by subject area (or category) with the company's answers,
    evidence, your scores (with versions) and findings, and the pass rule's summary."""

    permission_classes = AUDITOR_PERMISSIONS

    @extend_schema(
        parameters=[
            AUDIT_ID,
            OpenApiParameter("unscored", bool, description="Only criteria not scored yet."),
            OpenApiParameter("shall_only", bool, description="Only shall criteria."),
            OpenApiParameter("with_findings", bool, description="Only criteria with findings."),
        ],
        responses=AuditOutput,
    )
    def get(self, request: Request, id: int) -> Response:
        application = _audit(request, id)
        params = SheetFilterInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        sheet = selectors.application_sheet(
            application, selectors.SheetFilter(**params.validated_data)
        )
        assignments = selectors.assignments_of(application, active_only=True)
        mine = next(a for a in assignments if a.auditor.user_id == request.user.pk)
        data = {
            "application": application,
            "role": mine.role,
            "assignments": assignments,
            "progress": sheet,
            "pass_result": pass_summary(sheet),
            "blocks": sheet.blocks,
            "findings": sheet.findings,
        }
        return Response(AuditOutput(data, context={"request": request}).data)


class ScoreView(APIView):
    """Save your rating of one criterion, based on the version you last saw."""

    permission_classes = AUDITOR_PERMISSIONS

    @extend_schema(
        parameters=[AUDIT_ID, CRITERION_ID],
        request=ScoreInput,
        responses={
            200: ScoreOutput,
            409: OpenApiResponse(
                ScoreConflictOutput, description="Saved by someone else in the meantime."
            ),
        },
    )
    def put(self, request: Request, id: int, criterion_id: int) -> Response:
        # The assignment first: an unassigned auditor gets 404 whatever the input.
        _audit(request, id)
        data = ScoreInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            score = services.score_save(
                application_id=id,
                criterion_id=criterion_id,
                rating=values["rating"],
                rationale=values["rationale"],
                expected_version=values["version"],
                by=request.user,
            )
        except ScoreConflict as conflict:
            return Response(_conflict(conflict), status=status.HTTP_409_CONFLICT)
        except DomainError as exc:
            # Unassigned, no longer assigned or no longer independent: the audit does not
            # exist for this user.
            if exc.code in ("not_assigned", "not_independent"):
                raise Http404 from exc
            fields = {"rating": "rating", "rationale": "rationale", "stale_version": "version"}
            raise validation_error(exc, **fields) from exc
        return Response(ScoreOutput(score).data)


def _conflict(conflict: ScoreConflict) -> dict[str, Any]:
    current = conflict.current
    return ScoreConflictOutput(
        {
            "detail": conflict.messages[0],
            "current": {
                "rating": current.rating,
                "rationale": current.rationale,
                "version": current.version,
                "updated_by": name_of(current.updated_by),
                "updated_at": current.updated_at,
            },
        }
    ).data


class FindingListView(APIView):
    """Raise a finding tied to criteria of the scheme."""

    permission_classes = AUDITOR_PERMISSIONS

    @extend_schema(parameters=[AUDIT_ID], request=FindingInput, responses={201: AuditFindingOutput})
    def post(self, request: Request, id: int) -> Response:
        application = _audit(request, id)
        data = FindingInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with domain_errors(wrong_scheme="criterion_ids"):
            finding = services.finding_raise(
                application=application,
                kind=values["kind"],
                criterion_ids=values["criterion_ids"],
                description=values["description"],
                due_date=values["due_date"],
                by=request.user,
            )
        finding.evidence_items = []  # type: ignore[attr-defined]
        return Response(AuditFindingOutput(finding).data, status=status.HTTP_201_CREATED)


def _finding_view(action: str, doc: str) -> type[APIView]:
    service = {"close": services.finding_close, "reopen": services.finding_reopen}[action]

    class FindingActionView(APIView):
        permission_classes = AUDITOR_PERMISSIONS

        @extend_schema(
            parameters=[AUDIT_ID, FINDING_ID],
            request=NoteInput,
            responses=FindingOutput,
            summary=doc,
        )
        def post(self, request: Request, id: int, finding_id: int) -> Response:
            application = _audit(request, id)
            finding = selectors.finding_of_application(application, finding_id)
            if finding is None:
                raise Http404
            data = NoteInput(data=request.data)
            data.is_valid(raise_exception=True)
            with domain_errors():
                finding = service(
                    finding=finding, note=data.validated_data["note"], by=request.user
                )
            return Response(FindingOutput(finding).data)

    FindingActionView.__name__ = FindingActionView.__qualname__ = f"Finding{action.title()}View"
    FindingActionView.__doc__ = doc
    return FindingActionView


FindingCloseView = _finding_view("close", "Verify the corrective action and close the finding.")
FindingReopenView = _finding_view("reopen", "Send an insufficient corrective action back.")


class AuditStatusOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")


def _audit_action_view(action: str, doc: str) -> type[APIView]:
    service = {
        "corrections": services.audit_request_corrections,
        "resume": services.audit_resume,
    }[action]

    class AuditActionView(APIView):
        permission_classes = AUDITOR_PERMISSIONS

        @extend_schema(
            parameters=[AUDIT_ID], request=None, responses=AuditStatusOutput, summary=doc
        )
        def post(self, request: Request, id: int) -> Response:
            application = _audit(request, id)
            with domain_errors():
                application = service(application=application, by=request.user)
            return Response(AuditStatusOutput(application).data)

    AuditActionView.__name__ = AuditActionView.__qualname__ = f"Audit{action.title()}View"
    AuditActionView.__doc__ = doc
    return AuditActionView


CorrectionsView = _audit_action_view(
    "corrections", "Pause the audit for the company's corrective actions (lead auditor)."
)
ResumeView = _audit_action_view("resume", "Resume the audit after corrections (lead auditor).")


class ReportView(APIView):
    """Submit the audit report: recommendation and summary (lead auditor); renders the PDF."""

    permission_classes = AUDITOR_PERMISSIONS

    @extend_schema(parameters=[AUDIT_ID], request=ReportInput, responses=AuditStatusOutput)
    def post(self, request: Request, id: int) -> Response:
        application = _audit(request, id)
        data = ReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        with domain_errors(pass_rule="recommendation"):
            application = services.report_submit(
                application=application, by=request.user, **data.validated_data
            )
        return Response(AuditStatusOutput(application).data)


class DeclineView(APIView):
    """Decline your assignment, with a reason; the audit then disappears from your list."""

    permission_classes = AUDITOR_PERMISSIONS

    @extend_schema(
        parameters=[AUDIT_ID],
        request=DeclineInput,
        responses={204: OpenApiResponse(description="Declined.")},
    )
    def post(self, request: Request, id: int) -> Response:
        application = _audit(request, id)
        assignment = selectors.assignment_of_auditor(request.user, application)
        if assignment is None:
            raise Http404
        data = DeclineInput(data=request.data)
        data.is_valid(raise_exception=True)
        with domain_errors():
            services.assignment_decline(
                assignment=assignment, by=request.user, reason=data.validated_data["reason"]
            )
        return Response(status=status.HTTP_204_NO_CONTENT)
