"""What the three audiences of the certification API share: parameters, guards, the
conversion of refusals into 400s, and the output serializers of applications and sheets."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.settings import api_settings

from cpo_portal.accounts.roles import is_auditor, is_office
from criteria.models import Obligation, SchemeKind

from ..models import (
    Application,
    ApplicationStatus,
    AssignmentRole,
    AssignmentStatus,
    AuditType,
    Evidence,
    Finding,
    FindingKind,
    FindingStatus,
    Rating,
    Recommendation,
    SelfStatus,
)
from ..selectors import Sheet

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


def path_parameter(name: str, description: str, kind: Any = OpenApiTypes.INT) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.PATH, description=description)


ORG_SLUG = path_parameter("org_slug", "Your organization's slug.", OpenApiTypes.STR)
APPLICATION_ID = path_parameter("id", "The application's id.")
AUDIT_ID = path_parameter("id", "The audit's (application's) id.")
CRITERION_ID = path_parameter("criterion_id", "An assessment criterion of the scheme.")
FINDING_ID = path_parameter("finding_id", "A finding of this application.")
ASSIGNMENT_ID = path_parameter("assignment_id", "An auditor assignment of this application.")


def absolute(serializer: serializers.Serializer, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


def name_of(user: Any) -> str | None:
    return str(user) if user is not None else None


def validation_error(exc: DjangoValidationError, **fields: str) -> ValidationError:
    """A service's refusal as a 400: `fields` maps an error code to the input field it is
    about (rating="rating"); anything else is a non-field error."""
    if hasattr(exc, "error_dict"):
        detail: Any = {
            (NON_FIELD if key == "__all__" else key): value
            for key, value in exc.message_dict.items()
        }
    else:
        detail = {fields.get(str(getattr(exc, "code", "") or ""), NON_FIELD): exc.messages}
    return ValidationError(detail)


@contextmanager
def domain_errors(**fields: str) -> Iterator[None]:
    """Run a service; its refusal becomes a 400 with field errors instead of a 500."""
    try:
        yield
    except DjangoValidationError as exc:
        raise validation_error(exc, **fields) from exc


class IsOffice(BasePermission):
    """The CPO office only; anyone else signed in gets 404 (the office area is not shown)."""

    answers_404 = True  # documented in the OpenAPI schema (cpo_portal/api/schema.py)

    def has_permission(self, request: Any, view: Any) -> bool:
        if not is_office(request.user):
            raise NotFound
        return True


class IsAuditor(BasePermission):
    """Auditors only; anyone else signed in gets 404."""

    answers_404 = True

    def has_permission(self, request: Any, view: Any) -> bool:
        if not is_auditor(request.user):
            raise NotFound
        return True


# --- Input ------------------------------------------------------------------------------


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, default="", trim_whitespace=True
    )


class NoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=10000, default="")


# --- Output: the pieces -----------------------------------------------------------------


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


# --- Output: the sheet ------------------------------------------------------------------


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
    version = serializers.IntegerField(help_text="Send it back with the next save.")
    updated_by = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField()

    def get_updated_by(self, answer: Any) -> str | None:
        return name_of(answer.updated_by)


class ScoreOutput(serializers.Serializer):
    criterion_id = serializers.IntegerField()
    rating = serializers.ChoiceField(
        choices=[("", "—"), *Rating.choices], help_text="Empty until scored."
    )
    rationale = serializers.CharField()
    version = serializers.IntegerField(help_text="Send it back with the next save.")
    updated_by = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(allow_null=True)

    def get_updated_by(self, score: Any) -> str | None:
        return name_of(score.updated_by)


class SelfAssessmentRowOutput(serializers.Serializer):
    criterion = SheetCriterionOutput()
    answer = AnswerOutput(allow_null=True)
    evidence = EvidenceOutput(many=True)


class AuditRowOutput(SelfAssessmentRowOutput):
    score = ScoreOutput(allow_null=True, help_text="Null until the self-assessment is submitted.")
    findings = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_findings(self, row: Any) -> list[int]:
        return [f.pk for f in row.findings]


class SelfAssessmentBlockOutput(serializers.Serializer):
    area = AreaOutput()
    answered = serializers.IntegerField()
    rows = SelfAssessmentRowOutput(many=True)


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
    def get_shall_unanswered(self, sheet: Sheet) -> list[str]:
        return [row.criterion.code for row in sheet.shall_unanswered]


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
