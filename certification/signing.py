"""The portal's PAdES signature on certificate PDFs (pyHanko).

The signer comes from settings: a PKCS#12 file (CERTIFICATE_SIGNING_P12 + _PASSWORD) or a
PEM key and certificate (CERTIFICATE_SIGNING_KEY / _CERT, optional _CHAIN). With nothing
configured, the embedded default (DEBUG, CPO_EMBEDDED, tests) generates a self-signed
certificate once under CERTIFICATE_SIGNING_SELF_SIGNED_DIR and reuses it; production
refuses to sign instead, and `check --deploy` warns ahead of time.

The signature is a certification (DocMDP: no changes allowed) PAdES signature, sub-filter
ETSI.CAdES.detached, SHA-256, with the signing certificate embedded, added as an incremental
update (the PDF/A-3a + PDF/UA-1 document below it stays as rendered).

- With a time-stamping authority (CERTIFICATE_TSA_URL, optional _USERNAME/_PASSWORD): PAdES
  B-LT. An RFC 3161 signature timestamp (B-T) proves when it was signed, and the validation
  data (the chain, CRLs/OCSP responses of the signer and of the TSA) is fetched at signing
  time and embedded in the document security store, validated against
  CERTIFICATE_SIGNING_TRUST (PEM roots; default: the top of the signing chain). A reader can
  then check the signature years later, offline, after the certificates expired.
- Without a TSA: PAdES B-B, the signing time is the portal's own (signed) claim.

A TSA or revocation service that does not answer raises an OSError: the document pipeline
retries the render later (and finally marks it failed); a certificate is never stored
unsigned or with less than the configured level.
"""

import asyncio
import concurrent.futures
import contextlib
import datetime
import functools
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from .models import Certificate

T = TypeVar("T")

SIGNATURE_FIELD = "CPOCertificateSignature"
SELF_SIGNED_FILE = "self-signed.pem"  # key + certificate: private
SELF_SIGNED_CERT_FILE = "self-signed-cert.pem"  # the certificate alone: hand it to verifiers
SELF_SIGNED_COMMON_NAME = "CPO Portal certificate signing (self-signed, not for production)"


@dataclass(frozen=True)
class SignerConfig:
    p12: str
    p12_password: str
    key: str
    key_password: str
    cert: str
    chain: str
    self_signed_dir: str
    self_signed_allowed: bool

    @property
    def configured(self) -> bool:
        return bool(self.p12 or self.key or self.cert)


def signer_config() -> SignerConfig:
    return SignerConfig(
        p12=settings.CERTIFICATE_SIGNING_P12,
        p12_password=settings.CERTIFICATE_SIGNING_P12_PASSWORD,
        key=settings.CERTIFICATE_SIGNING_KEY,
        key_password=settings.CERTIFICATE_SIGNING_KEY_PASSWORD,
        cert=settings.CERTIFICATE_SIGNING_CERT,
        chain=settings.CERTIFICATE_SIGNING_CHAIN,
        self_signed_dir=str(settings.CERTIFICATE_SIGNING_SELF_SIGNED_DIR),
        self_signed_allowed=bool(settings.DEBUG or settings.EMBEDDED),
    )


def signer() -> Any:
    """The pyHanko signer, loaded once per process (and per configuration)."""
    return _load_signer(signer_config())


@functools.lru_cache(maxsize=4)
def _load_signer(config: SignerConfig) -> Any:
    if config.p12:
        return _load_p12(config)
    if config.key or config.cert:
        return _load_pem(config)
    if not config.self_signed_allowed:
        raise ImproperlyConfigured(
            "No certificate signing key is configured. Set CERTIFICATE_SIGNING_P12 (and "
            "CERTIFICATE_SIGNING_P12_PASSWORD), or CERTIFICATE_SIGNING_KEY and "
            "CERTIFICATE_SIGNING_CERT; see README.md, 'Certificate signing'. A self-signed "
            "certificate is generated only for DEBUG or embedded installations."
        )
    return _self_signed_signer(Path(config.self_signed_dir))


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ImproperlyConfigured(f"Cannot read {what} {path!r}: {exc.strerror}") from exc


