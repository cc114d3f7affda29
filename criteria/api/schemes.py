"""The read-only public API of the assessment schemes of a public catalogue version."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import AssessmentCriterion, AssessmentScheme, SubjectArea
from ..selectors.schemes import schemes_of_version
from .catalogue import (
    VERSION_PARAMETER,
    FlagsOutput,
    LocalizedField,
    LocalizedOutput,
    public_version_or_404,
    texts,
)


class AssessmentCriterionOutput(serializers.ModelSerializer):
    title = LocalizedField(name="title")
    text = LocalizedField(name="text")
    flags = FlagsOutput(source="*")
    verifies = serializers.SerializerMethodField()

    class Meta:
        model = AssessmentCriterion
        fields = ["code", "title", "text", "obligation", "flags", "verifies"]

    def get_verifies(self, ac: AssessmentCriterion) -> list[str]:
        return [c.code for c in ac.verifies.all()]


class SubjectAreaOutput(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    category = serializers.CharField(source="category.number", allow_null=True, default=None)
    criteria = AssessmentCriterionOutput(many=True, read_only=True)

    class Meta:
        model = SubjectArea
        fields = ["number", "category", "title", "criteria"]

    @extend_schema_field(LocalizedOutput)
    def get_title(self, area: SubjectArea) -> dict[str, str | None]:
        # A product scheme's areas are the CPO categories and carry their titles.
        return texts(area.category if area.category_id else area, "title")


class PassRuleOutput(serializers.Serializer):
    should_share = serializers.DecimalField(max_digits=3, decimal_places=2, coerce_to_string=False)
    validity_months = serializers.IntegerField()
    surveillance_months = serializers.IntegerField()


class SchemeOutput(serializers.ModelSerializer):
    title = LocalizedField(name="title")
    pass_rule = PassRuleOutput(source="*")
    subject_areas = SubjectAreaOutput(source="areas", many=True, read_only=True)

    class Meta:
        model = AssessmentScheme
        fields = ["kind", "title", "pass_rule", "subject_areas"]


class SchemeListView(APIView):
    """Both assessment schemes of a version (at most two, so not paginated)."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[VERSION_PARAMETER], responses=SchemeOutput(many=True))
    def get(self, request: Request, version: str) -> Response:
        found = public_version_or_404(version)
        return Response(SchemeOutput(schemes_of_version(found), many=True).data)
