"""Applications in the API: the organization's own cases (/organizations/<org_slug>/applications/…)
and the CPO office's (/office/applications/…, /office/grants/); and the application's record
every audience reads (history, auditors, findings, the pass rule's result).

Members read; owners and admins act (a plain member of the same organization gets 403, there
is nothing to hide from them). The office's endpoints are the office's only; anyone else
signed in gets 404, as on the office's pages, and drafts do not exist for the office until
the company submits them. Anyone else gets 404, as for an unknown slug or id.
"""

from collections.abc import Callable
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.api.fields import name_of, path_parameter
from cpo_portal.api.permissions import IsOffice, acting_user
from cpo_portal.api.refusals import domain_errors
from cpo_portal.tenancy.models import Membership, Organization
from cpo_portal.tenancy.selectors import organization_for_member_or_404
from criteria.models import SchemeKind
from signees.selectors.signing import published_signees

from ..models import (
    AUDITOR_STATES,
    Application,
    ApplicationStatus,
    AssignmentRole,
    AssignmentStatus,
    AuditType,
    Finding,
    FindingKind,
    FindingStatus,
    Recommendation,
)
from ..selectors import applications as selectors
from ..selectors.auditors import assignments_of, auditor_options
from ..selectors.audits import Sheet, application_sheet
from ..selectors.findings import findings_of
from ..services import applications as services

ORG_SLUG = path_parameter("org_slug", "Your organization's slug.", OpenApiTypes.STR)
APPLICATION_ID = path_parameter("id", "The application's id.")
OFFICE_PERMISSIONS = [IsAuthenticated, IsOffice]
# From here on there are scores to summarise.
SCORED_STATES = (
    ApplicationStatus.AUDIT,
    ApplicationStatus.CORRECTIVE_ACTIONS,
    ApplicationStatus.REPORT_SUBMITTED,
    ApplicationStatus.DECIDED,
)


# --- Lookups ----------------------------------------------------------------------------


def organization_of(request: Request, org_slug: str) -> tuple[Organization, Membership]:
    return organization_for_member_or_404(org_slug, request.user)


def application_of(organization: Organization, pk: Any) -> Application:
    application = selectors.application_of_organization(organization, pk)
    if application is None:
        raise Http404
    return application


def _require_admin(membership: Membership) -> None:
    if not membership.is_admin:
        raise PermissionDenied(_("Only an owner or admin of the organization can do this."))


def admin_application(request: Request, org_slug: str, pk: Any) -> Application:
    """The application, for an owner or admin of its organization (members: 403)."""
    organization, membership = organization_of(request, org_slug)
    application = application_of(organization, pk)
    _require_admin(membership)
    return application


def office_application(pk: Any) -> Application:
    application = selectors.application_for_office(pk)
    if application is None:
        raise Http404
    return application


# --- Input ------------------------------------------------------------------------------


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, default="", trim_whitespace=True
    )


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


class GrantInput(serializers.Serializer):
    organization = serializers.SlugField(
        max_length=100, help_text="The organization's address (/o/<slug>/); an approved signee."
    )
    reference = serializers.CharField(max_length=100, help_text="The certificate's reference.")
    valid_until = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def validate_organization(self, value: str) -> Organization:
        # As on the office's page: only signees of the CPO hold certificates.
        signee = published_signees().filter(organization__slug=value.lower()).first()
        if signee is None:
            raise serializers.ValidationError(gettext_lazy("Choose one of the approved signees."))
        return signee.organization


class DecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Recommendation.choices)
    rationale = serializers.CharField(max_length=20000)


# --- Output: the record's pieces --------------------------------------------------------


class ApplicationSchemeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=SchemeKind.choices)
    title = serializers.CharField()
    catalogue_version = serializers.CharField(source="version.code")
    should_share = serializers.DecimalField(
        max_digits=4,
        decimal_places=3,
        coerce_to_string=False,
        help_text="The pass rule's threshold for should criteria (0–1).",
    )


class EventOutput(serializers.Serializer):
    action = serializers.CharField()
    status_before = serializers.ChoiceField(choices=ApplicationStatus.choices)
    status_after = serializers.ChoiceField(choices=ApplicationStatus.choices)
    reason = serializers.CharField()
    by = serializers.SerializerMethodField()
    at = serializers.DateTimeField()

    def get_by(self, event: Any) -> str | None:
        return name_of(event.by)