def _load_p12(config: SignerConfig) -> Any:
    # pyHanko is heavy: loaded when a certificate is signed, not with every process.
    from pyhanko.keys import load_certs_from_pemder
    from pyhanko.sign.signers import SimpleSigner

    data = _read(config.p12, "CERTIFICATE_SIGNING_P12")
    chain = list(load_certs_from_pemder([config.chain])) if config.chain else []
    try:
        return SimpleSigner.load_pkcs12_data(
            data, other_certs=chain, passphrase=config.p12_password.encode() or None
        )
    except Exception as exc:
        raise ImproperlyConfigured(
            "CERTIFICATE_SIGNING_P12 could not be opened (wrong password or not a "
            f"PKCS#12 file with a key and a certificate): {exc}"
        ) from exc


def _load_pem(config: SignerConfig) -> Any:
    # pyHanko is heavy: loaded when a certificate is signed, not with every process.
    from pyhanko.keys import (
        load_cert_from_pemder,
        load_certs_from_pemder,
        load_private_key_from_pemder_data,
    )

    # pyHanko and cryptography are heavy: loaded only in the process that signs.
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    if not (config.key and config.cert):
        raise ImproperlyConfigured(
            "Set both CERTIFICATE_SIGNING_KEY and CERTIFICATE_SIGNING_CERT (PEM or DER)."
        )
    key_bytes = _read(config.key, "CERTIFICATE_SIGNING_KEY")
    _read(config.cert, "CERTIFICATE_SIGNING_CERT")
    try:
        key = load_private_key_from_pemder_data(
            key_bytes, passphrase=config.key_password.encode() or None
        )
        cert = load_cert_from_pemder(config.cert)
        chain = list(load_certs_from_pemder([config.chain])) if config.chain else []
    except Exception as exc:
        raise ImproperlyConfigured(
            f"The certificate signing key or certificate could not be loaded: {exc}"
        ) from exc
    return SimpleSigner(
        signing_cert=cert,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([cert, *chain]),
    )


# --- The embedded default: one self-signed certificate, generated once ------------------


def _generate_self_signed_pem() -> bytes:
    # Only the embedded default generates a certificate, once: loaded when it does.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    # P-256: fast to generate and to sign with, understood by every current PDF reader.
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, SELF_SIGNED_COMMON_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CPO Portal"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "CPO office"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation: what pyHanko expects by default
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem + cert.public_bytes(serialization.Encoding.PEM)


