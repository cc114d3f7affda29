"""factory_boy factories of the criteria app, and payloads of the interchange format.

`catalogue_payload()` is a small but complete `cpo-catalogue/1` payload (two categories,
both schemes, mapping links); every call returns a fresh copy that a test may mutate.
`build_version()` writes a version of any size in a handful of bulk queries, for tests
that compare small and large catalogues.
"""

import copy
from typing import Any

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


# --- Interchange payloads ----------------------------------------------------------------


def _texts(languages: tuple[str, ...], en: str, de: str) -> dict[str, str]:
    return {lang: value for lang, value in (("en", en), ("de", de)) if lang in languages}


def catalogue_payload(
    version: str = "test-1", *, languages: tuple[str, ...] = ("en", "de")
) -> dict[str, Any]:
    """A valid payload: 2.1 (two criteria) and 2.4 (two criteria), both schemes."""

    def t(en: str, de: str) -> dict[str, str]:
        return _texts(languages, en, de)

    payload = {
        "format": "cpo-catalogue/1",
        "version": version,
        "title": t("Test catalogue", "Testkatalog"),
        "languages": list(languages),
        "demo": False,
        "notes": t("For tests only.", "Nur für Tests."),
        "categories": [
            {
                "number": "2.1",
                "key": "interoperability",
                "title": t("Interoperability", "Interoperabilität"),
                "description": t("Working together.", "Zusammenarbeit."),
                "criteria": [
                    {
                        "code": "2.1.1",
                        "title": t("Neutral formats", "Neutrale Formate"),
                        "text": t(
                            "The system exports its data in a neutral format.",
                            "Das System exportiert seine Daten in einem neutralen Format.",
                        ),
                        "obligation": "shall",
                        "applies_to": ["it_vendor"],
                        "evidence_required": True,
                    },
                    {
                        "code": "2.1.2",
                        "title": t("Complete export", "Vollständiger Export"),
                        "text": t(
                            "Customers can export all their data without help.",
                            "Kunden können alle ihre Daten ohne Hilfe exportieren.",
                        ),
                        "obligation": "should",
                        "applies_to": ["it_vendor", "it_service_provider"],
                        "justification_required": True,
                    },
                ],
            },
            {
                "number": "2.4",
                "key": "interfaces",
                "title": t("Interfaces", "Schnittstellen"),
                "criteria": [
                    {
                        "code": "2.4.1",
                        "title": t("Documented interfaces", "Dokumentierte Schnittstellen"),
                        "text": t(
                            "Every offered interface is documented and maintained.",
                            "Jede angebotene Schnittstelle ist dokumentiert und gepflegt.",
                        ),
                        "obligation": "shall",
                        "applies_to": ["it_vendor", "it_service_provider"],
                        "evidence_required": True,
                    },
                    {
                        "code": "2.4.2",
                        "title": t("Interface roadmap", "Schnittstellen-Roadmap"),
                        "text": t(
                            "The customer plans its interfaces with a roadmap.",
                            "Der Kunde plant seine Schnittstellen mit einer Roadmap.",
                        ),
                        "obligation": "may",
                        "applies_to": ["it_customer"],
                        "not_applicable_allowed": True,
                    },
                ],
            },
        ],
        "schemes": [
            {
                "kind": "organizational",
                "title": t("Organizational scheme", "Organisatorisches Schema"),
                "pass_rule": {
                    "should_share": 0.75,
                    "validity_months": 36,
                    "surveillance_months": 12,
                },
                "subject_areas": [
                    {
                        "number": "5",
                        "title": t("Safeguarding interfaces", "Sicherung von Schnittstellen"),
                        "criteria": [
                            {
                                "code": "O-5.1",
                                "title": t("Interface owner", "Schnittstellenverantwortung"),
                                "text": t(
                                    "Every interface has a named owner.",
                                    "Jede Schnittstelle hat eine verantwortliche Person.",
                                ),
                                "obligation": "shall",
                                "evidence_required": True,
                                "verifies": ["2.4.1"],
                            }
                        ],
                    }
                ],
            },
            {
                "kind": "product",
                "title": t("Product scheme", "Produktschema"),
                "subject_areas": [
                    {
                        "category": "2.4",
                        "criteria": [
                            {
                                "code": "P-2.4.1",
                                "title": t("Documentation sample", "Stichprobe"),
                                "text": t(
                                    "The auditor checks a sample of interfaces.",
                                    "Die Auditorin prüft eine Stichprobe von Schnittstellen.",
                                ),
                                "obligation": "should",
                                "verifies": ["2.4.1", "2.1.1"],
                            }
                        ],
                    }
                ],
            },
        ],
    }
    return copy.deepcopy(payload)


def demo_payload() -> dict[str, Any]:
    """The shipped demo catalogue, parsed."""
    from criteria.demo import demo_catalogue_data

    return demo_catalogue_data()


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


def content_counts() -> dict[str, int]:
    """Rows of every catalogue table: an import that was refused must not change them."""
    return {
        "versions": CatalogueVersion.objects.count(),
        "categories": Category.objects.count(),
        "criteria": Criterion.objects.count(),
        "schemes": AssessmentScheme.objects.count(),
        "areas": SubjectArea.objects.count(),
        "assessment_criteria": AssessmentCriterion.objects.count(),
        "mappings": AssessmentCriterion.verifies.through.objects.count(),
    }
