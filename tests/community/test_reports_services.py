"""The annual report's services: who may create, change, render and publish; snapshot
determinism; a published report is frozen."""

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from community.markdown import render_markdown
from community.models import AnnualReport, ReportSection
from community.report_figures import present, take_snapshot
from community.services import proposals as proposal_services
from community.services import reports as services
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.documents.models import DocumentStatus
from cpo_portal.documents.services import document_render
from cpo_portal.errors import DomainError
from tests.community.helpers import pdf_text

YEAR = timezone.now().year


def _activity_count(**lookup):
    with scopes_disabled():
        return ActivityEntry.objects.filter(**lookup).count()


# --- Who may do what; snapshot determinism; publishing -----------------------------------


@pytest.fixture
def report(core_team, alice):
    return services.report_create(year=YEAR, by=alice)


def _render(report, by):
    # The tests never commit, so nothing is queued: render in-process, as the worker does.
    document = services.report_render(report=report, by=by)
    return document_render(document_id=document.pk)


def test_only_core_team_and_office_create_reports(core_team, bob, charlie, office_user):
    before = _activity_count()
    for outsider in (bob, charlie):
        with pytest.raises(DomainError):
            services.report_create(year=YEAR, by=outsider)
    assert not AnnualReport.objects.exists()
    assert _activity_count() == before
    report = services.report_create(year=YEAR, by=office_user)
    assert report.sections.count() == 3
    with pytest.raises(DomainError):
        services.report_create(year=YEAR, by=office_user)
    assert AnnualReport.objects.count() == 1


def test_sections_are_kept_as_written_and_sanitized_on_output(report, alice, bob):
    section = services.report_section_save(
        report=report, by=alice, title="Intro", body="Hi <script>x()</script>"
    )
    assert section.body == "Hi <script>x()</script>"
    assert "<script" not in render_markdown(section.body)
    with pytest.raises(DomainError):
        services.report_section_save(report=report, by=bob, title="No", body="")
    assert not ReportSection.objects.filter(title="No").exists()


def test_rerendering_from_the_same_snapshot_gives_the_same_figures(
    report, alice, alpha, beta, pdftotext_path
):
    services.report_snapshot_take(report=report, by=alice)
    report.refresh_from_db()
    frozen = report.snapshot
    first = _render(report, alice)
    assert first.status == DocumentStatus.READY, first.last_error
    text_before = pdf_text(pdftotext_path, first)
    assert str(YEAR) in text_before

    # The data changes: a community member leaves the signee list, a proposal comes in.
    from signees.models import Signee

    with scopes_disabled():
        Signee.objects.filter(organization=beta).update(status="withdrawn")
    proposal_services.proposal_submit(
        organization=alpha, by=alice, kind="new", title="N", rationale="R"
    )
    assert take_snapshot(YEAR)["signees"]["total"] != frozen["signees"]["total"]

    second = _render(report, alice)
    report.refresh_from_db()
    assert report.snapshot == frozen
    assert present(report.snapshot) == present(frozen)
    assert pdf_text(pdftotext_path, second) == text_before

    # Only an explicit refresh takes the new figures.
    services.report_snapshot_take(report=report, by=alice)
    report.refresh_from_db()
    assert report.snapshot["signees"]["total"] == frozen["signees"]["total"] - 1


def test_publish_rules(report, alice, office_user):
    def refused(code):
        with pytest.raises(DomainError) as exc:
            services.report_publish(report=report, by=office_user)
        assert exc.value.code == code
        report.refresh_from_db()
        assert report.published_at is None

    # The Core Team writes; only the office publishes.
    with pytest.raises(DomainError):
        services.report_publish(report=report, by=alice)
    refused("no_snapshot")
    with pytest.raises(DomainError):
        services.report_render(report=report, by=alice)  # figures first
    services.report_snapshot_take(report=report, by=alice)
    refused("empty")
    section = report.sections.first()
    services.report_section_save(
        report=report, section=section, by=alice, title="Foreword", body="Hello"
    )
    refused("pdf_outdated")
    document = _render(report, alice)
    assert document.status == DocumentStatus.READY
    # An edit after rendering makes the PDF out of date again.
    services.report_section_save(
        report=report, section=section, by=alice, title="Foreword", body="Hello!"
    )
    refused("pdf_outdated")
    _render(report, alice)
    services.report_publish(report=report, by=office_user)
    report.refresh_from_db()
    assert report.published_at is not None and report.published_by == office_user
    assert _activity_count(verb="report.published") == 1


def test_a_published_report_is_frozen(report, alice, office_user):
    services.report_snapshot_take(report=report, by=alice)
    section = report.sections.first()
    services.report_section_save(report=report, section=section, by=alice, title="F", body="Text")
    _render(report, alice)
    services.report_publish(report=report, by=office_user)
    report.refresh_from_db()
    frozen = (report.snapshot, report.snapshot_taken_at)
    for attempt in (
        lambda: services.report_snapshot_take(report=report, by=alice),
        lambda: services.report_section_save(
            report=report, section=section, by=alice, title="X", body="Y"
        ),
        lambda: services.report_section_save(report=report, by=alice, title="New", body="Y"),
        lambda: services.report_section_delete(section=section, by=alice),
        lambda: services.report_publish(report=report, by=office_user),
    ):
        with pytest.raises(DomainError):
            attempt()
    report.refresh_from_db()
    section.refresh_from_db()
    assert (report.snapshot, report.snapshot_taken_at) == frozen
    assert (section.title, section.body) == ("F", "Text")
    assert report.sections.count() == 3
    # Re-rendering stays possible (a template fix) and reads the same frozen figures.
    document = _render(report, office_user)
    assert document.status == DocumentStatus.READY