def self_signed_path(directory: Path) -> Path:
    """The generated key and certificate (one PEM file), created on first use."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / SELF_SIGNED_FILE
    if path.exists():
        return path
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".self-signed-", suffix=".pem")
    try:
        with os.fdopen(fd, "wb") as fh:  # mkstemp: mode 0600, the key stays private
            fh.write(_generate_self_signed_pem())
        # link, not rename: two workers starting at once keep the first one's pair.
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
    return path


def self_signed_certificate_path(directory: Path) -> Path:
    """The public half of the generated pair, for `pyhanko sign validate --trust`."""
    path = directory / SELF_SIGNED_CERT_FILE
    if not path.exists():
        pem = self_signed_path(directory).read_bytes()
        start = pem.index(b"-----BEGIN CERTIFICATE-----")
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".self-signed-cert-", suffix=".pem")
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem[start:])
        os.chmod(tmp, 0o644)  # a certificate is public
        os.replace(tmp, path)
    return path


def _self_signed_signer(directory: Path) -> Any:
    # pyHanko is heavy: loaded when a certificate is signed, not with every process.
    from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder_data
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    path = self_signed_path(directory)
    self_signed_certificate_path(directory)
    cert = load_cert_from_pemder(str(path))
    key = load_private_key_from_pemder_data(path.read_bytes(), passphrase=None)
    return SimpleSigner(
        signing_cert=cert,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([cert]),
    )


# --- Long-term validation: timestamp authority and trust roots ----------------------------


class LongTermSigningUnavailable(OSError):
    """The TSA or a revocation service did not answer: try the render again later.

    An OSError, so that the document pipeline treats it as transient (retried with backoff).
    """


@dataclass(frozen=True)
class TimestampConfig:
    url: str
    username: str
    password: str
    timeout: int
    trust: tuple[str, ...]

    @property
    def enabled(self) -> bool:
        return bool(self.url)


def timestamp_config() -> TimestampConfig:
    return TimestampConfig(
        url=settings.CERTIFICATE_TSA_URL,
        username=settings.CERTIFICATE_TSA_USERNAME,
        password=settings.CERTIFICATE_TSA_PASSWORD,
        timeout=int(settings.CERTIFICATE_TSA_TIMEOUT),
        trust=tuple(p for p in settings.CERTIFICATE_SIGNING_TRUST if p),
    )


def signature_level() -> str:
    """The PAdES baseline level certificates are signed at: "B-LT" with a TSA, else "B-B"."""
    return "B-LT" if timestamp_config().enabled else "B-B"


def _timestamper(config: TimestampConfig) -> Any:
    from pyhanko.sign.timestamps import HTTPTimeStamper

    # requests' auth: (user, password) is HTTP Basic authentication.
    auth = (config.username, config.password) if config.username else None
    return HTTPTimeStamper(config.url, timeout=config.timeout, auth=auth)


def trust_roots(the_signer: Any, config: TimestampConfig) -> list[Any]:
    """CERTIFICATE_SIGNING_TRUST, or else the top of the signing chain (self-issued)."""
    from pyhanko.keys import load_certs_from_pemder

    if config.trust:
        for path in config.trust:
            _read(path, "CERTIFICATE_SIGNING_TRUST")
        return list(load_certs_from_pemder(list(config.trust)))
    certs = [the_signer.signing_cert, *the_signer.cert_registry]
    roots = [c for c in certs if c.subject == c.issuer]
    return roots[:1] or [the_signer.signing_cert]


def _validation_context(the_signer: Any, config: TimestampConfig) -> Any:
    from pyhanko_certvalidator import ValidationContext

    # hard-fail: revocation data that cannot be fetched is an error, not a gap in the B-LT.
    return ValidationContext(
        trust_roots=trust_roots(the_signer, config),
        allow_fetching=True,
        revocation_mode="hard-fail",
    )


# --- Signing ------------------------------------------------------------------------------


def sign_pdf(pdf: bytes, *, reason: str, location: str = "") -> bytes:
    """Certify `pdf` with a PAdES (ETSI.CAdES.detached) signature; no later changes allowed.

    B-LT (timestamp + validation data) when a TSA is configured, else B-B.
    """
    # pyHanko is heavy: loaded when a certificate is signed, not with every process.
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
    from pyhanko.sign.general import SigningError
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

    the_signer = signer()  # refuses (ImproperlyConfigured) before any work is done
    config = timestamp_config()
    long_term = config.enabled
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=MDPPerm.NO_CHANGES,
        reason=reason,
        location=location,
        name="CPO Portal / CPO office",
        embed_validation_info=long_term,
        validation_context=_validation_context(the_signer, config) if long_term else None,
        use_pades_lta=False,
    )
    timestamper = _timestamper(config) if long_term else None

    def sign() -> bytes:
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        try:
            out = signers.sign_pdf(writer, meta, signer=the_signer, timestamper=timestamper)
        except OSError:
            raise  # the TSA did not answer (TimestampRequestError): transient
        except (SigningError, PathBuildingError, PathValidationError) as exc:
            if not long_term:
                raise
            # The validation data for B-LT could not be gathered (a revocation service down,
            # or the chain does not reach CERTIFICATE_SIGNING_TRUST): retried, then failed.
            raise LongTermSigningUnavailable(
                f"Long-term signature (B-LT) not possible now: {exc}"
            ) from exc
        return bytes(out.getvalue())

    return run_outside_event_loop(sign)


def run_outside_event_loop(fn: Callable[[], T]) -> T:
    """Call `fn` here, or in a short-lived thread when this thread already runs an event loop.

    pyHanko's synchronous API calls `asyncio.run()`, which refuses to start inside a running
    loop (an ASGI worker, a greenlet-driven browser session in the same process).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


