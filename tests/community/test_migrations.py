"""Migrations carry existing rows forward."""

import pytest
from django.db import connection

from community.services import reports as services
from tests.migrations import migrate, rows


def columns(table):
    with connection.cursor() as cursor:
        return [c.name for c in connection.introspection.get_table_description(cursor, table)]


@pytest.mark.django_db(transaction=True)
def test_0002_reportsection_version_gives_existing_sections_version_one(core_team, alice):
    report = services.report_create(year=2025, by=alice)
    section = report.sections.order_by("position").first()
    services.report_section_save(
        report=report, section=section, by=alice, title="Foreword", body="Kept as written."
    )
    table = "community_reportsection"
    try:
        migrate(("community", "0001_initial"))
        assert "version" not in columns(table)
        migrate(("community", "0002_reportsection_version"))
        assert rows(
            f"SELECT report_id, position, title, body, updated_by_id, version FROM {table} "
            "WHERE id = %s",
            section.pk,
        ) == [(report.pk, 1, "Foreword", "Kept as written.", alice.pk, 1)]
        assert rows(f"SELECT COUNT(*), MIN(version), MAX(version) FROM {table}") == [(3, 1, 1)]
    finally:
        migrate()


@pytest.mark.django_db(transaction=True)
def test_0003_conference_version_gives_existing_conferences_version_one(office_user):
    from tests.community.helpers import make_conference

    conference = make_conference(office_user, published=True)
    table = "community_conference"
    try:
        migrate(("community", "0002_reportsection_version"))
        assert "version" not in columns(table)
        migrate(("community", "0003_conference_version"))
        assert rows(
            f"SELECT year, title, venue, capacity, is_published, version FROM {table} "
            "WHERE id = %s",
            conference.pk,
        ) == [(conference.year, "CPO Conference", "Darmstadt", 2, True, 1)]
    finally:
        migrate()


@pytest.mark.django_db(transaction=True)
def test_0004_puts_annual_report_pdfs_back_to_be_rendered_again(alpha):
    """Their election results may print an address: the sweeper renders them anew."""
    from datetime import UTC, datetime

    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from cpo_portal.documents.models import Document
    from cpo_portal.documents.services import document_sweep_stuck

    owner = {"owner_type": ContentType.objects.get_for_model(alpha), "owner_id": str(alpha.pk)}
    with scopes_disabled():
        report = Document.objects.create(
            kind="annual_report",
            title="Report",
            status="ready",
            attempts=1,
            status_changed_at=timezone.now(),
            sha256="a" * 64,
            **owner,
        )
        certificate = Document.objects.create(
            kind="certificate",
            title="Certificate",
            status="ready",
            status_changed_at=timezone.now(),
            **owner,
        )
    try:
        migrate(("community", "0003_conference_version"))
        migrate(("community", "0004_rerender_annual_reports"))
        with scopes_disabled():
            report.refresh_from_db()
            certificate.refresh_from_db()
        assert (report.status, report.attempts) == ("pending", 0)
        assert report.status_changed_at == datetime(2000, 1, 1, tzinfo=UTC)
        assert certificate.status == "ready"
    finally:
        migrate()
    from unittest import mock

    with mock.patch("cpo_portal.documents.services._queue") as queue:
        assert document_sweep_stuck() == 1  # the next sweep sends it to be rendered
    assert queue.call_args.args[0].pk == report.pk


@pytest.mark.django_db(transaction=True)
def test_0005_keeps_reports_and_marks_none_ready_for_review(core_team, alice):
    """Reports and sections are carried forward unchanged; no draft is 'ready' by itself."""
    report = services.report_create(year=2025, by=alice)
    table = "community_annualreport"
    try:
        migrate(("community", "0004_rerender_annual_reports"))
        assert "ready_at" not in columns(table)
        migrate(("community", "0005_report_review_images_member_import"))
        assert rows(
            f"SELECT year, title, ready_at, ready_by_id FROM {table} WHERE id = %s", report.pk
        ) == [(2025, report.title, None, None)]
        assert rows(
            "SELECT COUNT(*) FROM community_reportsection WHERE report_id = %s", report.pk
        ) == [(report.sections.count(),)]
    finally:
        migrate()
