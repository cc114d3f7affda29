"""Verify by file (/verify/): a visitor drops a certificate PDF, or only its SHA-256.

Genuine and current, an earlier rendering, a suspended certificate, a tampered file, a
foreign PDF, a hash-only lookup, a file too large or not a PDF, and the rate limit.
"""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scopes_disabled

from certification.models import CertificateStatus
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.documents.rendering import html_to_pdf
from cpo_portal.documents.services import document_render

URL = "/verify/"
pytestmark = pytest.mark.through_services


@pytest.fixture(autouse=True)
def _signing_dir(settings, tmp_path):
    """The embedded default's self-signed certificate, generated per test in tmp; no TSA."""
    for name in ("P12", "P12_PASSWORD", "KEY", "KEY_PASSWORD", "CERT", "CHAIN"):
        setattr(settings, f"CERTIFICATE_SIGNING_{name}", "")
    settings.CERTIFICATE_SIGNING_SELF_SIGNED_DIR = tmp_path / "signing"
    settings.CERTIFICATE_TSA_URL = ""
    settings.SITE_URL = "https://cpo.example.org"


@pytest.fixture
def signed_pdf(certificate):
    with scopes_disabled():
        document = Document.objects.get(kind="certificate", owner_id=str(certificate.pk))
    document = document_render(document_id=document.pk)
    assert document is not None and document.status == DocumentStatus.READY, document
    with document.file.open("rb") as fh:
        return fh.read()


def _upload(client, data: bytes, name="certificate.pdf", **extra):
    return client.post(
        URL, {"file": SimpleUploadedFile(name, data, content_type="application/pdf")}, **extra
    )


def test_the_page_offers_an_upload_that_works_without_javascript_and_the_hash_script(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'enctype="multipart/form-data"' in body and 'type="file"' in body
    assert "js/verify-file.js" in body and "<script>" not in body  # vendored, no inline code
    assert (
        response["Cache-Control"].startswith("private") or "no-store" in response["Cache-Control"]
    )


def test_the_seal_registry_and_the_verify_page_link_to_it(client, certificate, signed_pdf):
    assert reverse("certification:verify_file") in client.get("/seal/").content.decode()
    page = client.get(reverse("certification:verify", args=[certificate.number]))
    assert reverse("certification:verify_file") in page.content.decode()


def test_a_genuine_current_certificate_is_named_with_its_status(client, certificate, signed_pdf):
    response = _upload(client, signed_pdf)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Genuine and current" in body
    assert certificate.number in body
    assert reverse("certification:verify", args=[certificate.number]) in body
    assert hashlib.sha256(signed_pdf).hexdigest() in body
    assert "the file was not stored" in body
    assert "@" not in body.split("<main", 1)[-1].split("</main>", 1)[0]  # no personal data


def test_the_hash_alone_finds_the_certificate_without_an_upload(
    client, certificate, signed_pdf, django_assert_max_num_queries
):
    sha256 = hashlib.sha256(signed_pdf).hexdigest()
    with django_assert_max_num_queries(8):
        response = client.get(URL, {"sha256": sha256.upper()})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Genuine and current" in body and certificate.number in body
    assert "computed in your browser" in body


def test_a_suspended_certificate_is_genuine_but_not_current(client, certificate, signed_pdf):
    with scopes_disabled():
        type(certificate).objects.filter(pk=certificate.pk).update(
            status=CertificateStatus.SUSPENDED
        )
    body = _upload(client, signed_pdf).content.decode()
    assert "Genuine, but not current" in body and "Suspended" in body


def test_an_earlier_rendering_signed_by_us_is_genuine_but_not_current(
    client, certificate, signed_pdf
):
    # Re-rendered since (new signing time): the file in hand is no longer the stored one.
    with scopes_disabled():
        Document.objects.filter(kind="certificate", owner_id=str(certificate.pk)).update(
            sha256="0" * 64
        )
    body = _upload(client, signed_pdf).content.decode()
    assert "Genuine, but not current" in body
    assert "earlier rendering" in body and certificate.number in body


def test_a_tampered_file_is_reported_as_modified(client, certificate, signed_pdf):
    # One byte of the signed content changed (a digit of the number in the text layer is
    # compressed; change a byte inside the first content stream instead).
    index = signed_pdf.index(b"stream") + 20
    tampered = signed_pdf[:index] + bytes([signed_pdf[index] ^ 0x01]) + signed_pdf[index + 1 :]
    body = _upload(client, tampered).content.decode()
    assert "Modified after signing" in body or "Not a CPO certificate" in body
    assert "Genuine" not in body


def test_a_file_changed_after_signing_by_an_appended_revision_is_modified(
    client, certificate, signed_pdf
):
    from io import BytesIO

    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(signed_pdf))
    writer.root[NameObject("/Lang")] = TextStringObject("fr")
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    body = _upload(client, out.getvalue()).content.decode()
    assert "Modified after signing" in body


def test_a_foreign_pdf_is_not_ours(client, db):
    foreign = html_to_pdf("<html lang='en'><title>CPO-O-2026-0001</title><p>Certificate</p>")
    body = _upload(client, foreign).content.decode()
    assert "Not a CPO certificate from this portal" in body


def test_a_broken_pdf_is_not_ours_and_does_not_fail(client, db):
    response = _upload(client, b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntrailer garbage")
    assert response.status_code == 200
    assert "Not a CPO certificate from this portal" in response.content.decode()


def test_an_unknown_hash_asks_for_the_file(client, db):
    body = client.get(URL, {"sha256": "ab" * 32}).content.decode()
    assert "Not the current file of any certificate" in body


def test_a_malformed_hash_is_refused_clearly(client, db):
    response = client.get(URL, {"sha256": "not-a-hash"})
    assert response.status_code == 400
    assert "64 hexadecimal characters" in response.content.decode()


def test_a_file_that_is_not_a_pdf_is_refused(client, db):
    response = _upload(client, b"GIF89a not a pdf at all", name="x.pdf")
    assert response.status_code == 400
    assert "not a PDF" in response.content.decode()


def test_a_file_over_10_mb_is_refused_without_reading_it_all(client, db):
    response = _upload(client, b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024 + 1))
    assert response.status_code == 400
    assert "larger than 10 MB" in response.content.decode()


def test_an_empty_upload_asks_for_a_file(client, db):
    response = client.post(URL, {})
    assert response.status_code == 400


def test_lookups_are_rate_limited_per_client(client, db, settings):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 2
    statuses = [
        client.get(URL, {"sha256": "cd" * 32}, REMOTE_ADDR="203.0.113.9").status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert _upload(client, b"%PDF-1.7", REMOTE_ADDR="203.0.113.9").status_code == 429
    assert client.get(URL, REMOTE_ADDR="203.0.113.9").status_code == 200  # the page itself
    assert client.get(URL, {"sha256": "cd" * 32}, REMOTE_ADDR="198.51.100.7").status_code == 200


def test_csrf_is_enforced_on_the_upload(db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = _upload(strict, b"%PDF-1.7\n")
    assert response.status_code == 403
