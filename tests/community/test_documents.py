"""The annual report PDF is real text: poppler's pdftotext reads the year, the sections
and the figures back, and nothing of a hostile section survives."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from community.services import reports as services
from cpo_portal.documents.models import DocumentStatus
from cpo_portal.documents.services import document_render
from tests.community.helpers import pdf_text

YEAR = timezone.now().year


@pytest.mark.django_db
def test_report_pdf_contains_the_year_sections_and_figures(
    core_team, gamma_member, alice, pdftotext_path
):
    report = services.report_create(year=YEAR, by=alice)
    section = report.sections.first()
    services.report_section_save(
        report=report,
        section=section,
        by=alice,
        title="Foreword",
        body="A **good** year. <script>document.write('INJECTED')</script>",
    )
    services.report_snapshot_take(report=report, by=alice)
    requested = services.report_render(report=report, by=alice)
    document = document_render(document_id=requested.pk)
    assert document.status == DocumentStatus.READY, document.last_error

    text = pdf_text(pdftotext_path, document)
    assert f"CPO annual report {YEAR}" in text
    assert "Foreword" in text and "A good year." in text
    assert "INJECTED" not in text
    # Three community member organizations (Alpha, Beta: IT vendors; Gamma: IT customer),
    # written in the community table and at the end of its chart's bars.
    assert "Community members per group" in text or "Member organizations" in text
    assert "Turnout: 1 of 2 member organizations voted (50.0%)" in text
    assert "Alice Owner" in text


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize(
    ("instant", "shown", "berlin"),
    [
        (datetime(2026, 1, 15, 23, 30, tzinfo=UTC), "2026-01-15 23:30 UTC", "00:30"),
        (datetime(2026, 7, 15, 12, 5, tzinfo=UTC), "2026-07-15 12:05 UTC", "14:05"),
    ],
)
def test_report_pdf_states_when_the_figures_were_taken_in_utc(
    core_team, alice, pdftotext_path, language, instant, shown, berlin
):
    from django_scopes import scopes_disabled

    from community.models import AnnualReport
    from cpo_portal.documents.models import Document

    report = services.report_create(year=YEAR, by=alice)
    services.report_snapshot_take(report=report, by=alice)
    AnnualReport.objects.filter(pk=report.pk).update(snapshot_taken_at=instant)
    requested = services.report_render(report=report, by=alice)
    with scopes_disabled():
        Document.objects.filter(pk=requested.pk).update(language=language)
    document = document_render(document_id=requested.pk)
    assert document.status == DocumentStatus.READY, document.last_error

    text = pdf_text(pdftotext_path, document)
    assert shown in text
    assert berlin not in text


@pytest.mark.django_db
def test_german_report_pdf_has_german_figures(core_team, alice, pdftotext_path):
    """The figures (tables, chart labels) were built before the document's language was
    switched on: a German PDF listed the proposal states in English."""
    from django_scopes import scopes_disabled

    from cpo_portal.documents.models import Document

    report = services.report_create(year=YEAR, by=alice)
    services.report_snapshot_take(report=report, by=alice)
    requested = services.report_render(report=report, by=alice)
    with scopes_disabled():
        Document.objects.filter(pk=requested.pk).update(language="de")
    document = document_render(document_id=requested.pk)
    assert document.status == DocumentStatus.READY, document.last_error

    text = pdf_text(pdftotext_path, document)
    assert "In Diskussion" in text
    assert "Under discussion" not in text