def sign_certificate_pdf(document: Any, pdf: bytes) -> bytes:
    """The Document pipeline's `finish` step for the certificate PDF."""
    with scopes_disabled():
        number = (
            Certificate.objects.filter(pk=document.owner_id)
            .values_list("number", flat=True)
            .first()
        )
    with translation.override(document.language or "en"):
        reason = _("Certificate %(number)s, issued by the CPO office") % {
            "number": number or document.title
        }
    return sign_pdf(pdf, reason=reason, location=settings.SITE_URL)


# --- Checking a PDF someone hands us (verify by file) ------------------------------------

NUMBER_IN_TEXT = re.compile(r"CPO-[OP]-\d{4}-\d{4,6}")


@dataclass(frozen=True)
class FileSignature:
    """What the signature of a PDF says, checked against the portal's signing certificate."""

    ours: bool  # a signature made with the portal's signing certificate is present
    intact: bool  # ... it is cryptographically valid and nothing but LTV data came after it
    number: str  # the certificate number its (signed) reason names, "" if none
    timestamped: bool = False


NOT_SIGNED = FileSignature(ours=False, intact=False, number="")


def check_pdf_signature(pdf: bytes) -> FileSignature:
    """Check `pdf`'s signature against the portal's signing certificate, offline.

    Never raises for a broken or hostile file: anything unreadable is NOT_SIGNED. A portal
    without a signing key (production, unconfigured) has signed nothing: NOT_SIGNED too.
    """
    try:
        the_signer = signer()
    except ImproperlyConfigured:
        return NOT_SIGNED
    return run_outside_event_loop(lambda: _check(pdf, the_signer))


def _check(pdf: bytes, the_signer: Any) -> FileSignature:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception:
        return NOT_SIGNED
    ours = the_signer.signing_cert.dump()
    for embedded in signatures:
        try:
            if embedded.signer_cert.dump() != ours:
                continue
        except Exception:  # noqa: S112  a malformed signature is not ours
            continue
        number = _signed_number(embedded)
        try:
            # Our own certificate is the trust anchor: the question is "did this key sign
            # this file", not whether today's chain would still validate.
            context = ValidationContext(trust_roots=[the_signer.signing_cert], allow_fetching=False)
            status = validate_pdf_signature(embedded, context, ts_validation_context=context)
        except Exception:
            return FileSignature(ours=True, intact=False, number=number)
        intact = bool(status.intact and status.valid and status.docmdp_ok)
        return FileSignature(
            ours=True,
            intact=intact,
            number=number,
            timestamped=status.timestamp_validity is not None,
        )
    return NOT_SIGNED


def _signed_number(embedded: Any) -> str:
    """The certificate number the signature's /Reason names (inside the signed bytes)."""
    try:
        reason = str(embedded.sig_object.get("/Reason", ""))
    except Exception:
        return ""
    found = NUMBER_IN_TEXT.search(reason)
    return found.group(0) if found else ""


# --- Deployment check ---------------------------------------------------------------------


@checks.register(checks.Tags.security, deploy=True)
def check_certificate_signing(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    config = signer_config()
    messages: list[checks.CheckMessage] = []
    if not config.configured and not config.self_signed_allowed:
        messages.append(
            checks.Warning(
                "No certificate signing key is configured: certificate PDFs will fail to render.",
                hint="Set CERTIFICATE_SIGNING_P12 and CERTIFICATE_SIGNING_P12_PASSWORD (or "
                "CERTIFICATE_SIGNING_KEY and CERTIFICATE_SIGNING_CERT); see README.md.",
                id="certification.W001",
            )
        )
    for name in ("p12", "key", "cert", "chain"):
        value = getattr(config, name)
        if value and not Path(value).is_file():
            messages.append(
                checks.Warning(
                    f"CERTIFICATE_SIGNING_{name.upper()} points to {value!r}, which is not a "
                    "readable file.",
                    id="certification.W002",
                )
            )
    for value in timestamp_config().trust:  # B-LT trust roots
        if not Path(value).is_file():
            messages.append(
                checks.Warning(
                    f"CERTIFICATE_SIGNING_TRUST names {value!r}, which is not a readable file.",
                    id="certification.W002",
                )
            )
    return messages
