"""The read-only public catalogue API: versions, categories, criteria and diffs.

Anyone may read it. Drafts do not exist here: every lookup starts from the public
versions, so a draft's code answers 404 exactly like a code that was never used.
"""

from collections import Counter
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..diff import CriterionChange, catalogue_diff
from ..groups import SigneeGroup
from ..models import (
    CONTENT_LANGUAGES,
    AssessmentCriterion,
    CatalogueVersion,
    Category,
    Criterion,
    Obligation,
)
from ..selectors import catalogue as selectors

VERSION_PARAMETER = OpenApiParameter(
    "version", OpenApiTypes.STR, OpenApiParameter.PATH, description="Catalogue version code."
)
CODE_PARAMETER = OpenApiParameter(
    "code", OpenApiTypes.STR, OpenApiParameter.PATH, description="Criterion code, e.g. 2.4.1."
)


def public_version_or_404(code: str) -> CatalogueVersion:
    version = selectors.public_version(code)
    if version is None:
        raise Http404
    return version


# --- Output serializers ---------------------------------------------------------------


class LocalizedOutput(serializers.Serializer):
    """A text in each content language; null where the catalogue has none."""

    en = serializers.CharField(allow_null=True)
    de = serializers.CharField(allow_null=True)


def absolute(serializer: serializers.Serializer, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


def texts(obj: Any, name: str) -> dict[str, str | None]:
    return {lang: getattr(obj, f"{name}_{lang}") or None for lang in CONTENT_LANGUAGES}


class LocalizedField(serializers.Field):
    """Reads `<source>_en` / `<source>_de` of the object."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["source"] = "*"
        self.field_name_in_model = kwargs.pop("name")
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> dict[str, str | None]:
        return texts(value, self.field_name_in_model)


extend_schema_field(LocalizedOutput)(LocalizedField)


class CountsOutput(serializers.Serializer):
    total = serializers.IntegerField()
    shall = serializers.IntegerField()
    should = serializers.IntegerField()
    may = serializers.IntegerField()


class VersionOutput(serializers.ModelSerializer):
    title = LocalizedField(name="title")
    languages = serializers.ListField(child=serializers.ChoiceField(choices=CONTENT_LANGUAGES))
    criteria_count = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = CatalogueVersion
        fields = [
            "code",
            "title",
            "status",
            "is_demo",
            "languages",
            "published_at",
            "retired_at",
            "criteria_count",
            "url",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, version: CatalogueVersion) -> str:
        return absolute(self, reverse("api:catalogue-version", args=[version.code]))


class VersionDetailOutput(serializers.ModelSerializer):
    title = LocalizedField(name="title")
    notes = LocalizedField(name="notes")
    languages = serializers.ListField(child=serializers.ChoiceField(choices=CONTENT_LANGUAGES))
    counts = CountsOutput()
    categories = serializers.IntegerField(source="category_count")
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = CatalogueVersion
        fields = [
            "code",
            "title",
            "notes",
            "status",
            "is_demo",
            "languages",
            "published_at",
            "retired_at",
            "counts",
            "categories",
            "html_url",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, version: CatalogueVersion) -> str:
        return absolute(self, reverse("criteria:catalogue", args=[version.code]))


class CategoryOutput(serializers.ModelSerializer):
    title = LocalizedField(name="title")
    description = LocalizedField(name="description")
    counts = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["number", "key", "title", "description", "counts"]

    @extend_schema_field(CountsOutput)
    def get_counts(self, category: Category) -> dict[str, int]:
        counts = {o: getattr(category, f"count_{o}") for o in Obligation.values}
        return {"total": sum(counts.values()), **counts}


class FlagsOutput(serializers.Serializer):
    justification_required = serializers.BooleanField()
    evidence_required = serializers.BooleanField()
    not_applicable_allowed = serializers.BooleanField(source="na_allowed")


class CriterionOutput(serializers.ModelSerializer):
    category = serializers.CharField(source="category.number")
    title = LocalizedField(name="title")
    text = LocalizedField(name="text")
    applies_to = serializers.ListField(child=serializers.ChoiceField(choices=SigneeGroup.choices))
    flags = FlagsOutput(source="*")
    verified_by = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Criterion
        fields = [
            "code",
            "category",
            "title",
            "text",
            "obligation",
            "applies_to",
            "flags",
            "verified_by",
            "html_url",
        ]

    def get_verified_by(self, criterion: Criterion) -> list[str]:
        return [ac.code for ac in criterion.verified_by.all()]

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, criterion: Criterion) -> str:
        return absolute(
            self, reverse("criteria:criterion", args=[self.context["version"].code, criterion.code])
        )


class VerifierOutput(serializers.ModelSerializer):
    scheme = serializers.CharField(source="scheme.kind")
    area = serializers.CharField(source="area.number")
    title = LocalizedField(name="title")

    class Meta:
        model = AssessmentCriterion
        fields = ["code", "scheme", "area", "title", "obligation"]


class CriterionDetailOutput(CriterionOutput):
    verified_by = VerifierOutput(many=True, read_only=True)  # type: ignore[assignment]

    class Meta(CriterionOutput.Meta):
        pass


class ObligationChangeOutput(serializers.Serializer):
    code = serializers.CharField()
    obligation_before = serializers.CharField()
    obligation_after = serializers.CharField()
    category_before = serializers.CharField()
    category_after = serializers.CharField()
    applies_to_before = serializers.ListField(child=serializers.CharField())
    applies_to_after = serializers.ListField(child=serializers.CharField())
    changed_fields = serializers.ListField(
        child=serializers.CharField(),
        help_text='"obligation", "category", "applies_to", "title.en", "text.de", …',
    )


class DiffSummaryOutput(serializers.Serializer):
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    changed = serializers.IntegerField()
    reworded = serializers.IntegerField()
    obligation_changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class DiffOutput(serializers.Serializer):
    from_version = serializers.CharField()
    to_version = serializers.CharField()
    summary = DiffSummaryOutput()
    added = serializers.ListField(child=serializers.CharField())
    removed = serializers.ListField(child=serializers.CharField())
    changed = ObligationChangeOutput(many=True)


# --- Input serializers -------------------------------------------------------------------


class CriteriaFilterInput(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    obligation = serializers.ChoiceField(
        choices=Obligation.choices, required=False, allow_blank=True
    )
    group = serializers.ChoiceField(choices=SigneeGroup.choices, required=False, allow_blank=True)
    category = serializers.CharField(required=False, allow_blank=True, max_length=10)


class DiffInput(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        # `from` is a Python keyword: declared here instead of as a class attribute.
        return {
            "from": serializers.CharField(max_length=40),
            "to": serializers.CharField(max_length=40),
        }

    def _public(self, code: str) -> CatalogueVersion:
        version = selectors.public_version(code)
        if version is None:
            raise serializers.ValidationError(
                _("There is no published catalogue version “%(version)s”.") % {"version": code},
                code="unknown",
            )
        return version

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors = {}
        versions = {}
        for name in ("from", "to"):
            try:
                versions[name] = self._public(attrs[name])
            except serializers.ValidationError as exc:
                errors[name] = exc.detail
        if errors:
            raise serializers.ValidationError(errors)
        if versions["from"].pk == versions["to"].pk:
            raise serializers.ValidationError({"to": [_("Choose a version other than “from”.")]})
        return versions


# --- Views -----------------------------------------------------------------------------


class VersionListView(generics.ListAPIView):
    """Published and retired catalogue versions, newest first."""

    permission_classes = [AllowAny]
    serializer_class = VersionOutput

    def get_queryset(self) -> QuerySet[CatalogueVersion]:
        return selectors.public_versions().annotate(criteria_count=Count("criteria"))


class VersionDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(parameters=[VERSION_PARAMETER], responses=VersionDetailOutput)
    def get(self, request: Request, version: str) -> Response:
        found: Any = public_version_or_404(version)
        by_obligation = Counter(found.criteria.values_list("obligation", flat=True))
        found.counts = {
            "total": sum(by_obligation.values()),
            **{o: by_obligation[o] for o in Obligation.values},
        }
        found.category_count = found.categories.count()
        return Response(VersionDetailOutput(found, context={"request": request}).data)


class CategoryListView(generics.ListAPIView):
    """The categories of a version in order, with their criteria counts per obligation."""

    permission_classes = [AllowAny]
    serializer_class = CategoryOutput

    @extend_schema(parameters=[VERSION_PARAMETER])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Category]:
        found = public_version_or_404(self.kwargs["version"])
        per_obligation = {
            f"count_{o}": Count("criteria", filter=Q(criteria__obligation=o))
            for o in Obligation.values
        }
        return found.categories.annotate(**per_obligation).order_by("position")


class CriterionListView(generics.ListAPIView):
    """The criteria of a version in catalogue order; filter by text, obligation, group,
    category."""

    permission_classes = [AllowAny]
    serializer_class = CriterionOutput

    @extend_schema(parameters=[VERSION_PARAMETER, CriteriaFilterInput])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "version": self.version}

    def get_queryset(self) -> QuerySet[Criterion]:
        self.version = public_version_or_404(self.kwargs["version"])
        params = CriteriaFilterInput(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        qs = selectors.criteria_of_version(
            self.version,
            selectors.CatalogueFilter(
                q=data.get("q", ""),
                obligation=data.get("obligation", ""),
                group=data.get("group", ""),
            ),
        )
        if data.get("category"):
            qs = qs.filter(category__number=data["category"])
        return qs


class CriterionDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(parameters=[VERSION_PARAMETER, CODE_PARAMETER], responses=CriterionDetailOutput)
    def get(self, request: Request, version: str, code: str) -> Response:
        found = public_version_or_404(version)
        criterion = selectors.criterion_of_version(found, code)
        if criterion is None:
            raise Http404
        context = {"request": request, "version": found}
        return Response(CriterionDetailOutput(criterion, context=context).data)


def _changed_fields(change: CriterionChange) -> list[str]:
    fields = [
        name
        for name, flag in (
            ("obligation", change.obligation_changed),
            ("category", change.category_changed),
            ("applies_to", change.applies_to_changed),
        )
        if flag
    ]
    return fields + [f"{name}.{lang}" for name, langs in change.texts.items() for lang in langs]


class DiffView(APIView):
    """What changed from one public version to another, criterion by criterion."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[DiffInput], responses=DiffOutput)
    def get(self, request: Request) -> Response:
        params = DiffInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        old, new = params.validated_data["from"], params.validated_data["to"]
        result = catalogue_diff(old, new)
        data = {
            "from_version": old.code,
            "to_version": new.code,
            "summary": result.summary(),
            "added": [c.code for c in result.added],
            "removed": [c.code for c in result.removed],
            "changed": [
                {
                    "code": c.code,
                    "obligation_before": c.old.obligation,
                    "obligation_after": c.new.obligation,
                    "category_before": c.old.category.number,
                    "category_after": c.new.category.number,
                    "applies_to_before": c.old.applies_to,
                    "applies_to_after": c.new.applies_to,
                    "changed_fields": _changed_fields(c),
                }
                for c in result.changed
            ],
        }
        return Response(DiffOutput(data).data)
