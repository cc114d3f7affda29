"""Migrations carry existing rows forward."""

import pytest
from django.db import connection

from certification.services.self_assessment import self_assessment_answer
from tests.migrations import migrate, rows

from .helpers import criteria_of


@pytest.mark.django_db(transaction=True)
def test_0003_answer_version_gives_existing_answers_version_one(assigned, alice):
    criterion = criteria_of(assigned)[0]
    answer = self_assessment_answer(
        application=assigned,
        criterion_id=criterion.pk,
        status="partially",
        explanation="Kept across the migration.",
        by=alice,
    )
    table = "certification_selfassessmentanswer"
    rows(f"UPDATE {table} SET version = 7 WHERE id = %s", answer.pk)
    try:
        migrate(("certification", "0002_certificates"))
        columns = [
            c.name
            for c in connection.introspection.get_table_description(connection.cursor(), table)
        ]
        assert "version" not in columns
        migrate(("certification", "0003_answer_version"))
        assert rows(
            f"SELECT status, explanation, updated_by_id, version FROM {table} WHERE id = %s",
            answer.pk,
        ) == [("partially", "Kept across the migration.", alice.pk, 1)]
    finally:
        migrate()
