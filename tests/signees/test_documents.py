"""The signed declaration PDF is an exact legal record: the declaration as signed (not
HTML-escaped), its hash, and the time of signing in UTC, saying so, in winter and summer."""

import hashlib
import html
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils.html import escape
from django_scopes import scope, scopes_disabled

from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.documents.services import document_render
from cpo_portal.tenancy.services import organization_create
from signees.models import DeclarationFormat, Signature

from .helpers import sign

pytestmark = pytest.mark.django_db

NAME = 'Müller & Söhne "Quote" <b>'
WINTER = datetime(2026, 1, 15, 12, 5, 9, tzinfo=UTC)  # 13:05:09 in Berlin (CET)
SUMMER = datetime(2026, 7, 15, 12, 5, 9, tzinfo=UTC)  # 14:05:09 in Berlin (CEST)


def pdf_text(pdf: bytes) -> str:
    # poppler-utils is a declared test dependency (see tests/integration); no skip here.
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext is missing (apt install poppler-utils)"
    result = subprocess.run(
        [pdftotext, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def declaration_pdf_text(signature: Signature) -> str:
    with scopes_disabled():
        requested = Document.objects.get(
            kind="signed_declaration",
            owner_type=ContentType.objects.get_for_model(Signature),
            owner_id=str(signature.pk),
        )
    # Render in-process as the worker does (again, if the signing's on-commit rendering ran).
    requested.status = DocumentStatus.PENDING
    requested.save(update_fields=["status"])
    document = document_render(document_id=requested.pk)
    assert document is not None
    assert document.status == DocumentStatus.READY, document.last_error
    with document.file.open("rb") as fh:
        return pdf_text(fh.read())


@pytest.fixture
def mueller(mini_catalogue, alice):
    return organization_create(by=alice, legal_name=NAME, country="DE")


def test_declaration_pdf_shows_the_signed_text_exactly(mueller, alice):
    signature = sign(mueller, alice, signatory_name="Ann <Smith> & Co")
    assert NAME in signature.declaration_text
    text = declaration_pdf_text(signature)
    assert f"{NAME}, Germany, hereinafter" in text
    assert "Signed for the company by Ann <Smith> & Co, CEO" in text
    assert "&amp;" not in text
    assert "&quot;" not in text
    assert signature.declaration_sha256 in text


@pytest.mark.parametrize(
    ("instant", "shown", "berlin"),
    [
        (WINTER, "2026-01-15 12:05:09 UTC", "13:05:09"),
        (SUMMER, "2026-07-15 12:05:09 UTC", "14:05:09"),
    ],
)
def test_declaration_pdf_states_the_signing_time_in_utc(
    alpha, alice, mini_catalogue, instant, shown, berlin
):
    signature = sign(alpha, alice)
    with scope(organization=alpha):
        Signature.objects.filter(pk=signature.pk).update(signed_at=instant)
    text = declaration_pdf_text(signature)
    assert f"Signed at {shown}" in text
    assert berlin not in text


def test_a_declaration_recorded_escaped_is_shown_plain_and_its_hash_still_verifies(mueller, alice):
    """Signatures made before the fix stored the text HTML-escaped; the hash was taken over
    those bytes. The stored bytes stay as they are; every view shows the plain text."""
    signature = sign(mueller, alice)
    legacy_text = str(escape(signature.declaration_text))
    legacy_sha = hashlib.sha256(legacy_text.encode()).hexdigest()
    with scope(organization=mueller):
        Signature.objects.filter(pk=signature.pk).update(
            declaration_text=legacy_text,
            declaration_sha256=legacy_sha,
            declaration_format=DeclarationFormat.HTML_ESCAPED,
        )
        legacy = Signature.objects.get(pk=signature.pk)
    assert "Müller &amp; Söhne &quot;Quote&quot; &lt;b&gt;" in legacy.declaration_text
    assert legacy.declaration_verifies
    assert legacy.declaration_as_signed == html.unescape(legacy_text)
    assert NAME in legacy.declaration_as_signed

    text = declaration_pdf_text(legacy)
    assert f"{NAME}, Germany, hereinafter" in text
    assert "&amp;" not in text.split("SHA-256")[0]
    assert legacy_sha in text
    assert "recorded with HTML character references" in text


@pytest.mark.parametrize(
    ("instant", "shown", "berlin"),
    [(WINTER, "2026-01-15 12:05 UTC", "13:05"), (SUMMER, "2026-07-15 12:05 UTC", "14:05")],
)
@pytest.mark.parametrize("language", ["en", "de"])
def test_statement_pdf_states_its_publication_time_in_utc(
    approved, alpha, alice, mini_catalogue, instant, shown, berlin, language
):
    from criteria.models import Criterion
    from signees.models import Statement
    from signees.services.statements import (
        statement_answer_save,
        statement_publish,
        statement_start_draft,
    )

    draft = statement_start_draft(signee=approved, by=alice)
    for criterion in Criterion.objects.filter(version=mini_catalogue):
        statement_answer_save(
            statement=draft,
            criterion=criterion,
            fulfilment="fulfilled",
            explanation="",
            link="",
            by=alice,
        )
    statement = statement_publish(statement=draft, by=alice)
    with scope(organization=alpha):
        Statement.objects.filter(pk=statement.pk).update(published_at=instant)
        [document] = Document.objects.filter(kind="cpo_statement")
        Document.objects.filter(pk=document.pk).update(
            status=DocumentStatus.PENDING, language=language
        )
    rendered = document_render(document_id=document.pk)
    assert rendered is not None
    assert rendered.status == DocumentStatus.READY, rendered.last_error
    with rendered.file.open("rb") as fh:
        text = pdf_text(fh.read())
    assert shown in text
    assert berlin not in text
