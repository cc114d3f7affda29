"""The shipped demo catalogue: complete, bilingual, clearly illustrative, shaped like the CPO."""

from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest

from criteria.demo import DEMO_CATALOGUE, seed
from criteria.interchange import normalize
from criteria.models import AssessmentCriterion, CatalogueVersion, Obligation, VersionStatus
from criteria.selectors.catalogue import catalogue_as_canonical
from criteria.selectors.schemes import schemes_of_version
from criteria.services.catalogue import catalogue_import
from tests.criteria.helpers import demo_payload

pytestmark = pytest.mark.django_db

CATEGORIES = [
    ("2.1", "interoperability", "Interoperability"),
    ("2.2", "infrastructure", "Infrastructure"),
    ("2.3", "extensibility", "Extensibility"),
    ("2.4", "interfaces", "Interfaces"),
    ("2.5", "standards", "Standards"),
    ("2.6", "architecture", "Architecture"),
    ("2.7", "partnership", "Partnership"),
]

ORGANIZATIONAL_AREAS = [
    "Management",
    "Transparency",
    "Quality management",
    "Product lifecycle planning",
    "Organizational measures to safeguard interfaces",
    "Organizational measures to promote integration",
    "Customer focus",
    "Organizational measures to provide for modularization",
]


@pytest.fixture
def demo(office_user_without_mfa) -> CatalogueVersion:
    version, outcome = catalogue_import(data=demo_payload(), by=office_user_without_mfa)
    assert outcome == "created"
    return version


def test_demo_file_imports_cleanly(demo):
    assert demo.code == "demo-1"
    assert DEMO_CATALOGUE.name == "demo.yaml"
    assert catalogue_as_canonical(demo) == normalize(demo_payload())


def test_demo_has_the_seven_categories_in_order(demo):
    categories = list(demo.categories.order_by("position"))

    assert [(c.number, c.key, c.title_en) for c in categories] == CATEGORIES


def test_demo_has_at_least_five_criteria_in_every_category(demo):
    per_category = Counter(demo.criteria.values_list("category__number", flat=True))

    assert set(per_category) == {number for number, _key, _title in CATEGORIES}
    assert min(per_category.values()) >= 5


def test_demo_mixes_all_three_obligations_in_every_category(demo):
    for category in demo.categories.all():
        assert set(category.criteria.values_list("obligation", flat=True)) == set(
            Obligation.values
        ), category.number


def test_demo_criteria_cover_every_signee_group(demo):
    groups = {
        g for applies_to in demo.criteria.values_list("applies_to", flat=True) for g in applies_to
    }

    assert groups == {"it_customer", "it_vendor", "it_service_provider"}


def test_extensibility_has_the_shall_criterion_about_a_development_environment(demo):
    matches = demo.criteria.filter(
        category__key="extensibility",
        obligation=Obligation.SHALL,
        text_en__icontains="development environment",
    )

    [criterion] = matches
    assert "extensions" in criterion.text_en
    assert "Entwicklungsumgebung" in criterion.text_de


def test_interfaces_has_the_shall_criterion_about_documented_maintained_interfaces(demo):
    shall = demo.criteria.filter(category__key="interfaces", obligation=Obligation.SHALL)

    matches = [
        c
        for c in shall
        if "documentation" in f"{c.title_en} {c.text_en}".lower()
        and "maintained" in f"{c.title_en} {c.text_en}".lower()
        and "interface" in c.text_en.lower()
    ]

    assert matches, [c.text_en for c in shall]
    assert "Schnittstelle" in matches[0].text_de


def test_organizational_scheme_has_the_eight_subject_areas_in_order(demo):
    scheme = demo.schemes.get(kind="organizational")
    areas = list(scheme.areas.order_by("position"))

    assert [a.title_en for a in areas] == ORGANIZATIONAL_AREAS
    assert [a.number for a in areas] == [str(n) for n in range(1, 9)]
    assert all(a.category_id is None for a in areas)
    for area in areas:
        assert area.criteria.count() >= 3, area.title_en


def test_product_scheme_areas_follow_the_categories(demo):
    scheme = demo.schemes.get(kind="product")
    areas = list(scheme.areas.select_related("category").order_by("position"))

    assert [a.category.number for a in areas] == [number for number, _k, _t in CATEGORIES]
    assert all(a.category.version_id == demo.pk for a in areas)
    assert all(a.criteria.exists() for a in areas)


def test_every_assessment_criterion_verifies_at_least_one_criterion(demo):
    assessments = AssessmentCriterion.objects.filter(scheme__version=demo).prefetch_related(
        "verifies"
    )

    assert assessments
    for assessment in assessments:
        verified = list(assessment.verifies.all())
        assert verified, assessment.code
        assert {c.version_id for c in verified} == {demo.pk}


def test_most_criteria_are_verified_by_an_assessment_criterion(demo):
    unverified = demo.criteria.filter(verified_by__isnull=True)

    assert unverified.count() <= demo.criteria.count() // 10


def _texts(node: Any, path: str = "") -> list[tuple[str, dict[str, str]]]:
    """Every text object of a canonical payload, with its path."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}" if path else key
            if key in ("title", "text", "description", "notes") and isinstance(value, dict):
                found.append((here, value))
            else:
                found += _texts(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _texts(value, f"{path}[{i}]")
    return found


def test_every_demo_text_is_given_in_english_and_german(demo):
    canonical = catalogue_as_canonical(demo)
    texts = _texts(canonical)

    assert canonical["languages"] == ["en", "de"]
    assert len(texts) > 100
    missing = [path for path, text in texts if set(text) != {"en", "de"}]
    assert missing == []
    # Product areas take their title from the category; every category has a description.
    assert all(c["description"] for c in canonical["categories"])


def test_demo_is_labelled_illustrative(demo):
    assert demo.is_demo is True
    assert "illustrative" in demo.title_en.lower()
    assert "illustrativ" in demo.title_de.lower()
    assert "not the official text" in demo.notes_en
    assert "nicht der offizielle Text" in demo.notes_de


def test_demo_pass_rules_are_the_defaults(demo):
    rules = {
        s.kind: (str(s.should_share), s.validity_months, s.surveillance_months)
        for s in schemes_of_version(demo)
    }

    assert rules == {"organizational": ("0.75", 36, 12), "product": ("0.75", 36, 12)}


def test_demo_codes_are_unique_and_prefixed_by_their_category(demo):
    for criterion in demo.criteria.select_related("category"):
        assert criterion.code.startswith(f"{criterion.category.number}."), criterion.code
    for assessment in AssessmentCriterion.objects.filter(scheme__version=demo):
        prefix = "O-" if assessment.scheme.kind == "organizational" else "P-"
        assert assessment.code.startswith(prefix), assessment.code


def test_seed_imports_and_publishes_the_demo_once(office_user_without_mfa, capsys):
    ctx = SimpleNamespace(office=office_user_without_mfa)

    seed(ctx)
    seed(ctx)

    version = CatalogueVersion.objects.get(code="demo-1")
    assert version.status == VersionStatus.PUBLISHED
    assert version.published_by == office_user_without_mfa
    out = capsys.readouterr().out
    assert "demo-1: created" in out
    assert "demo-1: unchanged" in out
    assert CatalogueVersion.objects.count() == 1
