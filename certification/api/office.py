"""/office/applications/…: the CPO office reviews, assigns auditors and decides.

Only the office sees these endpoints; anyone else signed in gets 404, as on the office's
pages. Drafts do not exist for the office until the company submits them.
"""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.tenancy.models import Organization
from criteria.models import SchemeKind

from .. import selectors, services
from ..models import Application, ApplicationStatus, AssignmentRole, Rating, Recommendation
from .common import (
    APPLICATION_ID,
    ASSIGNMENT_ID,
    ApplicationDetailOutput,
    IsOffice,
    OfficeApplicationOutput,
    OfficeAssignmentOutput,
    ReasonInput,
    domain_errors,
    name_of,
    pass_summary,
)

OFFICE_PERMISSIONS = [IsAuthenticated, IsOffice]
# From here on there are scores to summarise.
SCORED_STATES = (
    ApplicationStatus.AUDIT,
    ApplicationStatus.CORRECTIVE_ACTIONS,
    ApplicationStatus.REPORT_SUBMITTED,
    ApplicationStatus.DECIDED,
)


def _application(pk: Any) -> Application:
    application = selectors.application_for_office(pk)
    if application is None:
        raise Http404
    return application


# --- Input ------------------------------------------------------------------------------


class OfficeFilterInput(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=ApplicationStatus.choices, required=False, allow_blank=True, default=""
    )
    kind = serializers.ChoiceField(
        choices=SchemeKind.choices, required=False, allow_blank=True, default=""
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        default="",
        help_text="Words in the organization's or the product's name.",
    )


class AssignInput(serializers.Serializer):
    auditor_id = serializers.IntegerField(min_value=1)
    role = serializers.ChoiceField(choices=AssignmentRole.choices)


class EndAssignmentInput(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class GrantInput(serializers.Serializer):
    organization = serializers.SlugField(
        max_length=100, help_text="The organization's address (/o/<slug>/); an approved signee."
    )
    reference = serializers.CharField(max_length=100, help_text="The certificate's reference.")
    valid_until = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def validate_organization(self, value: str) -> Organization:
        from signees.selectors import published_signees

        # As on the office's page: only signees of the CPO hold certificates.
        signee = published_signees().filter(organization__slug=value.lower()).first()
        if signee is None:
            raise serializers.ValidationError(_("Choose one of the approved signees."))
        return signee.organization


class DecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Recommendation.choices)
    rationale = serializers.CharField(max_length=20000)


# --- Output -----------------------------------------------------------------------------


class AuditorOptionOutput(serializers.Serializer):
    auditor_id = serializers.IntegerField(source="auditor.pk")
    name = serializers.CharField(source="auditor.user")
    email = serializers.EmailField(source="auditor.user.email")
    qualified = serializers.BooleanField()
    conflict = serializers.CharField(
        allow_null=True, help_text="declared, member, or null when independent."
    )
    eligible = serializers.BooleanField()


class OfficeApplicationDetailOutput(ApplicationDetailOutput):
    organization = serializers.CharField(source="organization.display_name")
    organization_slug = serializers.CharField(source="organization.slug")
    report_submitted_by = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()
    auditor_options = serializers.SerializerMethodField()

    def get_report_submitted_by(self, application: Application) -> str | None:
        return name_of(application.report_submitted_by)

    def get_decided_by(self, application: Application) -> str | None:
        return name_of(application.decided_by)

    # Every assignment, ended and declined ones included, with its status.
    @extend_schema_field(OfficeAssignmentOutput(many=True))
    def get_assignments(self, application: Application) -> Any:
        return OfficeAssignmentOutput(self.context.get("assignments", []), many=True).data

    @extend_schema_field(AuditorOptionOutput(many=True))
    def get_auditor_options(self, application: Application) -> Any:
        return AuditorOptionOutput(self.context.get("auditor_options", []), many=True).data


class GrantOutput(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.CharField(source="organization.display_name")
    organization_slug = serializers.CharField(source="organization.slug")
    reference = serializers.CharField()
    valid_until = serializers.DateField()
    note = serializers.CharField()
    recorded_by = serializers.SerializerMethodField()
    recorded_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)

    def get_recorded_by(self, grant: Any) -> str | None:
        return name_of(grant.recorded_by)


class ScoreChangeOutput(serializers.Serializer):
    criterion = serializers.CharField(source="score.criterion.code")
    version = serializers.IntegerField()
    rating = serializers.ChoiceField(choices=[("", "—"), *Rating.choices])
    rationale = serializers.CharField()
    by = serializers.SerializerMethodField()
    at = serializers.DateTimeField()

    def get_by(self, change: Any) -> str | None:
        return name_of(change.by)


