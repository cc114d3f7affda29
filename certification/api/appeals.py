"""Appeals in the API, for the organization (/organizations/<org_slug>/appeals/…): members
read the organization's appeals with their history and the decisions it may appeal; owners
and admins file an appeal (a plain member gets 403). Anyone else gets 404, as for an unknown
slug or id. Refusals (after the period, another organization's decision, an appeal already
open on the decision) are 400s with the reason.
"""

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.api.fields import name_of, path_parameter
from cpo_portal.api.permissions import acting_user
from cpo_portal.api.refusals import domain_errors

from ..models import Appeal, AppealEvent
from ..selectors import appeals as selectors
from ..services import appeals as services
from ..services.certificates import certification_policy
from .applications import ORG_SLUG, organization_of

APPEAL_ID = path_parameter("appeal_id", "The appeal's id.")

# --- Output -----------------------------------------------------------------------------------


class AppealEventOutput(serializers.Serializer):
    action = serializers.CharField(help_text="filed, assign, decide, withdraw or follow_up")
    status_before = serializers.CharField()
    status_after = serializers.CharField()
    note = serializers.CharField()
    by = serializers.SerializerMethodField()
    at = serializers.DateTimeField()

    def get_by(self, event: AppealEvent) -> str | None:
        return name_of(event.by)


class AppealOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    subject = serializers.CharField(help_text="refusal, suspension, withdrawal, finding or other")
    application = serializers.IntegerField(source="application_id", allow_null=True)
    certificate = serializers.SerializerMethodField()
    finding = serializers.IntegerField(source="finding_id", allow_null=True)
    decision_on = serializers.DateField()
    grounds = serializers.CharField()
    status = serializers.CharField()
    filed_at = serializers.DateTimeField()
    due_on = serializers.DateField()
    decider = serializers.SerializerMethodField()
    outcome = serializers.CharField()
    reasons = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)

    def get_certificate(self, appeal: Appeal) -> str | None:
        return appeal.certificate.number if appeal.certificate else None

    def get_decider(self, appeal: Appeal) -> str | None:
        return name_of(appeal.decider)


class AppealDetailOutput(AppealOutput):
    events = AppealEventOutput(many=True)


class AppealItemOutput(serializers.Serializer):
    item = serializers.CharField(source="key", help_text="Give it to file an appeal.")
    subject = serializers.CharField()
    decision = serializers.CharField(source="label", help_text="The decision, in words.")
    decision_on = serializers.DateField()
    last_day = serializers.DateField(help_text="The last day to appeal this decision.")


class AppealInput(serializers.Serializer):
    item = serializers.CharField(max_length=40, help_text="An `item` of the decisions list.")
    grounds = serializers.CharField(max_length=20000)


def _detail(organization: Any, pk: Any, status: int = 200) -> Response:
    appeal = selectors.appeal_of_organization(organization, pk)
    if appeal is None:
        raise Http404
    data = dict(AppealOutput(appeal).data)
    data["events"] = AppealEventOutput(selectors.events_of_appeal(appeal), many=True).data
    return Response(data, status=status)


# --- Views ------------------------------------------------------------------------------------


class AppealListView(generics.ListAPIView):
    """Your organization's appeals (members); owners and admins file one."""

    permission_classes = [IsAuthenticated]
    serializer_class = AppealOutput

    @extend_schema(parameters=[ORG_SLUG])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        organization, _membership = organization_of(self.request, self.kwargs["org_slug"])
        return selectors.appeals_of_organization(organization)

    @extend_schema(
        parameters=[ORG_SLUG],
        request=AppealInput,
        responses={201: AppealDetailOutput},
        summary="Appeal one of your organization's certification decisions",
    )
    def post(self, request: Request, org_slug: str) -> Response:
        organization, membership = organization_of(request, org_slug)
        if not membership.is_admin:
            raise PermissionDenied
        data = AppealInput(data=request.data)
        data.is_valid(raise_exception=True)
        with domain_errors(item="item", period="item", duplicate="item", grounds="grounds"):
            appeal = services.appeal_file(
                organization=organization,
                item=data.validated_data["item"],
                grounds=data.validated_data["grounds"],
                by=acting_user(request),
            )
        return _detail(organization, appeal.pk, 201)


class AppealDetailView(APIView):
    """One appeal with its history; the outcome and reasons once decided."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ORG_SLUG, APPEAL_ID], responses=AppealDetailOutput)
    def get(self, request: Request, org_slug: str, appeal_id: int) -> Response:
        organization, _membership = organization_of(request, org_slug)
        return _detail(organization, appeal_id)


class AppealDecisionsView(APIView):
    """The decisions your organization may appeal, each with the last day to appeal it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ORG_SLUG], responses=AppealItemOutput(many=True))
    def get(self, request: Request, org_slug: str) -> Response:
        organization, _membership = organization_of(request, org_slug)
        items = selectors.appealable_items(
            organization, appeal_days=certification_policy().appeal_days
        )
        return Response(AppealItemOutput(items, many=True).data)
