"""Catalogue reads: public visibility, filters and counts, fixed query counts."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from criteria.models import CatalogueVersion, VersionStatus
from criteria.selectors.catalogue import (
    CatalogueFilter,
    all_versions_for_office,
    catalogue_as_canonical,
    catalogue_page,
    criteria_of_version,
    criterion_of_version,
    public_version,
    public_versions,
)
from criteria.selectors.schemes import schemes_of_version
from criteria.services.catalogue import catalogue_import, catalogue_publish, catalogue_retire
from tests.criteria.factories import build_version
from tests.criteria.helpers import two_category_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(office_user_without_mfa):
    return office_user_without_mfa


@pytest.fixture
def version(office) -> CatalogueVersion:
    """Published: 2.1.1 shall, 2.1.2 should, 2.4.1 shall, 2.4.2 may (it_customer only)."""
    version, _outcome = catalogue_import(
        data=two_category_payload("sel-1"), by=office, publish=True
    )
    return version


def codes(criteria) -> list[str]:
    return [c.code for c in criteria]


# --- Versions ----------------------------------------------------------------------------


def test_public_versions_are_published_and_retired_newest_first(office):
    first = catalogue_import(data=two_category_payload("p-1"), by=office, publish=True)[0]
    second = catalogue_import(data=two_category_payload("p-2"), by=office, publish=True)[0]
    catalogue_retire(version=first, by=office)
    draft = catalogue_import(data=two_category_payload("d-1"), by=office)[0]

    assert list(public_versions()) == [second, first]
    assert public_version("p-1") == first
    assert public_version("d-1") is None
    assert public_version("nope") is None
    assert set(all_versions_for_office()) == {first, second, draft}


def test_a_draft_becomes_public_when_published(office):
    draft = catalogue_import(data=two_category_payload("d-1"), by=office)[0]
    assert public_version("d-1") is None

    catalogue_publish(version=draft, by=office)

    assert public_version("d-1") == draft


# --- Criteria and filters ----------------------------------------------------------------


def test_criteria_of_version_are_in_display_order(version):
    assert codes(criteria_of_version(version)) == ["2.1.1", "2.1.2", "2.4.1", "2.4.2"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("neutral", ["2.1.1"]),  # English text
        ("NEUTRAL", ["2.1.1"]),  # case-insensitive
        ("export", ["2.1.1", "2.1.2"]),
        ("export help", ["2.1.2"]),  # every word must match
        ("gepflegt", ["2.4.1"]),  # German text
        ("Roadmap", ["2.4.2"]),  # English and German title
        ("Vollständiger", ["2.1.2"]),  # German title with an umlaut
        ("2.4", ["2.4.1", "2.4.2"]),  # code
        ("nowhere", []),
    ],
)
def test_search_matches_code_title_and_text_in_both_languages(version, q, expected):
    assert codes(criteria_of_version(version, CatalogueFilter(q=q))) == expected


@pytest.mark.parametrize(
    ("obligation", "expected"),
    [
        ("shall", ["2.1.1", "2.4.1"]),
        ("should", ["2.1.2"]),
        ("may", ["2.4.2"]),
        ("must", ["2.1.1", "2.1.2", "2.4.1", "2.4.2"]),  # unknown values filter nothing
    ],
)
def test_obligation_filter(version, obligation, expected):
    assert codes(criteria_of_version(version, CatalogueFilter(obligation=obligation))) == expected


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        ("it_customer", ["2.4.2"]),
        ("it_vendor", ["2.1.1", "2.1.2", "2.4.1"]),
        ("it_service_provider", ["2.1.2", "2.4.1"]),
    ],
)
def test_group_filter(version, group, expected):
    assert codes(criteria_of_version(version, CatalogueFilter(group=group))) == expected


def test_filters_combine(version):
    filters = CatalogueFilter(q="interface", obligation="shall", group="it_service_provider")

    assert codes(criteria_of_version(version, filters)) == ["2.4.1"]


def test_criteria_of_another_version_are_not_listed(version, office):
    other = catalogue_import(data=two_category_payload("sel-2"), by=office)[0]

    assert {c.version_id for c in criteria_of_version(version)} == {version.pk}
    assert {c.version_id for c in criteria_of_version(other)} == {other.pk}


def test_catalogue_page_counts_all_criteria_and_shows_the_filtered_ones(version):
    page = catalogue_page(version, CatalogueFilter(obligation="shall"))

    assert [b.category.number for b in page["blocks"]] == ["2.1", "2.4"]
    assert [codes(b.criteria) for b in page["blocks"]] == [["2.1.1"], ["2.4.1"]]
    # Counts describe the whole catalogue, not the filtered view.
    assert page["blocks"][0].counts == {"shall": 1, "should": 1, "may": 0}
    assert page["blocks"][1].counts == {"shall": 1, "should": 0, "may": 1}
    assert page["totals"] == {"shall": 2, "should": 1, "may": 1}
    assert page["total"] == 4
    assert page["shown"] == 2


def test_catalogue_page_keeps_categories_without_matches(version):
    page = catalogue_page(version, CatalogueFilter(q="roadmap"))

    assert [codes(b.criteria) for b in page["blocks"]] == [[], ["2.4.2"]]
    assert (page["shown"], page["total"]) == (1, 4)


def test_criterion_of_version_carries_the_assessment_criteria_that_verify_it(version):
    criterion = criterion_of_version(version, "2.4.1")

    assert criterion.category.number == "2.4"
    assert sorted(a.code for a in criterion.verified_by.all()) == ["O-5.1", "P-2.4.1"]
    assert criterion_of_version(version, "9.9.9") is None


def test_catalogue_as_canonical_of_a_draft_version(office):
    draft = catalogue_import(data=two_category_payload("d-1"), by=office)[0]

    canonical = catalogue_as_canonical(draft)

    assert draft.status == VersionStatus.DRAFT
    assert canonical["version"] == "d-1"
    assert [c["number"] for c in canonical["categories"]] == ["2.1", "2.4"]


# --- Query counts do not grow with the catalogue -----------------------------------------


def _queries(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


def _render_page(version: CatalogueVersion, filters: CatalogueFilter) -> list[Any]:
    """Touch everything the catalogue page shows."""
    page = catalogue_page(version, filters)
    seen: list[Any] = []
    for block in page["blocks"]:
        seen.append(str(block.category.title))
        for criterion in block.criteria:
            seen += [str(criterion.title), str(criterion.text), criterion.category.number]
            seen += criterion.applies_to_labels()
            seen += [(a.code, a.scheme.kind, str(a.title)) for a in criterion.verified_by.all()]
    return seen


def _walk_schemes(version: CatalogueVersion) -> list[Any]:
    seen: list[Any] = []
    for scheme in schemes_of_version(version):
        for area in scheme.areas.all():
            seen.append(area.category.number if area.category_id else area.number)
            for assessment in area.criteria.all():
                seen += [(c.code, c.obligation) for c in assessment.verifies.all()]
    return seen


@pytest.fixture
def small_and_large(db) -> tuple[CatalogueVersion, CatalogueVersion]:
    return build_version("small", 50), build_version("large", 500)


@pytest.mark.parametrize(
    "filters",
    [
        CatalogueFilter(),
        CatalogueFilter(q="interface documents", obligation="shall"),
        CatalogueFilter(group="it_vendor"),
    ],
    ids=["unfiltered", "search", "group"],
)
def test_catalogue_page_query_count_does_not_grow_with_size(
    small_and_large, filters, django_assert_max_num_queries
):
    small, large = small_and_large

    assert _queries(lambda: _render_page(small, filters)) == _queries(
        lambda: _render_page(large, filters)
    )
    with django_assert_max_num_queries(5):
        _render_page(large, filters)


def test_catalogue_as_canonical_query_count_does_not_grow_with_size(
    small_and_large, django_assert_max_num_queries
):
    small, large = small_and_large

    assert _queries(lambda: catalogue_as_canonical(small)) == _queries(
        lambda: catalogue_as_canonical(large)
    )
    with django_assert_max_num_queries(6):
        canonical = catalogue_as_canonical(large)
    assert sum(len(c["criteria"]) for c in canonical["categories"]) == 500
