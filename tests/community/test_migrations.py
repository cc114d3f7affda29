"""Migrations carry existing rows forward."""

import pytest
from django.db import connection

from community import services
from tests.community.core_team import *  # noqa: F403
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
    from tests.community.test_conference_rules import make_conference

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
