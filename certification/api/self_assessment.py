"""The self-assessment in the API (/organizations/<org_slug>/applications/<id>/self-assessment/…):
every criterion with the company's answer and evidence, answers guarded by a version (a save
based on an older one is refused with 409 and the newer answer), evidence files and links,
and the submission to the auditors.

Members read; owners and admins act (members of the same organization get 403); anyone else
gets 404.
"""

from typing import Any

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.api.fields import absolute, name_of, path_parameter
from cpo_portal.api.permissions import acting_user
from cpo_portal.api.refusals import domain_errors
from criteria.models import Obligation

from ..models import SELF_ASSESSMENT_STATES, Application, Evidence, SelfStatus
from ..selectors import self_assessment as selectors
from ..selectors.audits import Sheet, application_sheet
from ..services import self_assessment as services
from .applications import (
    APPLICATION_ID,
    ORG_SLUG,
    AreaOutput,
    action_view,
    admin_application,
    application_of,
    organization_of,
)

CRITERION_ID = path_parameter("criterion_id", "An assessment criterion of the scheme.")
EVIDENCE_ID = path_parameter("evidence_id", "An evidence item of this application.")
EVIDENCE_ERRORS = {"file_type": "file", "empty": "file", "too_large": "file", "url": "url"}


# --- Input ------------------------------------------------------------------------------


class AnswerInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=SelfStatus.choices)
    explanation = serializers.CharField(
        max_length=10000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when not applicable.",
    )
    # Evidence required (clarifications): absent leaves the stored reason as it is.
    no_evidence_reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="Why there is no evidence, where the criterion requires it.",
    )
    version = serializers.IntegerField(
        min_value=0,
        required=False,
        help_text=(
            "The version the edit is based on (from the sheet; 0 if there was no answer). "
            "When given, a save based on an older version is refused with 409 and the newer "
            "answer; without it the answer is overwritten."
        ),
    )


class EvidenceInput(serializers.Serializer):
    file = serializers.FileField(
        required=False, help_text="PDF, PNG, JPEG, DOCX, XLSX or ODT; checked by content."
    )
    url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("file")) == bool(attrs.get("url")):
            raise serializers.ValidationError("Give either a file or a link.")
        return attrs


# --- Output -----------------------------------------------------------------------------


class EvidenceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    is_file = serializers.BooleanField(help_text="A file (download_url) or a link (url).")
    title = serializers.CharField()
    original_name = serializers.CharField(help_text="The uploaded file's name.")
    content_type = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField()
    url = serializers.CharField(help_text="The link, for link evidence.")
    download_url = serializers.SerializerMethodField()
    uploaded_by = serializers.SerializerMethodField()
    uploaded_at = serializers.DateTimeField()

    @extend_schema_field(
        serializers.URLField(allow_null=True, help_text="Permission-checked file download.")
    )
    def get_download_url(self, evidence: Evidence) -> str | None:
        if not evidence.is_file:
            return None
        return absolute(self, reverse("certification:evidence_download", args=[evidence.pk]))

    def get_uploaded_by(self, evidence: Evidence) -> str | None:
        return name_of(evidence.uploaded_by)


class SheetCriterionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()
    obligation = serializers.ChoiceField(choices=Obligation.choices)
    na_allowed = serializers.BooleanField(help_text="May be answered / rated not applicable.")
    evidence_required = serializers.BooleanField()
    justification_required = serializers.BooleanField()


class AnswerOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=SelfStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    explanation = serializers.CharField()
    no_evidence_reason = serializers.CharField()
    version = serializers.IntegerField(help_text="Send it back with the next save.")
    updated_by = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField()

    def get_updated_by(self, answer: Any) -> str | None:
        return name_of(answer.updated_by)


class SelfAssessmentRowOutput(serializers.Serializer):
    criterion = SheetCriterionOutput()
    answer = AnswerOutput(allow_null=True)
    evidence = EvidenceOutput(many=True)


class SelfAssessmentBlockOutput(serializers.Serializer):
    area = AreaOutput()
    answered = serializers.IntegerField()
    rows = SelfAssessmentRowOutput(many=True)


class SelfAssessmentProgressOutput(serializers.Serializer):
    total = serializers.IntegerField()
    answered = serializers.IntegerField()
    answered_percent = serializers.IntegerField()
    shall_unanswered = serializers.SerializerMethodField()

    def get_shall_unanswered(self, sheet: Sheet) -> list[str]:
        return [row.criterion.code for row in sheet.shall_unanswered]


