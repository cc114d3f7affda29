"""Migration signees 0004: signatures stored before it keep their text byte for byte (their
recorded SHA-256 still verifies) and are marked as recorded HTML-escaped, so they read plain."""

import hashlib

import pytest
from django.utils.html import escape
from django_scopes import scope

from signees.models import DeclarationFormat, Signature
from tests.migrations import migrate

BEFORE = ("signees", "0003_answer_version")
AFTER = ("signees", "0004_signature_declaration_format")


@pytest.mark.django_db(transaction=True)
def test_existing_signatures_keep_their_exact_text_and_are_marked_escaped(signed, alpha, alice):
    old_apps = migrate(BEFORE)
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

    migrate(AFTER)
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
