"""The certificate PDF: rendered through the Document pipeline, read back as a person and
a machine would — its text (poppler), its QR code (zxing-cpp on a rendered page), its
PAdES signature (pyHanko), its hash and its page size."""

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import formats, translation
from django_scopes import scopes_disabled

from certification import signing
from certification.documents import _certificate_page_context
from certification.models import Certificate
from certification.qr import qr_code, verify_url
from certification.services.applications import application_decide
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.documents.rendering import html_to_pdf, render_html
from cpo_portal.documents.services import document_render

# 297 x 210 mm; poppler prints 595.276 or 595.28 depending on its version.
A4_LANDSCAPE = re.compile(r"Page size:\s+841\.89 x 595\.28?\d* pts \(A4\)")


def tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is missing (apt install poppler-utils)")
    return path


def pdf_pages_text(pdf: bytes) -> list[str]:
    result = subprocess.run(
        [tool("pdftotext"), "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    # pdftotext ends each page with a form feed; whitespace normalised (names may wrap).
    pages = result.stdout.decode().split("\f")
    return [" ".join(page.split()) for page in pages if page.strip()]


def pdf_info(pdf: bytes) -> str:
    result = subprocess.run([tool("pdfinfo"), "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode()


@pytest.fixture(autouse=True)
def _signing_dir(settings, tmp_path):
    """The self-signed certificate of the embedded default, generated per test in tmp."""
    for name in ("P12", "P12_PASSWORD", "KEY", "KEY_PASSWORD", "CERT", "CHAIN"):
        setattr(settings, f"CERTIFICATE_SIGNING_{name}", "")
    settings.CERTIFICATE_SIGNING_SELF_SIGNED_DIR = tmp_path / "signing"
    settings.SITE_URL = "https://cpo.example.org"


@pytest.fixture
def certificate(reported, office2):
    application_decide(
        application=reported, decision="grant", rationale="All criteria met.", by=office2
    )
    with scopes_disabled():
        return Certificate.objects.select_related("catalogue_version").get(application=reported)


def certificate_document(certificate):
    with scopes_disabled():
        return Document.objects.get(kind="certificate", owner_id=str(certificate.pk))


@pytest.fixture
def rendered(certificate):
    # The test never commits, so nothing was queued: render in-process, as the worker does.
    document = document_render(document_id=certificate_document(certificate).pk)
    assert document is not None
    assert document.status == DocumentStatus.READY, document.last_error
    with document.file.open("rb") as fh:
        pdf = fh.read()
    return document, pdf


def test_text_names_number_holder_validity_and_verify_url_in_both_languages(certificate, rendered):
    _, pdf = rendered
    pages = pdf_pages_text(pdf)
    assert len(pages) == 2
    english, german = pages
    url = "https://cpo.example.org/verify/" + certificate.number + "/"
    assert certificate.number.startswith("CPO-O-")
    for page in pages:
        assert certificate.number in page
        assert certificate.holder_name in page
        assert url in page
        assert "DIN" not in page  # the portal never claims to be DIN
        assert "catalogue" in page.lower() or "katalog" in page.lower()
    # Page 1 in English, page 2 in German: labels, dates and country names per language.
    assert "CERTIFICATE" in english and "This is to certify that" in english
    assert "CPO office" in english and "CPO-Geschäftsstelle" in german
    assert "Germany" in english and "English" in english
    assert formats.date_format(certificate.valid_until, "DATE_FORMAT", use_l10n=True) in english
    with translation.override("de"):
        german_valid_until = formats.date_format(certificate.valid_until, "DATE_FORMAT")
        german_label = translation.gettext("Valid until")
    assert german_valid_until in german  # e.g. "12. März 2029"
    assert german_valid_until not in english
    assert german_label in german
    assert "Deutschland" in german and "Organisatorisch" in german and "Deutsch" in german
    # The audit it rests on, and the demo catalogue labelled as illustrative.
    assert f"application no. {certificate.application_id}" in english
    assert "Initial certification" in english
    assert certificate.catalogue_version.is_demo
    assert "Illustrative demo catalogue" in english


# Every fixed text of the certificate page: the English words, and what the German page
# prints instead. Either side written out, so that a missing or stale catalogue fails too.
PAGE_LABELS = {
    "Certificate number": "Zertifikatsnummer",
    "CPO office": "CPO-Geschäftsstelle",
    "CERTIFICATE": "ZERTIFIKAT",
    "Organizational certification": "Organisationszertifizierung",
    "This is to certify that": "Hiermit wird bescheinigt, dass",
    "has been audited and its organization meets the requirements of": (
        "auditiert wurde und die Anforderungen des folgenden Bewertungsschemas auf "
        "Organisationsebene erfüllt:"
    ),
    "catalogue version": "Katalogversion",
    "Illustrative demo catalogue": "Illustrativer Demo-Katalog",
    "Scope": "Geltungsbereich",
    "Issued on": "Ausgestellt am",
    "Valid until": "Gültig bis",
    "Based on": "Grundlage",
    "Initial certification, application no.": "Erstzertifizierung, Antrag Nr.",
    "Verify online": "Online prüfen",
    "Scan to check the current status": "Scannen, um den aktuellen Status zu prüfen",
    # The footer (the certification body itself: test_certificate_names_its_body_…).
    "Valid only while shown as valid at the address above": (
        "Nur gültig, solange es unter der obigen Adresse als gültig angezeigt wird"
    ),
    "Continued validity requires the surveillance audits": (
        "Die fortbestehende Gültigkeit setzt die Überwachungsaudits"
    ),
    "This PDF carries the portal's digital signature (PAdES).": (
        "Dieses PDF trägt die digitale Signatur des Portals (PAdES)."
    ),
    "English": "Deutsch",
    "Germany": "Deutschland",
}


def test_german_page_carries_german_labels_and_no_english_ones(rendered):
    english, german = pdf_pages_text(rendered[1])
    for english_label, german_label in PAGE_LABELS.items():
        assert english_label in english
        assert german_label in german, german_label
        assert english_label not in german, f"English left on the German page: {english_label}"
    # The scheme's own title comes from the catalogue, in the page's language as well.
    assert "Organizational assessment scheme" in english
    assert "Organisatorisches Bewertungsschema" in german


def test_stored_hash_and_a4_landscape_pages(rendered):
    document, pdf = rendered
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    assert document.size == len(pdf)
    info = pdf_info(pdf)
    assert A4_LANDSCAPE.search(info), info
    assert "Pages:           2" in info


def test_qr_code_decodes_to_the_verify_url(certificate, rendered, tmp_path):
    import zxingcpp
    from PIL import Image

    _, pdf = rendered
    (tmp_path / "cert.pdf").write_bytes(pdf)
    subprocess.run(
        [tool("pdftoppm"), "-r", "110", "-png", str(tmp_path / "cert.pdf"), str(tmp_path / "p")],
        check=True,
    )
    pngs = sorted(p for p in os.listdir(tmp_path) if p.endswith(".png"))
    assert len(pngs) == 2  # one QR code on each page
    url = verify_url(certificate.number)
    assert url == f"https://cpo.example.org/verify/{certificate.number}/"
    for png in pngs:
        results = zxingcpp.read_barcodes(Image.open(tmp_path / png).convert("L"))
        assert [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode] == [url]


def test_qr_matrix_is_segnos_encoding_of_the_url(certificate):
    # Independent of a decoder: the inline SVG is exactly segno's code for the URL.
    context = _certificate_page_context(certificate)
    expected = qr_code(verify_url(certificate.number))
    assert expected.designator.endswith("M")
    # Its <title> (the URL) is the QR code's text alternative in the tagged PDF (signatures).
    assert str(context["qr_svg"]) == expected.svg_inline(
        scale=1, border=4, dark="#000", light="#fff", omitsize=True, title=context["verify_url"]
    )
    assert context["verify_url"] in str(context["verify_url"])


def test_qr_code_follows_site_url(certificate, settings):
    # `make run PORT=8102` sets SITE_URL so; a scanner must reach the server that issued it.
    settings.SITE_URL = "http://127.0.0.1:8102"
    context = _certificate_page_context(certificate)
    url = f"http://127.0.0.1:8102/verify/{certificate.number}/"
    assert context["verify_url"] == url
    assert str(context["qr_svg"]) == qr_code(url).svg_inline(
        scale=1, border=4, dark="#000", light="#fff", omitsize=True, title=url
    )


def test_signature_validates_with_pyhanko(rendered):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import MDPPerm
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    _, pdf = rendered
    reader = PdfFileReader(io.BytesIO(pdf))
    assert len(reader.embedded_signatures) == 1
    embedded = reader.embedded_signatures[0]
    assert embedded.field_name == signing.SIGNATURE_FIELD
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert embedded.docmdp_level == MDPPerm.NO_CHANGES  # a certification signature
    trusted = signing.signer().signing_cert
    status = _validate_signature(embedded, ValidationContext(trust_roots=[trusted]))
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.docmdp_ok
    assert status.signing_cert.dump() == trusted.dump()  # the certificate is embedded
    assert status.md_algorithm == "sha256"
    # Not trusted by anyone else: a fresh context without the portal's root says so.
    untrusted = _validate_signature(embedded, ValidationContext(trust_roots=[]))
    assert untrusted.intact and untrusted.valid and not untrusted.trusted


def test_a_changed_byte_breaks_the_signature(rendered):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko_certvalidator import ValidationContext

    _, pdf = rendered
    holder_offset = pdf.index(b"/Title")
    tampered = pdf[:holder_offset] + b"/Titlf" + pdf[holder_offset + 6 :]
    embedded = PdfFileReader(io.BytesIO(tampered)).embedded_signatures[0]
    status = _validate_signature(
        embedded, ValidationContext(trust_roots=[signing.signer().signing_cert])
    )
    assert not status.intact


def test_product_certificate_names_the_product_and_version(certificate):
    certificate.kind = "product"
    certificate.product_name = "PLM Bridge"
    certificate.product_version = "4.2"
    html = render_html(
        "certification/certificates/pdf/certificate.html",
        _certificate_page_context(certificate),
        language="en",
    )
    english, german = pdf_pages_text(html_to_pdf(html))
    assert "Product certification" in english
    assert "PLM Bridge, version 4.2" in english
    assert "for the product" in english
    assert "has been audited and meets the requirements of" in english
    assert "Produktzertifizierung" in german and "für das Produkt" in german
    assert "PLM Bridge, Version 4.2" in german
    assert "auditiert wurde und die Anforderungen des folgenden Bewertungsschemas erfüllt" in german
    for english_only in ("Product certification", "for the product", "has been audited"):
        assert english_only not in german


def test_self_signed_certificate_is_generated_once_and_reused(settings, tmp_path):
    first = signing.signer()
    assert signing.signer() is first  # cached per process
    path = tmp_path / "signing" / signing.SELF_SIGNED_FILE
    assert path.is_file()
    assert (path.stat().st_mode & 0o777) == 0o600  # the key is not world-readable
    public = tmp_path / "signing" / signing.SELF_SIGNED_CERT_FILE  # for verifiers' --trust
    assert b"PRIVATE KEY" not in public.read_bytes()
    assert b"BEGIN CERTIFICATE" in public.read_bytes()
    signing._load_signer.cache_clear()
    again = signing.signer()
    assert again is not first
    assert again.signing_cert.dump() == first.signing_cert.dump()  # same file, same key
    assert signing.SELF_SIGNED_COMMON_NAME in again.signing_cert.subject.human_friendly


def test_production_without_a_signing_key_refuses_clearly(settings, certificate):
    settings.DEBUG = False
    settings.EMBEDDED = False
    with pytest.raises(ImproperlyConfigured, match="CERTIFICATE_SIGNING_P12"):
        signing.sign_pdf(b"%PDF-1.7", reason="test")
    document = document_render(document_id=certificate_document(certificate).pk)
    assert document is None
    with scopes_disabled():
        failed = Document.objects.get(kind="certificate", owner_id=str(certificate.pk))
    assert failed.status == DocumentStatus.FAILED
    assert "No certificate signing key is configured" in failed.last_error
    assert not failed.file
    assert not (settings.CERTIFICATE_SIGNING_SELF_SIGNED_DIR).exists()  # nothing generated


def test_deploy_check_warns_only_when_production_has_no_signing_key(settings, tmp_path):
    assert signing.check_certificate_signing() == []  # embedded: self-signed is fine
    settings.DEBUG = False
    settings.EMBEDDED = False
    assert [m.id for m in signing.check_certificate_signing()] == ["certification.W001"]
    settings.CERTIFICATE_SIGNING_P12 = str(tmp_path / "missing.p12")
    assert [m.id for m in signing.check_certificate_signing()] == ["certification.W002"]


def _key_and_certificate(common_name):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2024, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2040, 1, 1, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _validate_signature(embedded, context):
    """pyHanko's synchronous validation, safe while a browser test's event loop runs."""
    from pyhanko.sign.validation import validate_pdf_signature

    return signing.run_outside_event_loop(lambda: validate_pdf_signature(embedded, context))


def _validate(pdf, trusted_der):
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko_certvalidator import ValidationContext

    embedded = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    root = asn1_x509.Certificate.load(trusted_der)
    return _validate_signature(embedded, ValidationContext(trust_roots=[root]))


def _plain_pdf():
    return html_to_pdf("<html><body><p>Plain.</p></body></html>")


def test_configured_pkcs12_signs_and_validates(settings, tmp_path):
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, Encoding
    from cryptography.hazmat.primitives.serialization.pkcs12 import (
        serialize_key_and_certificates,
    )

    settings.DEBUG = False
    settings.EMBEDDED = False
    key, cert = _key_and_certificate("CPO office production signer")
    p12 = tmp_path / "signer.p12"
    p12.write_bytes(
        serialize_key_and_certificates(b"cpo", key, cert, None, BestAvailableEncryption(b"s3cret"))
    )
    settings.CERTIFICATE_SIGNING_P12 = str(p12)
    settings.CERTIFICATE_SIGNING_P12_PASSWORD = "s3cret"
    signed = signing.sign_pdf(_plain_pdf(), reason="test")
    status = _validate(signed, cert.public_bytes(Encoding.DER))
    assert status.intact and status.valid and status.trusted
    assert not (tmp_path / "signing").exists()  # configured: no self-signed one

    settings.CERTIFICATE_SIGNING_P12_PASSWORD = "wrong"
    with pytest.raises(ImproperlyConfigured, match="wrong password"):
        signing.sign_pdf(_plain_pdf(), reason="test")


def test_configured_pem_key_and_certificate_sign(settings, tmp_path):
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    key, cert = _key_and_certificate("CPO office PEM signer")
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(Encoding.PEM))
    settings.CERTIFICATE_SIGNING_KEY = str(tmp_path / "key.pem")
    settings.CERTIFICATE_SIGNING_CERT = str(tmp_path / "cert.pem")
    status = _validate(signing.sign_pdf(_plain_pdf(), reason="t"), cert.public_bytes(Encoding.DER))
    assert status.intact and status.valid and status.trusted

    settings.CERTIFICATE_SIGNING_CERT = ""
    with pytest.raises(ImproperlyConfigured, match="both"):
        signing.sign_pdf(_plain_pdf(), reason="t")


def test_bench_command_renders_through_the_pipeline_and_leaves_nothing_behind(
    catalogue, settings, tmp_path
):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("bench_certificate_pdf", renders=2, warmup=0, json=True, stdout=out)

    result = json.loads(out.getvalue())
    assert result["bench"] == "certificate_pdf" and result["renders"] == 2
    assert 0 < result["median_s"] <= result["p95_s"]
    with scopes_disabled():
        assert not Certificate.objects.exists()
        assert not Document.objects.filter(kind="certificate").exists()
    media = tmp_path / "media"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*.pdf"))


def test_a_long_scope_moves_to_an_annex_page_per_language(certificate):
    # The longest scope an application takes (5,000 characters) still fits one annex page.
    certificate.scope_description = ("Development and support of PLM software. " * 122)[:5000]
    html = render_html(
        "certification/certificates/pdf/certificate.html",
        _certificate_page_context(certificate),
        language="en",
    )
    pdf = html_to_pdf(html)
    pages = pdf_pages_text(pdf)
    assert len(pages) == 4  # certificate + annex, in English, then in German
    assert "annex to this certificate" in pages[0]
    assert "Annex: scope of the certificate" in pages[1]
    assert pages[1].count("Development and support of PLM software.") == 121
    assert "Deutsch" in pages[3] and certificate.number in pages[3]
    assert "Wie in der Anlage zu diesem Zertifikat beschrieben" in pages[2]
    assert "Anlage: Geltungsbereich des Zertifikats" in pages[3]
    assert "Die Anlage ist Bestandteil des Zertifikats." in pages[3]
    assert not any("annex" in page.lower() for page in pages[2:])
    assert A4_LANDSCAPE.search(pdf_info(pdf))


def test_signing_works_inside_a_running_event_loop():
    """An ASGI worker or a browser session in the same thread already runs a loop."""
    import asyncio
    import threading

    async def inside_a_loop():
        return signing.sign_pdf(_plain_pdf(), reason="inside a loop")

    # A thread of its own: the test thread may already be inside a loop (the browser
    # tests' Playwright session), where asyncio.run() itself refuses to start.
    result = {}
    thread = threading.Thread(target=lambda: result.update(pdf=asyncio.run(inside_a_loop())))
    thread.start()
    thread.join()
    signed = result["pdf"]
    from pyhanko.pdf_utils.reader import PdfFileReader

    assert len(PdfFileReader(io.BytesIO(signed)).embedded_signatures) == 1


# --- Certificate content (issue 16): the body, the certifier, the basis, the German scope ---


@pytest.fixture
def embedded_body(settings):
    for name in ("NAME", "ADDRESS"):
        setattr(settings, f"CERTIFICATION_BODY_{name}", "")
    for name in ("BODY", "NUMBER", "MARK"):
        setattr(settings, f"CERTIFICATION_ACCREDITATION_{name}", "")
    return settings


def german(text):
    with translation.override("de"):
        return translation.gettext(text)


def pages_of(certificate):
    html = render_html(
        "certification/certificates/pdf/certificate.html",
        _certificate_page_context(certificate),
        language="en",
    )
    pdf = html_to_pdf(html)
    return pdf, pdf_pages_text(pdf)


def test_certificate_names_its_body_not_accredited_the_certifier_and_the_scheme(
    embedded_body, rendered, certificate
):
    english, german_page = pdf_pages_text(rendered[1])
    version = certificate.catalogue_version
    for page in (english, german_page):
        assert "CPO Portal certification body" in page
        assert "Otto Office" in page  # office2, the certifier who decided
        assert version.code in page
    assert "Issued by CPO Portal certification body" in english
    assert "Not accredited." in english and "Accredited by" not in english
    assert german("Not accredited.") in german_page
    assert "decided by Otto Office (certifier)" in english
    assert "Organizational assessment scheme" in english
    assert f"catalogue version {version.code}" in english
    assert german("Organizational assessment scheme") in german_page or (
        "Organisatorisches Bewertungsschema" in german_page
    )


def test_an_accredited_body_is_named_with_its_number_address_and_mark(
    embedded_body, certificate, tmp_path
):
    from PIL import Image

    mark = tmp_path / "mark.png"
    Image.new("RGB", (60, 30), (10, 79, 150)).save(mark)
    certificate.issuer = {
        "name": "CPO Certification GmbH",
        "address": "Musterstraße 1\n10115 Berlin",
        "accreditation_body": "DAkkS",
        "accreditation_number": "D-ZE-12345-01-00",
        "accredited": True,
        "mark": str(mark),
    }
    pdf, (english, german_page) = pages_of(certificate)
    assert "Issued by CPO Certification GmbH · Musterstraße 1, 10115 Berlin" in english
    assert "Accredited by DAkkS, accreditation number D-ZE-12345-01-00." in english
    assert "Not accredited" not in english
    for page in (english, german_page):
        assert "D-ZE-12345-01-00" in page and "CPO Certification GmbH" in page
    # The mark is embedded as an image on each page (the QR code is vector graphics).
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        images = [len(page.get_images()) for page in document.pages]
    assert images == [1, 1]


def test_a_missing_mark_file_is_left_out_not_an_error(embedded_body, certificate, tmp_path):
    certificate.issuer = {
        "name": "Body",
        "accreditation_body": "DAkkS",
        "accreditation_number": "D-1",
        "accredited": True,
        "mark": str(tmp_path / "missing.svg"),
    }
    _pdf, (english, _german) = pages_of(certificate)
    assert "Accredited by DAkkS, accreditation number D-1." in english


def test_a_product_certificate_names_its_organizational_certificate_and_german_scope(
    embedded_body, certificate, product
):
    with scopes_disabled():
        product = Certificate.objects.select_related(
            "application__decided_by", "organizational_certificate", "catalogue_version"
        ).get(pk=product.pk)
    product.scope_description = "The product PLM Bridge"
    product.scope_description_de = "Das Produkt PLM Bridge"
    _pdf, (english, german_page) = pages_of(product)
    assert certificate.number in english and certificate.number in german_page
    valid_until = formats.date_format(certificate.valid_until, "DATE_FORMAT", use_l10n=True)
    assert f"{certificate.number}, valid until {valid_until}" in english
    assert "The product PLM Bridge" in english and "Das Produkt PLM Bridge" not in english
    assert "Das Produkt PLM Bridge" in german_page and "The product PLM Bridge" not in german_page


def test_without_a_german_scope_the_german_page_gives_the_english_one(certificate):
    _pdf, (english, german_page) = pages_of(certificate)
    assert certificate.scope_description in english
    assert certificate.scope_description in german_page


def test_deploy_check_warns_when_production_names_no_certification_body(embedded_body, tmp_path):
    from certification import issuer

    embedded_body.DEBUG = True
    assert issuer.check_certification_body() == []  # development: the default is fine
    embedded_body.DEBUG = False
    assert [m.id for m in issuer.check_certification_body()] == ["certification.W010"]
    embedded_body.CERTIFICATION_BODY_NAME = "CPO Certification GmbH"
    embedded_body.CERTIFICATION_BODY_ADDRESS = "Musterstraße 1, 10115 Berlin"
    assert issuer.check_certification_body() == []
    embedded_body.CERTIFICATION_ACCREDITATION_MARK = str(tmp_path / "missing.svg")
    assert [m.id for m in issuer.check_certification_body()] == ["certification.W011"]
    mark = tmp_path / "mark.svg"
    mark.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    embedded_body.CERTIFICATION_ACCREDITATION_MARK = str(mark)
    assert issuer.check_certification_body() == []
    assert issuer.mark_data_uri(str(mark)).startswith("data:image/svg+xml;base64,")
    assert issuer.mark_data_uri(str(tmp_path / "mark.gif")) == ""