def detail_response(application: Application, request: Request, code: int = 200) -> Response:
    scored = application.status in SCORED_STATES
    context = {
        "request": request,
        "events": selectors.events_of(application),
        "assignments": selectors.assignments_of(application),
        "findings": selectors.findings_of(application),
        "pass_result": pass_summary(selectors.application_sheet(application)) if scored else None,
        "auditor_options": selectors.auditor_options(application)
        if application.status in (ApplicationStatus.ACCEPTED, *services.AUDITOR_STATES[:-1])
        else [],
    }
    return Response(OfficeApplicationDetailOutput(application, context=context).data, status=code)


# --- Views ------------------------------------------------------------------------------


class OfficeApplicationListView(generics.ListAPIView):
    """Every submitted application; filter by status and certificate, search by name."""

    permission_classes = OFFICE_PERMISSIONS
    serializer_class = OfficeApplicationOutput

    @extend_schema(parameters=[OfficeFilterInput])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        params = OfficeFilterInput(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.applications_for_office(selectors.OfficeFilter(**params.validated_data))


class OfficeApplicationDetailView(APIView):
    """One application with its history, every assignment, findings, the pass rule's
    breakdown once scored, and which auditors may be assigned."""

    permission_classes = OFFICE_PERMISSIONS

    @extend_schema(parameters=[APPLICATION_ID], responses=OfficeApplicationDetailOutput)
    def get(self, request: Request, id: int) -> Response:
        return detail_response(_application(id), request)


def _review_view(action: str, doc: str) -> type[APIView]:
    service = {
        "accept": services.application_accept,
        "return": services.application_return,
        "reject": services.application_reject,
        "reopen": services.application_reopen_audit,
    }[action]

    class ReviewView(APIView):
        permission_classes = OFFICE_PERMISSIONS

        @extend_schema(
            parameters=[APPLICATION_ID],
            request=ReasonInput,
            responses=OfficeApplicationDetailOutput,
            summary=doc,
        )
        def post(self, request: Request, id: int) -> Response:
            application = _application(id)
            data = ReasonInput(data=request.data)
            data.is_valid(raise_exception=True)
            with domain_errors():
                service(
                    application=application, by=request.user, reason=data.validated_data["reason"]
                )
            return detail_response(_application(id), request)

    ReviewView.__name__ = ReviewView.__qualname__ = f"Office{action.title()}View"
    ReviewView.__doc__ = doc
    return ReviewView


AcceptView = _review_view("accept", "Accept a submitted application.")
ReturnView = _review_view("return", "Return it to the company for completion (reason required).")
RejectView = _review_view("reject", "Reject the application (reason required).")
ReopenView = _review_view("reopen", "Send a submitted report back to the auditors (reason).")


class AssignmentListView(APIView):
    """Assign a lead auditor or a co-auditor: qualified and free of conflicts of interest."""

    permission_classes = OFFICE_PERMISSIONS

    @extend_schema(
        parameters=[APPLICATION_ID], request=AssignInput, responses={201: OfficeAssignmentOutput}
    )
    def post(self, request: Request, id: int) -> Response:
        application = _application(id)
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
                by=request.user,
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
        application = _application(id)
        assignment = next(
            (a for a in selectors.assignments_of(application) if a.pk == assignment_id), None
        )
        if assignment is None:
            raise Http404
        data = EndAssignmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        with domain_errors():
            services.assignment_end(
                assignment=assignment, by=request.user, reason=data.validated_data["reason"]
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


class DecideView(APIView):
    """Grant or deny, with a rationale; never by an auditor of this case (four-eyes), and
    no grant while the pass rule fails."""

    permission_classes = OFFICE_PERMISSIONS

    @extend_schema(
        parameters=[APPLICATION_ID], request=DecisionInput, responses=OfficeApplicationDetailOutput
    )
    def post(self, request: Request, id: int) -> Response:
        application = _application(id)
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        with domain_errors(pass_rule="decision"):
            services.application_decide(
                application=application, by=request.user, **data.validated_data
            )
        return detail_response(_application(id), request)


class ScoreHistoryView(generics.ListAPIView):
    """Every score change of the audit, newest first: who rated what, when."""

    permission_classes = OFFICE_PERMISSIONS
    serializer_class = ScoreChangeOutput

    @extend_schema(parameters=[APPLICATION_ID])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return selectors.score_changes_of(_application(self.kwargs["id"]))


class GrantListView(generics.ListAPIView):
    """Organizational certifications granted outside the portal, as the office recorded
    them; until the portal issues certificates, a valid one admits product applications."""

    permission_classes = OFFICE_PERMISSIONS
    serializer_class = GrantOutput

    def get_queryset(self) -> Any:
        return selectors.grants_for_office()

    @extend_schema(request=GrantInput, responses={201: GrantOutput})
    def post(self, request: Request) -> Response:
        data = GrantInput(data=request.data)
        data.is_valid(raise_exception=True)
        with domain_errors():
            grant = services.organizational_grant_record(by=request.user, **data.validated_data)
        return Response(GrantOutput(grant).data, status=status.HTTP_201_CREATED)