class SelfAssessmentOutput(serializers.Serializer):
    application_id = serializers.IntegerField(source="application.pk")
    status = serializers.CharField(source="application.status")
    editable = serializers.SerializerMethodField()
    progress = SelfAssessmentProgressOutput(source="*")
    blocks = SelfAssessmentBlockOutput(many=True)

    def get_editable(self, sheet: Sheet) -> bool:
        return sheet.application.status in SELF_ASSESSMENT_STATES


class SavedAnswerOutput(AnswerOutput):
    criterion_id = serializers.IntegerField()


class AnswerConflictOutput(serializers.Serializer):
    detail = serializers.CharField()
    current = AnswerOutput(help_text="The newer answer saved in the meantime.")


# --- Views ------------------------------------------------------------------------------


class SelfAssessmentView(APIView):
    """Every assessment criterion of the scheme with your answer and evidence."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ORG_SLUG, APPLICATION_ID], responses=SelfAssessmentOutput)
    def get(self, request: Request, org_slug: str, id: int) -> Response:
        organization, _membership = organization_of(request, org_slug)
        application = application_of(organization, id)
        sheet = application_sheet(application, with_scores=False)
        return Response(SelfAssessmentOutput(sheet, context={"request": request}).data)


SelfAssessmentSubmitView = action_view(
    "submit_self_assessment",
    "Hand the self-assessment to the auditors (every shall criterion answered).",
    services.self_assessment_submit,
    with_reason=False,
)


class AnswerView(APIView):
    """Answer one criterion: status and explanation (owners and admins)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[ORG_SLUG, APPLICATION_ID, CRITERION_ID],
        request=AnswerInput,
        responses={
            200: SavedAnswerOutput,
            409: OpenApiResponse(
                AnswerConflictOutput, description="Saved by someone else in the meantime."
            ),
        },
    )
    def put(self, request: Request, org_slug: str, id: int, criterion_id: int) -> Response:
        application = admin_application(request, org_slug, id)
        data = AnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        with domain_errors():
            try:
                answer = services.self_assessment_answer(
                    application=application,
                    criterion_id=criterion_id,
                    status=values["status"],
                    explanation=values["explanation"],
                    expected_version=values.get("version"),
                    by=acting_user(request),
                    no_evidence_reason=values.get("no_evidence_reason"),
                )
            except services.AnswerConflict as conflict:
                body = {"detail": conflict.messages[0], "current": conflict.current}
                return Response(AnswerConflictOutput(body).data, status=status.HTTP_409_CONFLICT)
        return Response(SavedAnswerOutput(answer).data)


def add_evidence(request: Request, application: Application, **subject: Any) -> Response:
    """Attach the posted file or link to a criterion or a finding (`subject`)."""
    data = EvidenceInput(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    with domain_errors(**EVIDENCE_ERRORS):
        if values.get("file"):
            evidence = services.evidence_add_file(
                application=application,
                upload=values["file"],
                title=values["title"],
                by=acting_user(request),
                **subject,
            )
        else:
            evidence = services.evidence_add_link(
                application=application,
                url=values["url"],
                title=values["title"],
                by=acting_user(request),
                **subject,
            )
    return Response(EvidenceOutput(evidence, context={"request": request}).data, status=201)


class EvidenceAddView(APIView):
    """Attach a file (multipart) or a link to your answer of one criterion."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        parameters=[ORG_SLUG, APPLICATION_ID, CRITERION_ID],
        request={"multipart/form-data": EvidenceInput},
        responses={201: EvidenceOutput},
    )
    def post(self, request: Request, org_slug: str, id: int, criterion_id: int) -> Response:
        application = admin_application(request, org_slug, id)
        return add_evidence(request, application, criterion_id=criterion_id)


class EvidenceRemoveView(APIView):
    """Remove evidence while the company may still change it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[ORG_SLUG, APPLICATION_ID, EVIDENCE_ID],
        responses={204: OpenApiResponse(description="Removed.")},
    )
    def delete(self, request: Request, org_slug: str, id: int, evidence_id: int) -> Response:
        application = admin_application(request, org_slug, id)
        evidence = selectors.evidence_for_user(request.user, evidence_id)
        if evidence is None or evidence.application_id != application.pk:
            raise Http404
        with domain_errors():
            services.evidence_remove(evidence=evidence, by=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
