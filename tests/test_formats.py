"""Dates and times in sentences: no format of the portal ends in a full stop.

Sentences such as "Counted on {{ when }}." put a full stop after a formatted date or time.
Django's English time format ("P": "2:30 p.m.", "midnight") ends in one itself, which
printed "p.m.." all over the portal; cpo_portal/formats/ sets the portal's own formats.
"""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.utils import formats, translation

BERLIN = ZoneInfo("Europe/Berlin")
MOMENTS = [
    datetime(2026, 3, 3, 0, 0, tzinfo=BERLIN),
    datetime(2026, 3, 3, 9, 5, tzinfo=BERLIN),
    datetime(2026, 9, 14, 12, 0, tzinfo=BERLIN),
    datetime(2026, 12, 31, 14, 30, tzinfo=BERLIN),
]
DATE_FORMATS = ["DATE_FORMAT", "SHORT_DATE_FORMAT", "YEAR_MONTH_FORMAT", "MONTH_DAY_FORMAT"]
DATETIME_FORMATS = ["DATETIME_FORMAT", "SHORT_DATETIME_FORMAT"]


@pytest.mark.parametrize("language", ["en", "de"])
def test_no_date_or_time_format_ends_in_a_full_stop(language):
    with translation.override(language):
        texts = [formats.date_format(m, name) for m in MOMENTS for name in DATE_FORMATS]
        texts += [formats.date_format(m, name) for m in MOMENTS for name in DATETIME_FORMATS]
        texts += [formats.time_format(m.time(), "TIME_FORMAT") for m in MOMENTS]
    assert [t for t in texts if t.endswith(".")] == []


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_sentence_ending_with_a_time_has_one_full_stop(language):
    template = engines["django"].from_string(
        '{% load i18n %}{% blocktranslate with when=moment|date:"DATETIME_FORMAT" %}'
        "Counted on {{ when }}.{% endblocktranslate %} "
        '{% blocktranslate with when=moment|date:"SHORT_DATETIME_FORMAT" %}'
        "Last changed by {{ who }} on {{ when }}.{% endblocktranslate %} "
        'Saved at {{ moment|time:"TIME_FORMAT" }}.'
    )
    with translation.override(language):
        for moment in MOMENTS:
            text = template.render({"moment": moment, "who": "Olga"})
            assert ".." not in text, text


def test_english_times_are_on_the_24_hour_clock():
    with translation.override("en"):
        assert formats.time_format(time(14, 30), "TIME_FORMAT") == "14:30"
        assert formats.date_format(MOMENTS[3], "DATETIME_FORMAT") == "Dec. 31, 2026, 14:30"
        # ISO, not "03/03/2026": month and day are never confused.
        assert formats.date_format(MOMENTS[0], "SHORT_DATETIME_FORMAT") == "2026-03-03 00:00"
        assert formats.date_format(MOMENTS[3], "SHORT_DATE_FORMAT") == "2026-12-31"
    with translation.override("de"):
        assert formats.date_format(MOMENTS[3], "DATETIME_FORMAT") == "31. Dezember 2026 14:30"
