"""Migrations carry existing rows forward."""

import pytest
from django.db import connection

from criteria.models import Criterion
from signees.statements import statement_answer_save, statement_start_draft
from tests.migrations import migrate, rows


@pytest.mark.django_db(transaction=True)
def test_0003_answer_version_gives_existing_answers_version_one(approved, alice):
    draft = statement_start_draft(signee=approved, by=alice)
    criterion = Criterion.objects.get(version=draft.catalogue_version, code="2.1.2")
    answer = statement_answer_save(
        statement=draft,
        criterion=criterion,
        fulfilment="partially",
        explanation="Kept across the migration.",
        link="https://example.org/api",
        by=alice,
    )
    table = "signees_statementanswer"
    rows(f"UPDATE {table} SET version = 7 WHERE id = %s", answer.pk)
    try:
        migrate(("signees", "0002_statementreminder"))
        columns = [
            c.name
            for c in connection.introspection.get_table_description(connection.cursor(), table)
        ]
        assert "version" not in columns
        assert "updated_by_id" not in columns
        migrate(("signees", "0003_answer_version"))
        assert rows(
            f"SELECT fulfilment, explanation, link, updated_by_id, version FROM {table} "
            "WHERE id = %s",
            answer.pk,
        ) == [("partially", "Kept across the migration.", "https://example.org/api", None, 1)]
    finally:
        migrate()
