"""Catalogues for the criteria tests, built through the import service from small payloads
(tests/criteria/helpers.py).

The fixtures import the common shapes, each named after what it is: a published bilingual
catalogue (`catalogue_v1`), its successor (`catalogue_v2`: one added, one removed, one
reworded, one obligation raised), a draft, an English-only and a retired one, a demo-flagged
one, and a 500-criteria catalogue for query counts. The shipped demo catalogue is the root
`catalogue` fixture (tests/conftest.py).
"""

import pytest
from rest_framework.test import APIClient

from criteria.models import CatalogueVersion
from criteria.services.catalogue import catalogue_retire

from .helpers import (
    big_payload,
    catalogue_payload,
    criterion_entry,
    import_catalogue,
    successor_payload,
)


@pytest.fixture
def catalogue_v1(db) -> CatalogueVersion:
    """The published bilingual catalogue "v1"."""
    return import_catalogue(catalogue_payload("v1"))


@pytest.fixture
def catalogue_v2(catalogue_v1) -> CatalogueVersion:
    """The successor of v1, published after it (so it is the current version)."""
    return import_catalogue(successor_payload("v2"))


@pytest.fixture
def draft_catalogue(db) -> CatalogueVersion:
    """A draft with a unique title that must never leak to the public."""
    payload = catalogue_payload("draft-9")
    criterion_entry(payload, "2.1.1")["title"] = {"en": "Secret draft title", "de": "Geheim"}
    return import_catalogue(payload, publish=False)


@pytest.fixture
def english_only_catalogue(db) -> CatalogueVersion:
    return import_catalogue(catalogue_payload("en-1", languages=["en"]))


@pytest.fixture
def retired_catalogue(db) -> CatalogueVersion:
    version = import_catalogue(catalogue_payload("old-0.9"))
    return catalogue_retire(version=version, by=None)


@pytest.fixture
def demo_catalogue(db) -> CatalogueVersion:
    return import_catalogue(catalogue_payload("demo-t", demo=True))


@pytest.fixture
def big_catalogue(db) -> CatalogueVersion:
    """504 criteria in seven categories, each verified by one product assessment criterion."""
    return import_catalogue(big_payload("big-1"))


@pytest.fixture
def api():
    return APIClient()
