"""Certificates and audit reports are PDF/A-3a and claim PDF/UA-1 (tagged, titled, with
a language and text alternatives); the certificate's signature is an incremental update
that keeps the archival file below it intact. Checks: tests/documents/pdf_archival.py."""

import logging

import pytest
from django.contrib.contenttypes.models import ContentType
from django_scopes import scopes_disabled

from certification import signing
from certification.models import Application
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.documents.rendering import html_to_pdf
from cpo_portal.documents.services import document_render
from tests.documents.pdf_archival import assert_archival

pytestmark = pytest.mark.through_services


@pytest.fixture(autouse=True)
def _signing_dir(settings, tmp_path):
    for name in ("P12", "P12_PASSWORD", "KEY", "KEY_PASSWORD", "CERT", "CHAIN"):
        setattr(settings, f"CERTIFICATE_SIGNING_{name}", "")
    settings.CERTIFICATE_SIGNING_SELF_SIGNED_DIR = tmp_path / "signing"
    settings.CERTIFICATE_TSA_URL = ""
    settings.SITE_URL = "https://cpo.example.org"


def _render(document: Document) -> bytes:
    rendered = document_render(document_id=document.pk)
    assert rendered is not None and rendered.status == DocumentStatus.READY, rendered
    with rendered.file.open("rb") as fh:
        return fh.read()


def _no_missing_alt(caplog) -> None:
    assert not [r for r in caplog.records if "alt description" in r.getMessage()]


def test_the_signed_certificate_is_pdf_a_and_pdf_ua(certificate, caplog):
    caplog.set_level(logging.ERROR, logger="weasyprint")
    with scopes_disabled():
        document = Document.objects.get(kind="certificate", owner_id=str(certificate.pk))
    pdf = _render(document)
    assert_archival(pdf, title=certificate.number, lang="en")
    _no_missing_alt(caplog)  # the QR code (and the accreditation mark) have alternatives


def test_the_signature_is_an_incremental_update_keeping_pdf_a():
    original = html_to_pdf(
        '<html lang="en"><head><title>CPO certificate CPO-O-2026-0001</title></head>'
        "<body><h1>Certificate</h1><p>Signed text.</p></body></html>"
    )
    signed = signing.sign_pdf(original, reason="Certificate CPO-O-2026-0001")
    assert signed.startswith(original)  # the archival revision, byte for byte
    assert_archival(signed, title="CPO-O-2026-0001")


def test_the_audit_report_is_pdf_a_and_pdf_ua(reported, caplog):
    caplog.set_level(logging.ERROR, logger="weasyprint")
    with scopes_disabled():
        document = Document.objects.get(
            kind="audit_report",
            owner_type=ContentType.objects.get_for_model(Application),
            owner_id=str(reported.pk),
        )
    assert_archival(_render(document), title="Audit report")
    _no_missing_alt(caplog)
