"""Reads of the catalogue. Public readers only ever see published or retired versions."""

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django_scopes import scopes_disabled

from cpo_portal.documents.models import Document

from ..documents import CATALOGUE_DOCUMENT_KIND
from ..interchange import FORMAT
from ..models import (
    CONTENT_LANGUAGES,
    PUBLIC_VERSION_STATUSES,
    AssessmentCriterion,
    AssessmentScheme,
    CatalogueVersion,
    Category,
    Criterion,
    Obligation,
    VersionStatus,
)
from .schemes import schemes_of_version

# The columns of the office's CSV export of a version's criteria.
CSV_COLUMNS = [
    "version",
    "category",
    "code",
    "obligation",
    "applies_to",
    "title_en",
    "title_de",
    "text_en",
    "text_de",
]


def public_versions() -> QuerySet[CatalogueVersion]:
    """Published and retired versions, newest publication first."""
    return CatalogueVersion.objects.filter(status__in=PUBLIC_VERSION_STATUSES).order_by(
        "-published_at", "-pk"
    )


def current_published_version() -> CatalogueVersion | None:
    """The catalogue in force: the most recently published version that is not retired."""
    return (
        CatalogueVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .order_by("-published_at", "-pk")
        .first()
    )


def _plausible(code: str, limit: int) -> bool:
    # Codes are plain tokens; anything else (NUL, slashes, huge strings) names nothing, and
    # answering before the database also keeps PostgreSQL from refusing a NUL byte.
    return bool(re.fullmatch(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{limit - 1}}}", code))


def public_version(code: str) -> CatalogueVersion | None:
    if not _plausible(code, 40):
        return None
    return public_versions().filter(code=code).first()


def all_versions_for_office() -> QuerySet[CatalogueVersion]:
    return CatalogueVersion.objects.select_related("published_by", "cloned_from").order_by(
        "-created_at", "-pk"
    )


def _count(model: Any, **match: Any) -> Subquery:
    rows = (
        model.objects.filter(**match).order_by().values(*match).annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)  # type: ignore[return-value]


def versions_with_counts_for_office() -> QuerySet[CatalogueVersion]:
    """Every version, drafts included, with its numbers of categories, criteria and schemes."""
    return all_versions_for_office().annotate(
        category_count=_count(Category, version=OuterRef("pk")),
        criterion_count=_count(Criterion, version=OuterRef("pk")),
        scheme_count=_count(AssessmentScheme, version=OuterRef("pk")),
    )


@dataclass
class Summary:
    """What a version holds, for the confirmation pages and the import message."""

    categories: int
    criteria: int
    by_obligation: list[tuple[str, int]]
    schemes: int
    assessment_criteria: int
    mappings: int


def version_summary(version: CatalogueVersion) -> Summary:
    """What a version holds, counted."""
    per_obligation = dict(
        version.criteria.order_by()
        .values_list("obligation")
        .annotate(n=Count("pk"))
        .values_list("obligation", "n")
    )
    return Summary(
        categories=version.categories.count(),
        criteria=sum(per_obligation.values()),
        by_obligation=[
            (str(label), per_obligation.get(value, 0)) for value, label in Obligation.choices
        ],
        schemes=version.schemes.count(),
        assessment_criteria=AssessmentCriterion.objects.filter(scheme__version=version).count(),
        mappings=AssessmentCriterion.verifies.through.objects.filter(
            criterion__version=version
        ).count(),
    )


def verifiers_for_office(criterion: Criterion) -> QuerySet[AssessmentCriterion]:
    """The assessment criteria that verify `criterion`, each with its number of links
    (links == 1: it verifies nothing once this criterion is gone)."""
    return (
        criterion.verified_by.select_related("scheme")
        .annotate(
            links=_count(AssessmentCriterion.verifies.through, assessmentcriterion=OuterRef("pk"))
        )
        .order_by("code")
    )


def criteria_csv_rows(version: CatalogueVersion) -> Iterator[list[Any]]:
    """The version's criteria as rows of CSV_COLUMNS, in catalogue order, fetched in chunks."""
    rows = (
        Criterion.objects.filter(version=version)
        .select_related("category")
        .order_by("category__position", "position")
        .only(
            "code",
            "obligation",
            "applies_to",
            "title_en",
            "title_de",
            "text_en",
            "text_de",
            "category__number",
        )
    )
    for c in rows.iterator(chunk_size=500):
        yield [
            version.code,
            c.category.number,
            c.code,
            c.obligation,
            " ".join(c.applies_to),
            c.title_en,
            c.title_de,
            c.text_en,
            c.text_de,
        ]


@dataclass
class CatalogueFilter:
    q: str = ""
    obligation: str = ""
    group: str = ""


def _search(qs: QuerySet[Criterion], q: str) -> QuerySet[Criterion]:
    for word in q.split()[:8]:
        match = Q(code__icontains=word)
        for lang in CONTENT_LANGUAGES:
            match |= Q(**{f"title_{lang}__icontains": word}) | Q(
                **{f"text_{lang}__icontains": word}
            )
        qs = qs.filter(match)
    return qs


