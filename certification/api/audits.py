"""The audit in the API: the auditor's assigned audits (/audits/…, only while actively
assigned), the company's corrective actions (/organizations/<org_slug>/applications/<id>/
findings/…) and the office's score history (/office/applications/<id>/scores/).

Everyone who is not an auditor, and every auditor asking for an audit they are not (or no
longer) assigned to, gets 404. Scores carry a version: a save based on an older version is
refused with 409 and the newer value, so no edit is silently lost.
"""

from collections.abc import Callable
from typing import Any

from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.api.fields import name_of, path_parameter
from cpo_portal.api.permissions import IsAuditor, acting_user
from cpo_portal.api.refusals import domain_errors, validation_error
from cpo_portal.errors import DomainError

from ..models import Application, AssignmentRole, Rating, Recommendation
from ..selectors import audits as selectors
from ..selectors.auditors import assignments_of
from ..services import audits as services
from .applications import (
    APPLICATION_ID,
    OFFICE_PERMISSIONS,
    ApplicationOutput,
    AreaOutput,
    AssignmentOutput,
    FindingOutput,
    GroupResultOutput,
    PassResultOutput,
    office_application,
    pass_summary,
)
from .self_assessment import EvidenceOutput, SelfAssessmentRowOutput

AUDITOR_PERMISSIONS = [IsAuthenticated, IsAuditor]
AUDIT_ID = path_parameter("id", "The audit's (application's) id.")
CRITERION_ID = path_parameter("criterion_id", "An assessment criterion of the scheme.")


def audit_of(request: Request, pk: Any) -> Application:
    """The audit, while the caller is actively assigned to it; 404 for anyone else."""
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
    # Evidence required (clarifications).
    without_evidence = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "Confirms rating fulfilled a criterion that requires evidence the company did not "
            "give (a rationale is then required); without it such a rating is refused (400)."
        ),
    )


class ReportInput(serializers.Serializer):
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    summary = serializers.CharField(max_length=20000)


# --- Output -----------------------------------------------------------------------------


class ScoreOutput(serializers.Serializer):
    criterion_id = serializers.IntegerField()
    rating = serializers.ChoiceField(
        choices=[("", "—"), *Rating.choices], help_text="Empty until scored."
    )
    rationale = serializers.CharField()
    without_evidence = serializers.BooleanField(help_text="Rated without the required evidence.")
    version = serializers.IntegerField(help_text="Send it back with the next save.")
    updated_by = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(allow_null=True)

    def get_updated_by(self, score: Any) -> str | None:
        return name_of(score.updated_by)


class AuditRowOutput(SelfAssessmentRowOutput):
    score = ScoreOutput(allow_null=True, help_text="Null until the self-assessment is submitted.")
    findings = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_findings(self, row: Any) -> list[int]:
        return [f.pk for f in row.findings]


class AuditBlockOutput(serializers.Serializer):
    area = AreaOutput()
    answered = serializers.IntegerField()
    scored = serializers.IntegerField()
    result = GroupResultOutput(allow_null=True)
    rows = AuditRowOutput(many=True)


class ProgressOutput(serializers.Serializer):
    total = serializers.IntegerField()
    answered = serializers.IntegerField()
    scored = serializers.IntegerField()
    answered_percent = serializers.IntegerField()
    scored_percent = serializers.IntegerField()
    shall_unanswered = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(), help_text="Codes of unanswered shall criteria."
        )
    )
    def get_shall_unanswered(self, sheet: selectors.Sheet) -> list[str]:
        return [row.criterion.code for row in sheet.shall_unanswered]


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


class AuditStatusOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")


class ScoreChangeOutput(serializers.Serializer):
    criterion = serializers.CharField(source="score.criterion.code")
    version = serializers.IntegerField()
    rating = serializers.ChoiceField(choices=[("", "—"), *Rating.choices])
    rationale = serializers.CharField()
    by = serializers.SerializerMethodField()
    at = serializers.DateTimeField()

    def get_by(self, change: Any) -> str | None:
        return name_of(change.by)


# --- The auditor's audits -----------------------------------------------------------------


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
        application = audit_of(request, id)
        params = SheetFilterInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        sheet = selectors.application_sheet(
            application, selectors.SheetFilter(**params.validated_data)
        )
        assignments = assignments_of(application, active_only=True)
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
        audit_of(request, id)
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
                by=acting_user(request),
                without_evidence=values["without_evidence"],
            )
        except services.ScoreConflict as conflict:
            return Response(_conflict(conflict), status=status.HTTP_409_CONFLICT)
        except DomainError as exc:
            # Unassigned, no longer assigned or no longer independent: the audit does not
            # exist for this user.
            if exc.code in ("not_assigned", "not_independent"):
                raise Http404 from exc
            fields = {
                "rating": "rating",
                "rationale": "rationale",
                "stale_version": "version",
                "evidence_missing": "without_evidence",
            }
            raise validation_error(exc, **fields) from exc
        return Response(ScoreOutput(score).data)


def _conflict(conflict: services.ScoreConflict) -> dict[str, Any]:
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


def _audit_action_view(action: str, doc: str) -> type[APIView]:
    service: Callable[..., Application] = {
        "corrections": services.audit_request_corrections,
        "resume": services.audit_resume,
    }[action]

    class AuditActionView(APIView):
        permission_classes = AUDITOR_PERMISSIONS

        @extend_schema(
            parameters=[AUDIT_ID], request=None, responses=AuditStatusOutput, summary=doc
        )
        def post(self, request: Request, id: int) -> Response:
            application = audit_of(request, id)
            with domain_errors():
                application = service(application=application, by=acting_user(request))
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
        application = audit_of(request, id)
        data = ReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        with domain_errors(pass_rule="recommendation"):
            application = services.report_submit(
                application=application, by=acting_user(request), **data.validated_data
            )
        return Response(AuditStatusOutput(application).data)


# Findings (raise, verify, send back, answer, evidence): api/findings.py.


# --- The office's score history -------------------------------------------------------------


class ScoreHistoryView(generics.ListAPIView):
    """Every score change of the audit, newest first: who rated what, when."""

    permission_classes = OFFICE_PERMISSIONS
    serializer_class = ScoreChangeOutput

    @extend_schema(parameters=[APPLICATION_ID])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return selectors.score_changes_of(office_application(self.kwargs["id"]))
