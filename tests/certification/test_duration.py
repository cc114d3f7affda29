"""The documented rule for an audit's duration (certification/duration.py)."""

from decimal import Decimal

import pytest
from django.utils import translation

from certification.duration import audit_duration, round_up


@pytest.mark.parametrize(
    ("kind", "sites", "areas", "days"),
    [
        ("organizational", 1, 4, "1.5"),
        ("organizational", 2, 4, "2.0"),  # + 0.5 for the second site
        ("organizational", 1, 8, "2.5"),  # + 4 × 0.25 for the areas beyond four
        ("organizational", 3, 8, "3.5"),
        ("product", 1, 4, "1.0"),
        ("product", 1, 7, "2.0"),  # 1.75 rounded up to the half day
        ("product", 2, 5, "2.0"),  # 1.75 rounded up
        ("product", 1, 0, "1.0"),  # fewer areas than four take nothing away
        ("product", 0, 4, "1.0"),  # no site is counted as one
    ],
)
def test_the_rule(kind, sites, areas, days):
    assert audit_duration(scheme_kind=kind, site_count=sites, area_count=areas).person_days == (
        Decimal(days)
    )


def test_the_explanation_names_each_term_and_the_result():
    duration = audit_duration(scheme_kind="organizational", site_count=2, area_count=4)
    assert duration.lines == ("1.5 base (Organizational)", "+ 0.5 × 1 additional site", "= 2.0")
    assert duration.explanation == "1.5 base (Organizational) + 0.5 × 1 additional site = 2.0"


def test_the_explanation_says_when_it_rounds_up():
    duration = audit_duration(scheme_kind="product", site_count=3, area_count=7)
    assert duration.lines == (
        "1.0 base (Product)",
        "+ 0.5 × 2 additional sites",
        "+ 0.25 × 3 subject areas beyond 4",
        "= 2.75, rounded up to the half day: 3.0",
    )
    assert duration.person_days == Decimal("3.00")


def test_the_explanation_follows_the_language():
    with translation.override("de"):
        duration = audit_duration(scheme_kind="product", site_count=1, area_count=5)
    assert duration.lines[0].startswith("1,0")
    assert duration.lines[-1].endswith("1,5")


def test_unknown_scheme_kinds_are_refused():
    with pytest.raises(ValueError):
        audit_duration(scheme_kind="personal", site_count=1, area_count=4)


@pytest.mark.parametrize(
    ("value", "rounded"), [("1.5", "1.5"), ("1.51", "2.0"), ("0.25", "0.5"), ("3", "3.0")]
)
def test_round_up_to_the_half_day(value, rounded):
    assert round_up(Decimal(value)) == Decimal(rounded)
