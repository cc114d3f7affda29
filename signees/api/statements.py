"""The CPO Statement API: an organization's own statement (members only; others get 404)."""

from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.tenancy.selectors import organization_for_member_or_404

from ..models import (
    PUBLIC_STATEMENT_STATUSES,
    SIGNED_STATUSES,
    Fulfilment,
    SigneeGroup,
    Statement,
    StatementKind,
    StatementStatus,
)
from ..selectors.signing import signee_of_organization
from ..selectors.statements import statement_progress, statement_view, statements_of_signee

ORG_SLUG_PARAMETER = OpenApiParameter(
    "org_slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="Your organization's slug."
)


def _absolute(serializer: serializers.Serializer, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class StatementProgressOutput(serializers.Serializer):
    answered = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="Codes of the criteria not answered yet."
    )


class StatementAnswerOutput(serializers.Serializer):
    criterion = serializers.CharField(help_text="The criterion's code.")
    fulfilment = serializers.ChoiceField(choices=Fulfilment.choices)
    explanation = serializers.CharField()
    link = serializers.CharField()


class StatementVersionOutput(serializers.Serializer):
    number = serializers.IntegerField()
    status = serializers.CharField(help_text="published or superseded (or draft).")
    kind = serializers.ChoiceField(choices=StatementKind.choices)
    catalogue_version = serializers.CharField(source="catalogue_version.code")
    published_at = serializers.DateTimeField(allow_null=True)
    html_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, statement: Statement) -> str:
        slug = statement.signee.organization.slug
        return _absolute(self, reverse("signees:statement_version", args=[slug, statement.number]))


class StatementPublishedOutput(StatementVersionOutput):
    summary = serializers.CharField()
    external_url = serializers.CharField()
    file_sha256 = serializers.CharField()
    answers = serializers.SerializerMethodField()
    public_url = serializers.SerializerMethodField()

    @extend_schema_field(StatementAnswerOutput(many=True))
    def get_answers(self, statement: Statement) -> list[dict[str, Any]]:
        return list(self.context.get("answers", []))

    @extend_schema_field(OpenApiTypes.URI)
    def get_public_url(self, statement: Statement) -> str | None:
        if not statement.signee.is_listed:
            return None  # public pages exist only for approved signees
        slug = statement.signee.organization.slug
        return _absolute(self, reverse("signees:public_statement", args=[slug]))


class StatementDraftOutput(serializers.Serializer):
    number = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=StatementKind.choices)
    catalogue_version = serializers.CharField(source="catalogue_version.code")
    updated_at = serializers.DateTimeField()
    progress = StatementProgressOutput(source="*")


class StatementStatusOutput(serializers.Serializer):
    signed = serializers.BooleanField()
    group = serializers.ChoiceField(choices=SigneeGroup.choices, allow_null=True)
    mandatory = serializers.BooleanField(help_text="IT vendors must publish a CPO Statement.")
    due = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    published = StatementPublishedOutput(allow_null=True)
    draft = StatementDraftOutput(allow_null=True)
    versions = StatementVersionOutput(many=True)


def _answers(statement: Statement) -> list[dict[str, str]]:
    if statement.kind != StatementKind.ONLINE:
        return []
    rows = [row for block in statement_view(statement).blocks for row in block.rows]
    return [
        {
            "criterion": row.criterion.code,
            "fulfilment": row.answer.fulfilment,
            "explanation": row.answer.explanation,
            "link": row.answer.link,
        }
        for row in rows
        if row.answer is not None
    ]


class OrganizationStatementView(APIView):
    """Your organization's CPO Statement: the published version, the draft's progress and
    every version; members only, everyone else gets 404."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ORG_SLUG_PARAMETER], responses=StatementStatusOutput)
    def get(self, request: Request, org_slug: str) -> Response:
        organization, _membership = organization_for_member_or_404(org_slug, request.user)
        signee = signee_of_organization(organization)
        statements = statements_of_signee(signee) if signee else []
        published = next((s for s in statements if s.status == StatementStatus.PUBLISHED), None)
        draft = next((s for s in statements if s.status == StatementStatus.DRAFT), None)
        versions = [s for s in statements if s.status in PUBLIC_STATEMENT_STATUSES]
        signed = bool(signee and signee.status in SIGNED_STATUSES)
        mandatory = bool(signee and signee.group == SigneeGroup.IT_VENDOR)
        due = signee.statement_due if signee and mandatory and not versions else None
        answers = _answers(published) if published else []
        progress = statement_progress(draft) if draft else None
        data = {
            "signed": signed,
            "group": signee.group if signee else None,
            "mandatory": mandatory,
            "due": due,
            "overdue": bool(signed and due and due < timezone.localdate()),
            "published": published,
            "draft": draft
            and {
                "number": draft.number,
                "kind": draft.kind,
                "catalogue_version": draft.catalogue_version,
                "updated_at": draft.updated_at,
                "answered": progress.answered if progress else 0,
                "total": progress.total if progress else 0,
                "percent": progress.percent if progress else 0,
                "missing": [c.code for c in progress.missing] if progress else [],
            },
            "versions": versions,
        }
        context = {"request": request, "answers": answers}
        return Response(StatementStatusOutput(data, context=context).data)