def criteria_of_version(
    version: CatalogueVersion, filters: CatalogueFilter | None = None
) -> QuerySet[Criterion]:
    """Criteria in display order, filtered; two queries whatever the size (with mapping)."""
    qs = Criterion.objects.filter(version=version).select_related("category")
    filters = filters or CatalogueFilter()
    if filters.obligation in Obligation.values:
        qs = qs.filter(obligation=filters.obligation)
    if filters.q:
        qs = _search(qs, filters.q)
    qs = qs.order_by("category__position", "position")
    if filters.group:
        # applies_to is a short JSON list; filtered in Python for SQLite/PostgreSQL parity.
        wanted = {pk for pk, gs in qs.values_list("pk", "applies_to") if filters.group in gs}
        qs = qs.filter(pk__in=wanted)
    return qs.prefetch_related(
        Prefetch(
            "verified_by",
            queryset=AssessmentCriterion.objects.select_related("scheme").only(
                "pk", "code", "scheme__kind", "title_en", "title_de"
            ),
        )
    )


@dataclass
class CategoryBlock:
    category: Category
    criteria: list[Criterion]
    counts: dict[str, int]


def catalogue_page(version: CatalogueVersion, filters: CatalogueFilter) -> dict[str, Any]:
    """Everything the catalogue page shows, in a fixed number of queries."""
    categories = list(version.categories.order_by("position"))
    criteria = list(criteria_of_version(version, filters))
    by_category: dict[int, list[Criterion]] = {c.pk: [] for c in categories}
    for criterion in criteria:
        by_category[criterion.category_id].append(criterion)
    all_counts = Counter(
        (row["category_id"], row["obligation"])
        for row in Criterion.objects.filter(version=version).values("category_id", "obligation")
    )
    blocks = [
        CategoryBlock(
            category=c,
            criteria=by_category[c.pk],
            counts={o: all_counts[(c.pk, o)] for o in Obligation.values},
        )
        for c in categories
    ]
    totals = {o: sum(all_counts[(c.pk, o)] for c in categories) for o in Obligation.values}
    return {
        "blocks": blocks,
        "totals": totals,
        "total": sum(totals.values()),
        "shown": len(criteria),
    }


def criterion_of_version(version: CatalogueVersion, code: str) -> Criterion | None:
    if not _plausible(code, 20):
        return None
    return (
        Criterion.objects.filter(version=version, code=code)
        .select_related("category")
        .prefetch_related(
            Prefetch(
                "verified_by",
                queryset=AssessmentCriterion.objects.select_related("scheme", "area"),
            )
        )
        .first()
    )


def _texts(obj: Any, name: str, languages: list[str]) -> dict[str, str]:
    return {
        lang: getattr(obj, f"{name}_{lang}")
        for lang in languages
        if getattr(obj, f"{name}_{lang}", "")
    }


def catalogue_as_canonical(version: CatalogueVersion) -> dict[str, Any]:
    """The version in the interchange format (the inverse of the import)."""
    languages = [lang for lang in CONTENT_LANGUAGES if lang in version.languages] or list(
        CONTENT_LANGUAGES
    )
    categories = list(version.categories.order_by("position"))
    criteria = list(version.criteria.order_by("category__position", "position"))
    per_category: dict[int, list[Criterion]] = {c.pk: [] for c in categories}
    for criterion in criteria:
        per_category[criterion.category_id].append(criterion)
    order = {c.pk: i for i, c in enumerate(criteria)}
    out: dict[str, Any] = {
        "format": FORMAT,
        "version": version.code,
        "title": _texts(version, "title", languages),
        "languages": languages,
        "demo": version.is_demo,
        "notes": _texts(version, "notes", languages),
        "categories": [
            {
                "number": c.number,
                "key": c.key,
                "title": _texts(c, "title", languages),
                "description": _texts(c, "description", languages),
                "criteria": [
                    {
                        "code": cr.code,
                        "title": _texts(cr, "title", languages),
                        "text": _texts(cr, "text", languages),
                        "obligation": cr.obligation,
                        "applies_to": list(cr.applies_to),
                        "justification_required": cr.justification_required,
                        "evidence_required": cr.evidence_required,
                        "not_applicable_allowed": cr.na_allowed,
                    }
                    for cr in per_category[c.pk]
                ],
            }
            for c in categories
        ],
        "schemes": [],
    }
    for scheme in schemes_of_version(version):
        areas = []
        for area in scheme.areas.all():
            entry: dict[str, Any] = (
                {"category": area.category.number}
                if area.category_id and area.category is not None
                else {"number": area.number, "title": _texts(area, "title", languages)}
            )
            entry["criteria"] = [
                {
                    "code": ac.code,
                    "title": _texts(ac, "title", languages),
                    "text": _texts(ac, "text", languages),
                    "obligation": ac.obligation,
                    "justification_required": ac.justification_required,
                    "evidence_required": ac.evidence_required,
                    "not_applicable_allowed": ac.na_allowed,
                    # In catalogue order, as the import normalizes it: a round trip is stable.
                    "verifies": [
                        c.code for c in sorted(ac.verifies.all(), key=lambda c: order[c.pk])
                    ],
                }
                for ac in area.criteria.all()
            ]
            areas.append(entry)
        out["schemes"].append(
            {
                "kind": scheme.kind,
                "title": _texts(scheme, "title", languages),
                "pass_rule": {
                    "should_share": float(scheme.should_share),
                    "validity_months": scheme.validity_months,
                    "surveillance_months": scheme.surveillance_months,
                },
                "subject_areas": areas,
            }
        )
    return out


def catalogue_pdf_document(version: CatalogueVersion, language: str) -> Document | None:
    """The printable edition of `version` in `language`, if it was requested (one query)."""
    with scopes_disabled():  # a portal-wide document: no organization
        return (
            Document.objects.filter(
                kind=CATALOGUE_DOCUMENT_KIND,
                owner_type=ContentType.objects.get_for_model(CatalogueVersion),
                owner_id=str(version.pk),
                language=language,
            )
            .order_by("-created_at", "-pk")
            .first()
        )