class AssignmentOutput(serializers.Serializer):
    """Who audits: the names the company and the co-auditors see."""

    auditor = serializers.CharField(source="auditor.user")
    role = serializers.ChoiceField(choices=AssignmentRole.choices)
    role_label = serializers.CharField(source="get_role_display")


class OfficeAssignmentOutput(AssignmentOutput):
    id = serializers.IntegerField()
    auditor_id = serializers.IntegerField()
    auditor_email = serializers.EmailField(source="auditor.user.email")
    status = serializers.ChoiceField(choices=AssignmentStatus.choices)
    reason = serializers.CharField()
    assigned_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)


class AuditorOptionOutput(serializers.Serializer):
    auditor_id = serializers.IntegerField(source="auditor.pk")
    name = serializers.CharField(source="auditor.user")
    email = serializers.EmailField(source="auditor.user.email")
    qualified = serializers.BooleanField()
    conflict = serializers.CharField(
        allow_null=True, help_text="declared, member, or null when independent."
    )
    eligible = serializers.BooleanField()


class FindingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=FindingKind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    is_nonconformity = serializers.BooleanField()
    criteria = serializers.SerializerMethodField()
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=FindingStatus.choices)
    due_date = serializers.DateField(allow_null=True)
    raised_at = serializers.DateTimeField()
    corrective_action = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)
    verification_note = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(
        serializers.ListField(child=serializers.CharField(), help_text="Criterion codes.")
    )
    def get_criteria(self, finding: Finding) -> list[str]:
        return [c.code for c in finding.criteria.all()]


class TallyOutput(serializers.Serializer):
    total = serializers.IntegerField()
    fulfilled = serializers.IntegerField()
    partially = serializers.IntegerField()
    not_fulfilled = serializers.IntegerField()
    not_applicable = serializers.IntegerField()
    unscored = serializers.IntegerField()
    share = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        coerce_to_string=False,
        allow_null=True,
        help_text="Fulfilled share (partially counts half); null when nothing applies.",
    )


class GroupResultOutput(serializers.Serializer):
    shall = TallyOutput()
    should = TallyOutput()
    may = TallyOutput()
    total = serializers.IntegerField()
    scored = serializers.IntegerField()


class AreaOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.SerializerMethodField()

    def get_title(self, area: Any) -> str:
        title = str(area.title)
        if not title and area.category_id:
            title = str(area.category.title)  # product schemes: the CPO category
        return title


class AreaResultOutput(serializers.Serializer):
    area = AreaOutput()
    result = GroupResultOutput(allow_null=True)


class PassResultOutput(serializers.Serializer):
    passed = serializers.BooleanField()
    complete = serializers.BooleanField(help_text="Every criterion is scored.")
    threshold = serializers.DecimalField(max_digits=4, decimal_places=3, coerce_to_string=False)
    should_share = serializers.DecimalField(
        max_digits=5, decimal_places=4, coerce_to_string=False, allow_null=True
    )
    shall_failed = serializers.ListField(child=serializers.CharField())
    open_majors = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.CharField())
    overall = GroupResultOutput()
    groups = AreaResultOutput(many=True, help_text="The breakdown per subject area / category.")


def pass_summary(sheet: Sheet) -> dict[str, Any]:
    """The pass rule's result with its breakdown per block, for PassResultOutput."""
    result = sheet.result
    return {
        "passed": result.passed,
        "complete": result.complete,
        "threshold": result.threshold,
        "should_share": result.should_share,
        "shall_failed": result.shall_failed,
        "open_majors": result.open_majors,
        "reasons": result.reasons,
        "overall": result.overall,
        "groups": [{"area": block.area, "result": block.result} for block in sheet.blocks],
    }


# --- Output: applications ---------------------------------------------------------------


class ApplicationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=SchemeKind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    audit_type = serializers.ChoiceField(choices=AuditType.choices)
    status = serializers.ChoiceField(choices=ApplicationStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    catalogue_version = serializers.CharField(source="scheme.version.code")
    product_name = serializers.CharField()
    product_version = serializers.CharField()
    window_start = serializers.DateField()
    window_end = serializers.DateField()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    decision = serializers.ChoiceField(choices=[("", "—"), *Recommendation.choices])


class OfficeApplicationOutput(ApplicationOutput):
    organization = serializers.CharField(source="organization.display_name")
    organization_slug = serializers.CharField(source="organization.slug")


class ApplicationDetailOutput(ApplicationOutput):
    """One application with its history; the context carries events, assignments,
    findings and (once the report is in) the pass result."""

    reason = serializers.CharField(
        source="status_reason", help_text="Why it was last returned, rejected or withdrawn."
    )
    scheme = ApplicationSchemeOutput()
    scope_description = serializers.CharField()
    product_description = serializers.CharField()
    recommendation = serializers.SerializerMethodField()
    report_summary = serializers.SerializerMethodField()
    report_submitted_at = serializers.DateTimeField(allow_null=True)
    decision_rationale = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    events = serializers.SerializerMethodField()
    assignments = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()
    pass_result = serializers.SerializerMethodField()

    def _reported(self, application: Application) -> bool:
        return application.report_submitted_at is not None

    @extend_schema_field(
        serializers.ChoiceField(
            choices=[("", "—"), *Recommendation.choices],
            help_text="The lead auditor's recommendation, once the report is submitted.",
        )
    )
    def get_recommendation(self, application: Application) -> str:
        return application.recommendation if self._reported(application) else ""

    @extend_schema_field(serializers.CharField())
    def get_report_summary(self, application: Application) -> str:
        return application.report_summary if self._reported(application) else ""

    @extend_schema_field(EventOutput(many=True))
    def get_events(self, application: Application) -> Any:
        return EventOutput(self.context.get("events", []), many=True).data

    @extend_schema_field(AssignmentOutput(many=True))
    def get_assignments(self, application: Application) -> Any:
        return AssignmentOutput(self.context.get("assignments", []), many=True).data

    @extend_schema_field(FindingOutput(many=True))
    def get_findings(self, application: Application) -> Any:
        return FindingOutput(self.context.get("findings", []), many=True).data

    @extend_schema_field(PassResultOutput(allow_null=True))
    def get_pass_result(self, application: Application) -> Any:
        summary = self.context.get("pass_result")
        return PassResultOutput(summary).data if summary is not None else None


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


def application_response(application: Application, request: Request, code: int = 200) -> Response:
    """One application as its organization sees it."""
    reported = application.report_submitted_at is not None
    context = {
        "request": request,
        "events": selectors.events_of(application),
        "assignments": assignments_of(application, active_only=True),
        "findings": findings_of(application),
        # The breakdown of the pass rule is the company's to see once the report is in.
        "pass_result": pass_summary(application_sheet(application)) if reported else None,
    }
    return Response(ApplicationDetailOutput(application, context=context).data, status=code)


def office_application_response(
    application: Application, request: Request, code: int = 200
) -> Response:
    """One application as the office sees it: every assignment, and who may be assigned."""
    scored = application.status in SCORED_STATES
    context = {
        "request": request,
        "events": selectors.events_of(application),
        "assignments": assignments_of(application),
        "findings": findings_of(application),
        "pass_result": pass_summary(application_sheet(application)) if scored else None,
        "auditor_options": auditor_options(application)
        if application.status in (ApplicationStatus.ACCEPTED, *AUDITOR_STATES[:-1])
        else [],
    }
    return Response(OfficeApplicationDetailOutput(application, context=context).data, status=code)


# --- The organization's applications ------------------------------------------------------


class ApplicationListView(generics.ListAPIView):
    """Your organization's applications (members); owners and admins start new ones."""

    permission_classes = [IsAuthenticated]
    serializer_class = ApplicationOutput

    @extend_schema(parameters=[ORG_SLUG])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        organization, _membership = organization_of(self.request, self.kwargs["org_slug"])
        return selectors.applications_of_organization(organization)

    @extend_schema(
        parameters=[ORG_SLUG],
        request=ApplicationInput,
        responses={201: ApplicationDetailOutput},
        summary="Start a draft application under the current published scheme",
    )
    def post(self, request: Request, org_slug: str) -> Response:
        organization, membership = organization_of(request, org_slug)
        _require_admin(membership)
        data = ApplicationInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        with domain_errors(organizational_required="kind"):
            application = services.application_create(
                organization=organization,
                kind=values.pop("kind"),
                by=acting_user(request),
                **values,
            )
        return application_response(application_of(organization, application.pk), request, 201)


class ApplicationDetailView(APIView):
    """One application: status, reason, history, auditors, findings, and after the report
    the pass rule's breakdown. Owners and admins may change a draft or returned one."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ORG_SLUG, APPLICATION_ID], responses=ApplicationDetailOutput)
    def get(self, request: Request, org_slug: str, id: int) -> Response:
        organization, _membership = organization_of(request, org_slug)
        return application_response(application_of(organization, id), request)

    @extend_schema(
        parameters=[ORG_SLUG, APPLICATION_ID],
        request=ApplicationUpdateInput,
        responses=ApplicationDetailOutput,
    )
    def patch(self, request: Request, org_slug: str, id: int) -> Response:
        application = admin_application(request, org_slug, id)
        data = ApplicationUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = {name: getattr(application, name) for name in services.APPLICATION_FIELDS}
        values |= data.validated_data
        with domain_errors():
            services.application_update(application=application, by=acting_user(request), **values)
        return application_response(application_of(application.organization, id), request)


def action_view(
    action: str, doc: str, service: Callable[..., Application], *, with_reason: bool
) -> type[APIView]:
    """A step the organization's owners and admins take on their application (POST), which
    answers the application as it is afterwards."""

    class ActionView(APIView):
        permission_classes = [IsAuthenticated]

        @extend_schema(
            parameters=[ORG_SLUG, APPLICATION_ID],
            request=ReasonInput if with_reason else None,
            responses=ApplicationDetailOutput,
            summary=doc,
        )
        def post(self, request: Request, org_slug: str, id: int) -> Response:
            application = admin_application(request, org_slug, id)
            extra: dict[str, Any] = {}
            if with_reason:
                data = ReasonInput(data=request.data)
                data.is_valid(raise_exception=True)
                extra["reason"] = data.validated_data["reason"]
            with domain_errors():
                service(application=application, by=acting_user(request), **extra)
            return application_response(application_of(application.organization, id), request)

    ActionView.__name__ = ActionView.__qualname__ = (
        "".join(part.title() for part in action.split("_")) + "View"
    )
    ActionView.__doc__ = doc
    return ActionView


SubmitView = action_view(
    "submit",
    "Submit the application to the CPO office.",
    services.application_submit,
    with_reason=False,
)
WithdrawView = action_view(
    "withdraw", "Withdraw the application.", services.application_withdraw, with_reason=True
)


# --- The office -----------------------------------------------------------------------------


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
        return office_application_response(office_application(id), request)


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
            application = office_application(id)
            data = ReasonInput(data=request.data)
            data.is_valid(raise_exception=True)
            with domain_errors():
                service(
                    application=application,
                    by=acting_user(request),
                    reason=data.validated_data["reason"],
                )
            return office_application_response(office_application(id), request)

    ReviewView.__name__ = ReviewView.__qualname__ = f"Office{action.title()}View"
    ReviewView.__doc__ = doc
    return ReviewView


AcceptView = _review_view("accept", "Accept a submitted application.")
ReturnView = _review_view("return", "Return it to the company for completion (reason required).")
RejectView = _review_view("reject", "Reject the application (reason required).")
ReopenView = _review_view("reopen", "Send a submitted report back to the auditors (reason).")


class DecideView(APIView):
    """Grant or deny, with a rationale; never by an auditor of this case (four-eyes), and
    no grant while the pass rule fails."""

    permission_classes = OFFICE_PERMISSIONS

    @extend_schema(
        parameters=[APPLICATION_ID], request=DecisionInput, responses=OfficeApplicationDetailOutput
    )
    def post(self, request: Request, id: int) -> Response:
        application = office_application(id)
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        with domain_errors(pass_rule="decision"):
            services.application_decide(
                application=application, by=acting_user(request), **data.validated_data
            )
        return office_application_response(office_application(id), request)


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
            grant = services.organizational_grant_record(
                by=acting_user(request), **data.validated_data
            )
        return Response(GrantOutput(grant).data, status=status.HTTP_201_CREATED)
