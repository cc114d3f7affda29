"""factory_boy factories of the criteria app (the payloads of the interchange format are in
tests/criteria/helpers.py).

`build_version()` writes a version of any size in a handful of bulk queries, for tests
that compare small and large catalogues.
"""

import factory

from criteria.groups import SigneeGroup
from criteria.models import (
    AssessmentCriterion,
    AssessmentScheme,
    CatalogueVersion,
    Category,
    Criterion,
    Obligation,
    SchemeKind,
    SubjectArea,
    VersionStatus,
)

ALL_GROUPS = [g.value for g in SigneeGroup]


class CatalogueVersionFactory(factory.django.DjangoModelFactory):
    """A bilingual draft."""

    class Meta:
        model = CatalogueVersion

    code = factory.Sequence(lambda n: f"v-{n}")
    title_en = factory.Sequence(lambda n: f"Catalogue {n}")
    title_de = factory.Sequence(lambda n: f"Katalog {n}")
    languages = factory.LazyFunction(lambda: ["en", "de"])
    status = VersionStatus.DRAFT


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    version = factory.SubFactory(CatalogueVersionFactory)
    number = factory.Sequence(lambda n: f"2.{n + 1}")
    key = factory.Sequence(lambda n: f"category_{n}")
    title_en = factory.Sequence(lambda n: f"Category {n}")
    title_de = factory.Sequence(lambda n: f"Kategorie {n}")
    position = factory.Sequence(lambda n: n)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    category = factory.SubFactory(CategoryFactory)
    version = factory.SelfAttribute("category.version")
    code = factory.Sequence(lambda n: f"C-{n}")
    title_en = factory.Sequence(lambda n: f"Criterion {n}")
    title_de = factory.Sequence(lambda n: f"Kriterium {n}")
    text_en = "The vendor documents every interface."
    text_de = "Der Anbieter dokumentiert jede Schnittstelle."
    obligation = Obligation.SHALL
    applies_to = factory.LazyFunction(lambda: list(ALL_GROUPS))
    position = factory.Sequence(lambda n: n)


class AssessmentSchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentScheme

    version = factory.SubFactory(CatalogueVersionFactory)
    kind = SchemeKind.ORGANIZATIONAL
    title_en = "Organizational assessment scheme"
    title_de = "Organisatorisches Bewertungsschema"


class SubjectAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubjectArea

    scheme = factory.SubFactory(AssessmentSchemeFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    title_en = factory.Sequence(lambda n: f"Area {n}")
    title_de = factory.Sequence(lambda n: f"Bereich {n}")
    position = factory.Sequence(lambda n: n)


class AssessmentCriterionFactory(factory.django.DjangoModelFactory):
    """`verifies=[criterion, ...]` sets the mapping."""

    class Meta:
        model = AssessmentCriterion
        skip_postgeneration_save = True

    area = factory.SubFactory(SubjectAreaFactory)
    scheme = factory.SelfAttribute("area.scheme")
    code = factory.Sequence(lambda n: f"O-{n}")
    title_en = factory.Sequence(lambda n: f"Assessment criterion {n}")
    title_de = factory.Sequence(lambda n: f"Bewertungskriterium {n}")
    text_en = "The auditor checks the interface documentation."
    text_de = "Die Auditorin prüft die Schnittstellendokumentation."
    obligation = Obligation.SHALL
    position = factory.Sequence(lambda n: n)

    @factory.post_generation
    def verifies(self, create, extracted, **kwargs):
        if create and extracted:
            self.verifies.set(extracted)


def build_version(
    code: str,
    n_criteria: int,
    *,
    categories: int = 7,
    status: str = VersionStatus.DRAFT,
    with_schemes: bool = True,
) -> CatalogueVersion:
    """A version with `n_criteria` criteria spread over the categories, in bulk queries.

    Criteria are coded `2.<category>.<n>`; obligations cycle shall/should/may; with schemes,
    every criterion is verified by one organizational and one product assessment criterion.
    """
    version = CatalogueVersionFactory(code=code, status=status)
    cats = Category.objects.bulk_create(
        Category(
            version=version,
            number=f"2.{i + 1}",
            key=f"category_{i + 1}",
            title_en=f"Category {i + 1}",
            title_de=f"Kategorie {i + 1}",
            position=i,
        )
        for i in range(categories)
    )
    obligations = list(Obligation.values)
    criteria = Criterion.objects.bulk_create(
        Criterion(
            version=version,
            category=cats[i % categories],
            code=f"2.{i % categories + 1}.{i // categories + 1}",
            title_en=f"Criterion {i}",
            title_de=f"Kriterium {i}",
            text_en=f"The vendor documents interface number {i} and keeps it current.",
            text_de=f"Der Anbieter dokumentiert Schnittstelle Nummer {i} und hält sie aktuell.",
            obligation=obligations[i % 3],
            applies_to=ALL_GROUPS[: i % 3 + 1],
            position=i // categories,
        )
        for i in range(n_criteria)
    )
    if not with_schemes:
        return version
    for kind in SchemeKind.values:
        scheme = AssessmentScheme.objects.create(version=version, kind=kind, title_en=kind)
        areas = SubjectArea.objects.bulk_create(
            SubjectArea(
                scheme=scheme,
                number=cat.number,
                category=cat if kind == SchemeKind.PRODUCT else None,
                title_en="" if kind == SchemeKind.PRODUCT else f"Area {cat.number}",
                position=cat.position,
            )
            for cat in cats
        )
        prefix = "O" if kind == SchemeKind.ORGANIZATIONAL else "P"
        assessments = AssessmentCriterion.objects.bulk_create(
            AssessmentCriterion(
                scheme=scheme,
                area=areas[i % categories],
                code=f"{prefix}-{criterion.code}",
                title_en=f"Check {criterion.code}",
                text_en=f"The auditor checks {criterion.code}.",
                obligation=criterion.obligation,
                position=i // categories,
            )
            for i, criterion in enumerate(criteria)
        )
        AssessmentCriterion.verifies.through.objects.bulk_create(
            AssessmentCriterion.verifies.through(assessmentcriterion_id=a.pk, criterion_id=c.pk)
            for a, c in zip(assessments, criteria, strict=True)
        )
    return version
