"""The audit plan in the API, for the organization
(/organizations/<org_slug>/applications/<id>/plan/…): members read the plan in force, the
earlier versions and the objections; owners and admins confirm the plan or object to an
auditor of its team (a plain member gets 403). Anyone else gets 404, as for an unknown slug
or id. Refusals (after the objection deadline, a superseded plan, an auditor not on the
plan, a second pending objection) are 400s with the reason.
"""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.api.fields import name_of
from cpo_portal.api.permissions import acting_user
from cpo_portal.api.refusals import domain_errors
from cpo_portal.errors import DomainError

from ..duration import audit_duration
from ..models import AuditorObjection, AuditPlan, AuditPlanItem, PlanStatus
from ..selectors import plans as selectors
from ..selectors.plans import member_name
from ..services import plans as services
from .applications import (
    APPLICATION_ID,
    ORG_SLUG,
    admin_application,
    application_of,
    organization_of,
)

# --- Output -----------------------------------------------------------------------------------


class TeamMemberOutput(serializers.Serializer):
    assignment = serializers.IntegerField(help_text="Give it to object to this auditor.")
    name = serializers.CharField()
    role = serializers.CharField(help_text="lead or co")
    body = serializers.CharField(help_text="The auditor's auditing body.")


class AgendaItemOutput(serializers.Serializer):
    date = serializers.DateField()
    start_time = serializers.TimeField(allow_null=True)
    end_time = serializers.TimeField(allow_null=True)
    area = serializers.SerializerMethodField()
    topic = serializers.CharField()
    auditor = serializers.SerializerMethodField(help_text="Empty: the whole team.")

    def get_area(self, item: AuditPlanItem) -> str | None:
        return str(item.area) if item.area else None

    def get_auditor(self, item: AuditPlanItem) -> str | None:
        return name_of(item.auditor.user) if item.auditor else None


class PlanOutput(serializers.Serializer):
    number = serializers.IntegerField()
    status = serializers.CharField()
    mode = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    sites = serializers.CharField()
    site_count = serializers.IntegerField()
    method = serializers.CharField()
    person_days = serializers.DecimalField(max_digits=5, decimal_places=2)
    person_days_rule = serializers.DecimalField(max_digits=5, decimal_places=2)
    rule = serializers.SerializerMethodField(help_text="The duration rule's sum, term by term.")
    person_days_reason = serializers.CharField()
    team = serializers.SerializerMethodField()
    agenda = serializers.SerializerMethodField()
    change_note = serializers.CharField()
    objection_deadline = serializers.DateField(allow_null=True)
    sent_at = serializers.DateTimeField(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)
    confirmed_by = serializers.SerializerMethodField()

    def get_rule(self, plan: AuditPlan) -> str:
        areas = self.context.get("area_count", 0)
        kind = self.context["kind"]
        return audit_duration(
            scheme_kind=kind, site_count=plan.site_count, area_count=areas
        ).explanation

    def get_team(self, plan: AuditPlan) -> list[dict[str, Any]]:
        members = [
            {k: m.get(k, "") for k in ("assignment", "role", "body")} | {"name": member_name(m)}
            for m in plan.team
        ]
        return TeamMemberOutput(members, many=True).data  # type: ignore[return-value]

    def get_agenda(self, plan: AuditPlan) -> list[dict[str, Any]]:
        return AgendaItemOutput(plan.items.all(), many=True).data  # type: ignore[return-value]

    def get_confirmed_by(self, plan: AuditPlan) -> str | None:
        return name_of(plan.confirmed_by)


class ObjectionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.IntegerField(source="plan.number", help_text="The plan's version.")
    auditor = serializers.SerializerMethodField()
    reason = serializers.CharField()
    status = serializers.CharField()
    raised_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField()

    def get_auditor(self, objection: AuditorObjection) -> str | None:
        return name_of(objection.assignment.auditor.user)


class PlansOutput(serializers.Serializer):
    in_force = PlanOutput(allow_null=True)
    earlier = PlanOutput(many=True)
    objections = ObjectionOutput(many=True)
    objection_window_open = serializers.BooleanField()


def plans_response(application: Any, request: Request, status: int = 200) -> Response:
    versions = selectors.plans_of(application)
    in_force = next((p for p in versions if p.status in selectors.IN_FORCE), None)
    context = {
        "request": request,
        "kind": application.kind,
        "area_count": application.scheme.areas.count(),
    }
    data = {
        "in_force": in_force,
        "earlier": [p for p in versions if p.status == PlanStatus.SUPERSEDED],
        "objections": sorted(
            (o for p in versions for o in p.objections.all()), key=lambda o: (o.raised_at, o.pk)
        ),
        "objection_window_open": bool(in_force and services.objection_window_open(in_force)),
    }
    return Response(PlansOutput(data, context=context).data, status=status)


# --- Views ------------------------------------------------------------------------------------


class PlanView(APIView):
    """The audit plan in force, the earlier versions and the objections to auditors."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ORG_SLUG, APPLICATION_ID], responses=PlansOutput)
    def get(self, request: Request, org_slug: str, id: int) -> Response:
        organization, _membership = organization_of(request, org_slug)
        return plans_response(application_of(organization, id), request)


def _in_force(application: Any) -> AuditPlan:
    plan = selectors.plan_of(application)
    if plan is None:
        with domain_errors():
            raise DomainError(_("No audit plan has been sent to you yet."), code="no_plan")
    assert plan is not None
    return plan


class PlanConfirmView(APIView):
    """Confirm the plan in force and its team (owners and admins); it cannot be undone."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ORG_SLUG, APPLICATION_ID], request=None, responses=PlansOutput)
    def post(self, request: Request, org_slug: str, id: int) -> Response:
        application = admin_application(request, org_slug, id)
        plan = _in_force(application)
        with domain_errors():
            services.plan_confirm(plan=plan, by=acting_user(request))
        return plans_response(application, request)


class ObjectionInput(serializers.Serializer):
    assignment = serializers.IntegerField(help_text="The team member's `assignment`.")
    reason = serializers.CharField(max_length=5000)


class ObjectionView(APIView):
    """Object to one auditor of the plan in force, with a reason, until the deadline."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[ORG_SLUG, APPLICATION_ID], request=ObjectionInput, responses=PlansOutput
    )
    def post(self, request: Request, org_slug: str, id: int) -> Response:
        application = admin_application(request, org_slug, id)
        data = ObjectionInput(data=request.data)
        data.is_valid(raise_exception=True)
        plan = _in_force(application)
        chosen = next(
            (
                a
                for a in services.team_assignments(plan)
                if a.pk == data.validated_data["assignment"]
            ),
            None,
        )
        with domain_errors(not_on_plan="assignment", reason="reason"):
            if chosen is None:
                raise DomainError(_("This auditor is not on the plan."), code="not_on_plan")
            services.objection_raise(
                plan=plan,
                assignment=chosen,
                reason=data.validated_data["reason"],
                by=acting_user(request),
            )
        return plans_response(application, request, 201)
