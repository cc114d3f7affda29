"""Findings in the API: the assigned auditor raises a finding (/audits/<id>/findings/),
verifies the company's answer or closes an observation (…/close/), sends an answer back
(…/reopen/); the company's owners and admins answer a nonconformity
(/organizations/<org_slug>/applications/<id>/findings/<finding_id>/answer/) and attach
evidence. Every response carries the finding's step history (who, when, the step's text).

Outsiders get 404 (the audit or the case is looked up for the caller first).
"""

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.api.fields import name_of, path_parameter
from cpo_portal.api.permissions import acting_user
from cpo_portal.api.refusals import domain_errors

from ..models import Application, Finding, FindingKind, FindingStep, FindingStepKind
from ..selectors import findings as selectors
from ..services import findings as services
from .applications import APPLICATION_ID, ORG_SLUG, FindingOutput, admin_application
from .audits import AUDIT_ID, AUDITOR_PERMISSIONS, audit_of
from .self_assessment import EvidenceInput, EvidenceOutput, add_evidence

FINDING_ID = path_parameter("finding_id", "A finding of this application.")


def _finding(application: Application, pk: Any) -> Finding:
    finding = selectors.finding_of_application(application, pk)
    if finding is None:
        raise Http404
    return finding


# --- Input ------------------------------------------------------------------------------


class FindingInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FindingKind.choices, help_text="The grade.")
    criterion_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=500
    )
    description = serializers.CharField(max_length=10000, help_text="The statement.")
    objective_evidence = serializers.CharField(
        max_length=10000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required for a major or minor nonconformity.",
    )
    due_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Nonconformities only: the answer's due date; the policy's when left out.",
    )


class FindingNoteInput(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=10000,
        default="",
        help_text="How the effectiveness was verified (required for a nonconformity).",
    )


class FindingSendBackInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=10000, default="")
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=10000,
        default="",
        help_text="Older name of `reason`.",
    )


class FindingAnswerInput(serializers.Serializer):
    correction = serializers.CharField(max_length=10000)
    root_cause = serializers.CharField(max_length=10000)
    corrective_action = serializers.CharField(max_length=10000)
    action_due_on = serializers.DateField(
        help_text="By when the corrective action is complete (not in the past)."
    )


# --- Output -----------------------------------------------------------------------------


class FindingStepOutput(serializers.Serializer):
    step = serializers.ChoiceField(choices=FindingStepKind.choices)
    step_label = serializers.CharField(source="get_step_display")
    by = serializers.SerializerMethodField()
    at = serializers.DateTimeField()
    values = serializers.JSONField(
        source="data", help_text="The fields this step set, as they were."
    )

    def get_by(self, step: FindingStep) -> str | None:
        return name_of(step.by)


class FindingDetailOutput(FindingOutput):
    objective_evidence = serializers.CharField()
    correction = serializers.CharField()
    root_cause = serializers.CharField()
    action_due_on = serializers.DateField(allow_null=True)
    steps = serializers.SerializerMethodField()

    @extend_schema_field(FindingStepOutput(many=True))
    def get_steps(self, finding: Finding) -> Any:
        return FindingStepOutput(selectors.finding_steps(finding), many=True).data


def _output(finding: Finding, **kwargs: Any) -> Response:
    return Response(FindingDetailOutput(finding).data, **kwargs)


# --- The auditor ------------------------------------------------------------------------------


class FindingListView(APIView):
    """Raise a finding tied to criteria of the scheme: grade, statement, objective evidence
    (nonconformities), answer due date."""

    permission_classes = AUDITOR_PERMISSIONS

    @extend_schema(
        parameters=[AUDIT_ID], request=FindingInput, responses={201: FindingDetailOutput}
    )
    def post(self, request: Request, id: int) -> Response:
        application = audit_of(request, id)
        data = FindingInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with domain_errors(wrong_scheme="criterion_ids"):
            finding = services.finding_raise(
                application=application,
                kind=values["kind"],
                criterion_ids=values["criterion_ids"],
                description=values["description"],
                objective_evidence=values["objective_evidence"],
                due_date=values["due_date"],
                by=acting_user(request),
            )
        return _output(finding, status=status.HTTP_201_CREATED)


class FindingCloseView(APIView):
    """Accept a nonconformity's corrective action as effective (note required), or close an
    observation or opportunity for improvement."""

    permission_classes = AUDITOR_PERMISSIONS

    @extend_schema(
        parameters=[AUDIT_ID, FINDING_ID], request=FindingNoteInput, responses=FindingDetailOutput
    )
    def post(self, request: Request, id: int, finding_id: int) -> Response:
        application = audit_of(request, id)
        finding = _finding(application, finding_id)
        data = FindingNoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        service = services.finding_verify if finding.is_nonconformity else services.finding_close
        with domain_errors():
            finding = service(
                finding=finding, note=data.validated_data["note"], by=acting_user(request)
            )
        return _output(finding)


class FindingReopenView(APIView):
    """Send the company's answer back with the reason; the answer is due again."""

    permission_classes = AUDITOR_PERMISSIONS

    @extend_schema(
        parameters=[AUDIT_ID, FINDING_ID],
        request=FindingSendBackInput,
        responses=FindingDetailOutput,
    )
    def post(self, request: Request, id: int, finding_id: int) -> Response:
        application = audit_of(request, id)
        finding = _finding(application, finding_id)
        data = FindingSendBackInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with domain_errors():
            finding = services.finding_send_back(
                finding=finding,
                reason=values["reason"] or values["note"],
                by=acting_user(request),
            )
        return _output(finding)


# --- The company ------------------------------------------------------------------------------


class FindingAnswerView(APIView):
    """Answer a nonconformity: correction, root-cause analysis, corrective action and the
    date by which it is complete (owners and admins)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[ORG_SLUG, APPLICATION_ID, FINDING_ID],
        request=FindingAnswerInput,
        responses=FindingDetailOutput,
    )
    def post(self, request: Request, org_slug: str, id: int, finding_id: int) -> Response:
        application = admin_application(request, org_slug, id)
        finding = _finding(application, finding_id)
        data = FindingAnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        with domain_errors():
            finding = services.finding_answer(
                finding=finding, by=acting_user(request), **data.validated_data
            )
        return _output(finding)


class FindingEvidenceAddView(APIView):
    """Attach evidence of a corrective action (file or link) to a nonconformity."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        parameters=[ORG_SLUG, APPLICATION_ID, FINDING_ID],
        request={"multipart/form-data": EvidenceInput},
        responses={201: EvidenceOutput},
    )
    def post(self, request: Request, org_slug: str, id: int, finding_id: int) -> Response:
        application = admin_application(request, org_slug, id)
        return add_evidence(request, application, finding=_finding(application, finding_id))
