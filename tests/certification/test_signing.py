"""Long-term verifiable certificate signatures (PAdES B-T / B-LT) against a local PKI.

certomancer's Animator serves a test root CA, a document-signing CA with OCSP and CRLs and
an RFC 3161 time-stamping authority on 127.0.0.1 (tests/certification/pki/certomancer.yml,
keys generated per session). A certificate PDF is signed through the real Document pipeline
and validated with pyHanko: the timestamp is valid, and the signature validates offline
(no fetching, revocation checks mandatory) from the validation data embedded in the PDF.
Nothing contacts any other address.
"""

import io
import threading
from pathlib import Path

import pytest
from django_scopes import scopes_disabled

from certification import signing
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.documents.services import TransientRenderError, document_render

PKI = Path(__file__).parent / "pki" / "certomancer.yml"
KEYS = ("root", "interm", "interm-ocsp", "tsa", "signer")


def _write_keys(directory: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    for name in KEYS:
        key = ec.generate_private_key(ec.SECP256R1())
        (directory / f"{name}.key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )


class _App:
    """A WSGI app set after the server is bound (the certificates name its port)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """The running local PKI: its base URL, the architecture and the files the portal reads."""
    from asn1crypto import pem
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import CertLabel, CertomancerConfig
    from werkzeug.serving import make_server

    directory = tmp_path_factory.mktemp("pki")
    _write_keys(directory)
    holder = _App()
    server = make_server("127.0.0.1", 0, holder, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    config = CertomancerConfig.from_file(
        str(PKI), key_search_dir=str(directory), external_url_prefix=base
    )
    holder.app = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    arch = config.get_pki_arch("cpo-test")

    def write_cert(label: str) -> Path:
        path = directory / f"{label}.cert.pem"
        path.write_bytes(pem.armor("CERTIFICATE", arch.get_cert(CertLabel(label)).dump()))
        return path

    files = {label: write_cert(label) for label in ("root", "interm", "tsa", "signer")}
    files["signer_key"] = directory / "signer.key.pem"
    yield {"base": base, "arch": arch, "files": files}
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def long_term(settings, pki):
    """The portal signs with the test PKI's key and asks its TSA."""
    files = pki["files"]
    settings.CERTIFICATE_SIGNING_P12 = ""
    settings.CERTIFICATE_SIGNING_KEY = str(files["signer_key"])
    settings.CERTIFICATE_SIGNING_KEY_PASSWORD = ""
    settings.CERTIFICATE_SIGNING_CERT = str(files["signer"])
    settings.CERTIFICATE_SIGNING_CHAIN = str(files["interm"])
    settings.CERTIFICATE_SIGNING_TRUST = [str(files["root"])]
    settings.CERTIFICATE_TSA_URL = f"{pki['base']}/cpo-test/tsa/tsa"
    settings.CERTIFICATE_TSA_USERNAME = ""
    settings.CERTIFICATE_TSA_PASSWORD = ""
    settings.SITE_URL = "https://cpo.example.org"
    signing._load_signer.cache_clear()
    yield pki
    signing._load_signer.cache_clear()


def _certificate_document(certificate) -> Document:
    with scopes_disabled():
        return Document.objects.get(kind="certificate", owner_id=str(certificate.pk))


def _rendered_pdf(certificate) -> bytes:
    document = document_render(document_id=_certificate_document(certificate).pk)
    assert document is not None
    assert document.status == DocumentStatus.READY, document.last_error
    with document.file.open("rb") as fh:
        return fh.read()


def _root(pki):
    from asn1crypto import x509
    from pyhanko.keys import load_cert_from_pemder

    cert = load_cert_from_pemder(str(pki["files"]["root"]))
    assert isinstance(cert, x509.Certificate)
    return cert


@pytest.mark.through_services
@pytest.mark.django_db(transaction=False)
def test_certificate_is_signed_b_lt_with_a_valid_timestamp_and_embedded_validation_data(
    long_term, certificate
):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko_certvalidator import ValidationContext

    assert signing.signature_level() == "B-LT"
    pdf = _rendered_pdf(certificate)
    reader = PdfFileReader(io.BytesIO(pdf))
    (embedded,) = reader.embedded_signatures
    assert embedded.field_name == signing.SIGNATURE_FIELD

    # B-T: an RFC 3161 signature timestamp by the test TSA, valid and trusted.
    root = _root(long_term)
    online = ValidationContext(trust_roots=[root], allow_fetching=False)
    status = validate_pdf_signature(embedded, online, ts_validation_context=online)
    assert status.intact and status.valid
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.intact and status.timestamp_validity.valid
    assert status.timestamp_validity.trusted

    # B-LT: the document security store holds certificates, OCSP responses and CRLs ...
    dss = DocumentSecurityStore.read_dss(reader)
    assert list(dss.load_certs())
    assert len(dss.ocsps) >= 1 and len(dss.crls) >= 1
    # ... enough to validate offline with revocation checking required (hard-fail).
    offline = dss.as_validation_context(
        {"trust_roots": [root], "allow_fetching": False, "revocation_mode": "hard-fail"}
    )
    offline_ts = dss.as_validation_context(
        {"trust_roots": [root], "allow_fetching": False, "revocation_mode": "hard-fail"}
    )
    lt = validate_pdf_signature(embedded, offline, ts_validation_context=offline_ts)
    assert lt.bottom_line, lt.pretty_print_details()
    assert lt.timestamp_validity is not None and lt.timestamp_validity.trusted
    # The DSS came after the signature; nothing else did (a permitted LTV update).
    assert lt.docmdp_ok

    # Verify by file recognises the B-LT file as ours, intact, timestamped, naming its number.
    checked = signing.check_pdf_signature(pdf)
    assert checked.ours and checked.intact and checked.timestamped
    assert checked.number == certificate.number


@pytest.mark.through_services
def test_without_the_embedded_data_revocation_cannot_be_checked_offline(long_term, certificate):
    """The counter-proof: the same offline check without the DSS does not pass."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    pdf = _rendered_pdf(certificate)
    (embedded,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    bare = ValidationContext(
        trust_roots=[_root(long_term)],
        other_certs=list(embedded.other_embedded_certs),
        allow_fetching=False,
        revocation_mode="hard-fail",
        crls=[],
        ocsps=[],
    )
    status = validate_pdf_signature(embedded, bare)
    assert not status.bottom_line


@pytest.mark.through_services
def test_a_tsa_that_does_not_answer_fails_the_render_transiently_never_unsigned(
    long_term, certificate, settings
):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CERTIFICATE_TSA_URL = f"http://127.0.0.1:{port}/tsa"
    document = _certificate_document(certificate)
    with pytest.raises(TransientRenderError):
        document_render(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING  # retried later
    assert document.sha256 == "" and not document.file


def test_without_a_tsa_the_level_is_b_b(settings):
    settings.CERTIFICATE_TSA_URL = ""
    assert signing.signature_level() == "B-B"
    assert signing.timestamp_config().enabled is False
