"""Migrations carry existing rows forward."""

import hashlib

import pytest
from django.db import connection
from django.utils.html import escape
from django_scopes import scope

from criteria.models import Criterion
from signees.models import DeclarationFormat, Signature
from signees.services.statements import statement_answer_save, statement_start_draft
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


@pytest.mark.django_db(transaction=True)
def test_0004_existing_signatures_keep_their_exact_text_and_are_marked_escaped(
    signed, alpha, alice
):
    """Signatures stored before 0004 keep their text byte for byte (their recorded SHA-256
    still verifies) and are marked as recorded HTML-escaped, so they read plain."""
    old_apps = migrate(("signees", "0003_answer_version"))
    OldSignature = old_apps.get_model("signees", "Signature")
    text = str(escape('DECLARATION\n\nMüller & Söhne "Quote" <b>, Germany\n'))
    sha = hashlib.sha256(text.encode()).hexdigest()
    old = OldSignature.objects.create(
        signee_id=signed.pk,
        catalogue_version_id=signed.catalogue_version_id,
        group="it_vendor",
        declaration_text=text,
        declaration_sha256=sha,
        signatory_name="Alice Owner",
        signatory_position="CEO",
        authority_confirmed=True,
        signed_by_id=alice.pk,
        signed_at="2026-01-15T12:05:09Z",
    )

    migrate(("signees", "0004_signature_declaration_format"))
    # Back to the newest state of every app (the test database is left as it was found).
    migrate()

    with scope(organization=alpha):
        carried = Signature.objects.get(pk=old.pk)
        made_before = Signature.objects.exclude(pk=old.pk).get()
    assert carried.declaration_text == text
    assert carried.declaration_sha256 == sha
    assert carried.declaration_verifies
    assert carried.declaration_format == DeclarationFormat.HTML_ESCAPED
    assert carried.declaration_as_signed == ('DECLARATION\n\nMüller & Söhne "Quote" <b>, Germany\n')
    # Every row present before the migration was written by the escaping template.
    assert made_before.declaration_format == DeclarationFormat.HTML_ESCAPED
    assert made_before.declaration_verifies
    # New signatures are plain text.
    assert Signature._meta.get_field("declaration_format").default == DeclarationFormat.TEXT


@pytest.mark.django_db(transaction=True)
def test_0005_existing_statements_are_based_on_nothing(catalogue, alpha):
    """A statement written before 0005 keeps its rows and answers; it was started from no
    earlier statement, so it shows no differences."""
    from tests.signees.factories import StatementFactory

    with scope(organization=alpha):
        statement = StatementFactory(signee__organization=alpha, published=True)
    try:
        migrate(("signees", "0004_signature_declaration_format"))
        migrate(("signees", "0005_statement_based_on"))
        assert rows(
            "SELECT number, status, based_on_id FROM signees_statement WHERE id = %s", statement.pk
        ) == [(statement.number, "published", None)]
    finally:
        migrate()
