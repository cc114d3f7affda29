"""Percentages in the reader's language: "0,0 %" in German, "0.0%" in English.

cpo_portal/numbers.py is the one place that writes a percentage: the `percent` (a share,
0–1) and `percentage` (a number already in percent) filters, and the same functions for
Python code (the pass rule's reasons, charts).
"""

from decimal import Decimal

import pytest
from django.template import engines
from django.utils import translation

from community.charts import bar_chart, line_chart
from cpo_portal.numbers import percent, percentage


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", ["0 %", "0,0 %", "75 %", "87,5 %", "33,3 %", "12 %", "0,0 %"]),
        ("en", ["0%", "0.0%", "75%", "87.5%", "33.3%", "12%", "0.0%"]),
    ],
)
def test_percentages_are_written_in_the_language_of_the_reader(language, expected):
    with translation.override(language):
        assert [
            percent(Decimal(0)),
            percent(Decimal(0), 1),
            percent(Decimal("0.75")),
            percent(0.875, 1),
            percentage(33.3),
            percentage(12),
            percentage(0.0),
        ] == expected


def test_no_share_is_no_percentage():
    assert percent(None) == "" and percentage(None) == ""


@pytest.mark.parametrize(
    ("language", "expected"),
    [("de", "0,0 % · 75 % · 33,3 % · 7 %"), ("en", "0.0% · 75% · 33.3% · 7%")],
)
def test_the_filters_need_no_load(language, expected):
    template = engines["django"].from_string(
        "{{ zero|percent:1 }} · {{ share|percent }} · {{ turnout|percentage }} · "
        "{{ progress|percentage }}"
    )
    with translation.override(language):
        text = template.render(
            {"zero": Decimal(0), "share": Decimal("0.75"), "turnout": 33.3, "progress": 7}
        )
    assert text == expected


def test_chart_figures_are_written_in_the_language_of_the_reader():
    with translation.override("de"):
        bars = bar_chart([("IT vendor", 2.5)], title="Share")
        line = line_chart([("2025", 1.5), ("2026", 2.5)], title="Growth")
    assert ">2,5</text>" in bars and ">2.5<" not in bars
    assert ">1,5</text>" in line and ">1.5<" not in line
