"""/organizations/<org_slug>/applications/…: an organization's own certification cases.

Members read; owners and admins act (a plain member of the same organization gets 403,
there is nothing to hide from them). Anyone else gets 404, as for an unknown slug or id.
"""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.tenancy.models import Membership, Organization
from cpo_portal.tenancy.selectors import organization_for_member_or_404
from criteria.models import SchemeKind

from .. import selectors, services
from ..models import Application, Evidence, SelfStatus
from ..services.lifecycle import SELF_ASSESSMENT_STATES
from .common import (
    APPLICATION_ID,
    CRITERION_ID,
    FINDING_ID,
    ORG_SLUG,
    AnswerOutput,
    ApplicationDetailOutput,
    ApplicationOutput,
    EvidenceOutput,
    FindingOutput,
    ReasonInput,
    SelfAssessmentBlockOutput,
    domain_errors,
    pass_summary,
    path_parameter,
)

EVIDENCE_ID = path_parameter("evidence_id", "An evidence item of this application.")
EVIDENCE_ERRORS = {"file_type": "file", "empty": "file", "too_large": "file", "url": "url"}


def _organization(request: Request, org_slug: str) -> tuple[Organization, Membership]:
    return organization_for_member_or_404(org_slug, request.user)


def _application(organization: Organization, pk: Any) -> Application:
    application = selectors.application_of_organization(organization, pk)
    if application is None:
        raise Http404
    return application


def _require_admin(membership: Membership) -> None:
    if not membership.is_admin:
        raise PermissionDenied(_("Only an owner or admin of the organization can do this."))


def _admin_application(request: Request, org_slug: str, pk: Any) -> Application:
    """The application, for an owner or admin of its organization (members: 403)."""
    organization, membership = _organization(request, org_slug)
    application = _application(organization, pk)
    _require_admin(membership)
    return application


def detail_response(application: Application, request: Request, code: int = 200) -> Response:
    reported = application.report_submitted_at is not None
    context = {
        "request": request,
        "events": selectors.events_of(application),
        "assignments": selectors.assignments_of(application, active_only=True),
        "findings": selectors.findings_of(application),
        # The breakdown of the pass rule is the company's to see once the report is in.
        "pass_result": pass_summary(selectors.application_sheet(application)) if reported else None,
    }
    return Response(ApplicationDetailOutput(application, context=context).data, status=code)


# --- Input ------------------------------------------------------------------------------


class ApplicationInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SchemeKind.choices)
    scope_description = serializers.CharField(max_length=5000)
    window_start = serializers.DateField(help_text="Requested audit window: from.")
    window_end = serializers.DateField(help_text="Requested audit window: until.")
    product_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="Product only."
    )
    product_version = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="Product only."
    )
    product_description = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )


class ApplicationUpdateInput(serializers.Serializer):
    """Any of the fields; the others keep their value (draft or returned only)."""

    scope_description = serializers.CharField(max_length=5000, required=False)
    window_start = serializers.DateField(required=False)
    window_end = serializers.DateField(required=False)
    product_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    product_version = serializers.CharField(max_length=100, required=False, allow_blank=True)
    product_description = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class AnswerInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=SelfStatus.choices)
    explanation = serializers.CharField(
        max_length=10000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when not applicable.",
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


class CorrectiveActionInput(serializers.Serializer):
    corrective_action = serializers.CharField(max_length=10000)


# --- Output -----------------------------------------------------------------------------


class SelfAssessmentProgressOutput(serializers.Serializer):
    total = serializers.IntegerField()
    answered = serializers.IntegerField()
    answered_percent = serializers.IntegerField()
    shall_unanswered = serializers.SerializerMethodField()

    def get_shall_unanswered(self, sheet: Any) -> list[str]:
        return [row.criterion.code for row in sheet.shall_unanswered]


class SelfAssessmentOutput(serializers.Serializer):
    application_id = serializers.IntegerField(source="application.pk")
    status = serializers.CharField(source="application.status")
    editable = serializers.SerializerMethodField()
    progress = SelfAssessmentProgressOutput(source="*")
    blocks = SelfAssessmentBlockOutput(many=True)

    def get_editable(self, sheet: Any) -> bool:
        return sheet.application.status in SELF_ASSESSMENT_STATES


class SavedAnswerOutput(AnswerOutput):
    criterion_id = serializers.IntegerField()


class AnswerConflictOutput(serializers.Serializer):
    detail = serializers.CharField()
    current = AnswerOutput(help_text="The newer answer saved in the meantime.")


# --- Views ------------------------------------------------------------------------------


class ApplicationListView(generics.ListAPIView):
    """Your organization's applications (members); owners and admins start new ones."""

    permission_classes = [IsAuthenticated]
    serializer_class = ApplicationOutput

    @extend_schema(parameters=[ORG_SLUG])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        organization, _membership = _organization(self.request, self.kwargs["org_slug"])
        return selectors.applications_of_organization(organization)

    @extend_schema(
        parameters=[ORG_SLUG],
        request=ApplicationInput,
        responses={201: ApplicationDetailOutput},
        summary="Start a draft application under the current published scheme",
    )
    def post(self, request: Request, org_slug: str) -> Response:
        organization, membership = _organization(request, org_slug)
        _require_admin(membership)
        data = ApplicationInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        with domain_errors(organizational_required="kind"):
            application = services.application_create(
                organization=organization, kind=values.pop("kind"), by=request.user, **values
            )
        return detail_response(_application(organization, application.pk), request, 201)


class ApplicationDetailView(APIView):
    """One application: status, reason, history, auditors, findings, and after the report
    the pass rule's breakdown. Owners and admins may change a draft or returned one."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ORG_SLUG, APPLICATION_ID], responses=ApplicationDetailOutput)
    def get(self, request: Request, org_slug: str, id: int) -> Response:
        organization, _membership = _organization(request, org_slug)
        return detail_response(_application(organization, id), request)

    @extend_schema(
        parameters=[ORG_SLUG, APPLICATION_ID],
        request=ApplicationUpdateInput,
        responses=ApplicationDetailOutput,
    )
    def patch(self, request: Request, org_slug: str, id: int) -> Response:
        application = _admin_application(request, org_slug, id)
        data = ApplicationUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = {name: getattr(application, name) for name in services.APPLICATION_FIELDS}
        values |= data.validated_data
        with domain_errors():
            services.application_update(application=application, by=request.user, **values)
        return detail_response(_application(application.organization, id), request)


def _action_view(action: str, doc: str, *, with_reason: bool) -> type[APIView]:
    service = {
        "submit": services.application_submit,
        "withdraw": services.application_withdraw,
        "submit_self_assessment": services.self_assessment_submit,
    }[action]

    class ActionView(APIView):
        permission_classes = [IsAuthenticated]

        @extend_schema(
            parameters=[ORG_SLUG, APPLICATION_ID],
            request=ReasonInput if with_reason else None,
            responses=ApplicationDetailOutput,
            summary=doc,
        )
        def post(self, request: Request, org_slug: str, id: int) -> Response:
            application = _admin_application(request, org_slug, id)
            extra: dict[str, Any] = {}
            if with_reason:
                data = ReasonInput(data=request.data)
                data.is_valid(raise_exception=True)
                extra["reason"] = data.validated_data["reason"]
            with domain_errors():
                service(application=application, by=request.user, **extra)
            return detail_response(_application(application.organization, id), request)

    ActionView.__name__ = ActionView.__qualname__ = (
        "".join(part.title() for part in action.split("_")) + "View"
    )
    ActionView.__doc__ = doc
    return ActionView


SubmitView = _action_view("submit", "Submit the application to the CPO office.", with_reason=False)
WithdrawView = _action_view("withdraw", "Withdraw the application.", with_reason=True)
SelfAssessmentSubmitView = _action_view(
    "submit_self_assessment",
    "Hand the self-assessment to the auditors (every shall criterion answered).",
    with_reason=False,
)


class SelfAssessmentView(APIView):
    """Every assessment criterion of the scheme with your answer and evidence."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ORG_SLUG, APPLICATION_ID], responses=SelfAssessmentOutput)
    def get(self, request: Request, org_slug: str, id: int) -> Response:
        organization, _membership = _organization(request, org_slug)
        application = _application(organization, id)
        sheet = selectors.application_sheet(application, with_scores=False)
        return Response(SelfAssessmentOutput(sheet, context={"request": request}).data)


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
        application = _admin_application(request, org_slug, id)
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
                    by=request.user,
                )
            except services.AnswerConflict as conflict:
                body = {"detail": conflict.messages[0], "current": conflict.current}
                return Response(AnswerConflictOutput(body).data, status=status.HTTP_409_CONFLICT)
        return Response(SavedAnswerOutput(answer).data)


def _add_evidence(request: Request, application: Application, **subject: Any) -> Response:
    data = EvidenceInput(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    with domain_errors(**EVIDENCE_ERRORS):
        if values.get("file"):
            evidence = services.evidence_add_file(
                application=application,
                upload=values["file"],
                title=values["title"],
                by=request.user,
                **subject,
            )
        else:
            evidence = services.evidence_add_link(
                application=application,
                url=values["url"],
                title=values["title"],
                by=request.user,
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
        application = _admin_application(request, org_slug, id)
        return _add_evidence(request, application, criterion_id=criterion_id)


class EvidenceRemoveView(APIView):
    """Remove evidence while the company may still change it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[ORG_SLUG, APPLICATION_ID, EVIDENCE_ID],
        responses={204: OpenApiResponse(description="Removed.")},
    )
    def delete(self, request: Request, org_slug: str, id: int, evidence_id: int) -> Response:
        application = _admin_application(request, org_slug, id)
        evidence: Evidence | None = selectors.evidence_for_user(request.user, evidence_id)
        if evidence is None or evidence.application_id != application.pk:
            raise Http404
        with domain_errors():
            services.evidence_remove(evidence=evidence, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _finding(application: Application, pk: Any) -> Any:
    finding = selectors.finding_of_application(application, pk)
    if finding is None:
        raise Http404
    return finding


class FindingAnswerView(APIView):
    """Answer a nonconformity with your corrective action."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[ORG_SLUG, APPLICATION_ID, FINDING_ID],
        request=CorrectiveActionInput,
        responses=FindingOutput,
    )
    def post(self, request: Request, org_slug: str, id: int, finding_id: int) -> Response:
        application = _admin_application(request, org_slug, id)
        finding = _finding(application, finding_id)
        data = CorrectiveActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        with domain_errors():
            finding = services.finding_answer(
                finding=finding,
                corrective_action=data.validated_data["corrective_action"],
                by=request.user,
            )
        return Response(FindingOutput(finding).data)


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
        application = _admin_application(request, org_slug, id)
        return _add_evidence(request, application, finding=_finding(application, finding_id))
