"""Reads of the assessment schemes."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from criteria.models import CatalogueVersion, SchemeKind
from criteria.selectors.schemes import scheme_of_version, schemes_of_version
from criteria.services.catalogue import catalogue_import
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


def _queries(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


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


def test_schemes_of_version_with_areas_criteria_and_mapping(version):
    organizational, product = schemes_of_version(version)

    assert (organizational.kind, product.kind) == ("organizational", "product")
    [area] = product.areas.all()
    assert area.category.number == "2.4"
    [assessment] = area.criteria.all()
    assert sorted(c.code for c in assessment.verifies.all()) == ["2.1.1", "2.4.1"]
    assert scheme_of_version(version, SchemeKind.PRODUCT) == product
    assert scheme_of_version(CatalogueVersion.objects.create(code="empty"), "product") is None


def test_schemes_of_version_query_count_does_not_grow_with_size(small_and_large):
    small, large = small_and_large

    assert _queries(lambda: _walk_schemes(small)) == _queries(lambda: _walk_schemes(large))
