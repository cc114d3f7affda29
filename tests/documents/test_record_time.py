"""Times on legal records (PDFs, receipts) are in UTC and say so, whatever the portal's zone
(Europe/Berlin: UTC+1 in winter, UTC+2 in summer) and the reader's language."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

WINTER = datetime(2026, 1, 15, 12, 5, 9, tzinfo=UTC)  # 13:05 in Berlin (CET)
SUMMER = datetime(2026, 7, 15, 12, 5, 9, tzinfo=UTC)  # 14:05 in Berlin (CEST)


def render(source: str, **context) -> str:
    return Template("{% load record_time %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("instant", "expected"),
    [(WINTER, "2026-01-15 12:05 UTC"), (SUMMER, "2026-07-15 12:05 UTC")],
)
@pytest.mark.parametrize("language", ["en", "de"])
def test_utc_prints_the_instant_in_utc_with_its_zone(instant, expected, language):
    with translation.override(language), timezone.override(ZoneInfo("Europe/Berlin")):
        assert render("{{ t|utc }}", t=instant) == expected


def test_utc_converts_a_value_given_in_another_zone():
    berlin_summer = SUMMER.astimezone(ZoneInfo("Europe/Berlin"))
    assert berlin_summer.hour == 14
    assert render("{{ t|utc }}", t=berlin_summer) == "2026-07-15 12:05 UTC"


def test_utc_takes_a_format_with_seconds():
    assert render('{{ t|utc:"Y-m-d H:i:s" }}', t=WINTER) == "2026-01-15 12:05:09 UTC"


def test_utc_reads_a_naive_value_in_the_portal_zone(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    assert render("{{ t|utc }}", t=datetime(2026, 7, 15, 14, 5)) == "2026-07-15 12:05 UTC"


def test_utc_leaves_an_empty_value_empty():
    assert render("{{ t|utc }}|{{ t|utc|default:'—' }}", t=None) == "|—"
