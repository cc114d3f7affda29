"""The activity-log PDF is real text: poppler's pdftotext reads it back."""

import hashlib
import subprocess

import pytest

from cpo_portal.documents.models import DocumentStatus
from cpo_portal.documents.services import document_render, document_request
from cpo_portal.tenancy.services import organization_create


def pdf_text(pdftotext, pdf: bytes) -> str:
    result = subprocess.run(
        [pdftotext, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    # Whitespace normalised: a long name may wrap across lines in the table.
    return " ".join(result.stdout.decode().split())


@pytest.mark.django_db
def test_activity_pdf_text_names_the_organization_and_its_activity(pdftotext, alice):
    org = organization_create(by=alice, legal_name="Müller & Söhne GmbH", country="DE")
    requested = document_request(
        kind="organization_activity",
        owner=org,
        organization=org,
        title="Activity log",
        by=alice,
    )
    # This test never commits, so nothing was queued; render in-process.
    document = document_render(document_id=requested.pk)

    assert document is not None
    assert document.status == DocumentStatus.READY, document.last_error
    with document.file.open("rb") as fh:
        pdf = fh.read()
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    text = pdf_text(pdftotext, pdf)
    assert "Activity log" in text
    assert "Müller & Söhne GmbH" in text
    # The entries of organization.created and document.requested, and who did them.
    assert "Created the organization" in text
    assert "Requested a document" in text
    assert "alice@example.org" in text
