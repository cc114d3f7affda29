"""Changes to a draft's schemes: the pass rule and the mapping."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError
from criteria.models import AssessmentCriterion, CatalogueVersion
from criteria.selectors.catalogue import catalogue_as_canonical
from criteria.services.catalogue import catalogue_create_draft, catalogue_import, catalogue_publish
from criteria.services.schemes import assessment_criterion_map, scheme_save
from tests.criteria.helpers import content_counts, two_category_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(office_user_without_mfa):
    return office_user_without_mfa


@pytest.fixture
def draft(office) -> CatalogueVersion:
    version, _outcome = catalogue_import(data=two_category_payload("draft-1"), by=office)
    return version


@pytest.fixture
def published(draft, office) -> CatalogueVersion:
    return catalogue_publish(version=draft, by=office)


def activity(verb: str | None = None) -> list[ActivityEntry]:
    with scopes_disabled():
        qs = ActivityEntry.objects.order_by("id")
        return list(qs.filter(verb=verb) if verb else qs)


def reload(version: CatalogueVersion) -> CatalogueVersion:
    return CatalogueVersion.objects.get(pk=version.pk)


def _snapshot(version: CatalogueVersion) -> tuple[Any, ...]:
    stored = reload(version)
    return (catalogue_as_canonical(stored), stored.content_hash, content_counts(), len(activity()))


def test_scheme_save_changes_the_pass_rule_and_logs_before_and_after(draft, office):
    scheme = draft.schemes.get(kind="organizational")

    scheme_save(scheme=scheme, by=office, should_share="0.80", validity_months=24)

    scheme.refresh_from_db()
    assert (str(scheme.should_share), scheme.validity_months) == ("0.80", 24)
    [entry] = activity("scheme.updated")
    assert entry.data["before"] == {"should_share": "0.75", "validity_months": "36"}
    assert entry.data["after"] == {"should_share": "0.80", "validity_months": "24"}


def test_scheme_save_refuses_a_share_above_one(draft, office):
    scheme = draft.schemes.get(kind="organizational")

    with pytest.raises(ValidationError):
        scheme_save(scheme=scheme, by=office, should_share="1.5")

    assert str(draft.schemes.get(pk=scheme.pk).should_share) == "0.75"


def test_mapping_is_visible_from_both_sides(draft, office):
    assessment = AssessmentCriterion.objects.get(scheme__version=draft, code="O-5.1")
    first, second = draft.criteria.get(code="2.1.1"), draft.criteria.get(code="2.1.2")

    assessment_criterion_map(assessment=assessment, criteria=[second, first], by=office)

    assert {c.code for c in assessment.verifies.all()} == {"2.1.1", "2.1.2"}
    assert {a.code for a in first.verified_by.all()} == {"O-5.1", "P-2.4.1"}
    assert {a.code for a in second.verified_by.all()} == {"O-5.1"}
    assert not draft.criteria.get(code="2.4.1").verified_by.filter(code="O-5.1").exists()
    [entry] = activity("mapping.updated")
    assert entry.details == {"before": ["2.4.1"], "after": ["2.1.1", "2.1.2"]}


def test_mapping_to_a_criterion_of_another_version_is_refused(published, office):
    other = catalogue_create_draft(source=published, code="other-1", by=office)
    assessment = AssessmentCriterion.objects.get(scheme__version=other, code="O-5.1")
    foreign = published.criteria.get(code="2.1.1")
    before = _snapshot(other)

    with pytest.raises(DomainError, match="same version"):
        assessment_criterion_map(
            assessment=assessment, criteria=[other.criteria.get(code="2.1.2"), foreign], by=office
        )

    assert _snapshot(other) == before
    assert list(assessment.verifies.values_list("code", flat=True)) == ["2.4.1"]
