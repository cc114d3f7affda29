"""Reads of the assessment schemes of a catalogue version."""

from django.db.models import Prefetch

from ..models import AssessmentCriterion, AssessmentScheme, CatalogueVersion, Criterion, SubjectArea


def schemes_of_version(version: CatalogueVersion) -> list[AssessmentScheme]:
    """Both schemes with areas, assessment criteria and the CPO criteria they verify."""
    return list(
        AssessmentScheme.objects.filter(version=version)
        .order_by("kind")
        .prefetch_related(
            Prefetch(
                "areas",
                queryset=SubjectArea.objects.select_related("category").order_by("position"),
            ),
            Prefetch(
                "areas__criteria",
                queryset=AssessmentCriterion.objects.order_by("position").prefetch_related(
                    Prefetch(
                        "verifies",
                        queryset=Criterion.objects.only(
                            "pk", "code", "obligation", "title_en", "title_de"
                        ),
                    )
                ),
            ),
        )
    )


def scheme_of_version(version: CatalogueVersion, kind: str) -> AssessmentScheme | None:
    """One scheme of the version by its kind, read like schemes_of_version(); None if absent."""
    return next((s for s in schemes_of_version(version) if s.kind == kind), None)
