"""The certification body a certificate names: its legal name, address and accreditation.

Configured in the settings (CERTIFICATION_BODY_NAME, CERTIFICATION_BODY_ADDRESS,
CERTIFICATION_ACCREDITATION_BODY, CERTIFICATION_ACCREDITATION_NUMBER,
CERTIFICATION_ACCREDITATION_MARK) and frozen into every certificate at issuance
(Certificate.issuer), so that a certificate keeps naming the body that issued it. Without an
accreditation body and number the certificate says "not accredited": it never pretends.
"""

import base64
import mimetypes
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks

DEFAULT_NAME = "CPO Portal certification body"
# A mark larger than this is not embedded (a logo, not a document).
MARK_MAX_BYTES = 512 * 1024
MARK_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}


def issuer_snapshot() -> dict[str, Any]:
    """The certification body as configured now, as Certificate.issuer keeps it."""
    body = str(getattr(settings, "CERTIFICATION_ACCREDITATION_BODY", "") or "").strip()
    number = str(getattr(settings, "CERTIFICATION_ACCREDITATION_NUMBER", "") or "").strip()
    accredited = bool(body and number)
    return {
        "name": str(getattr(settings, "CERTIFICATION_BODY_NAME", "") or "").strip() or DEFAULT_NAME,
        "address": str(getattr(settings, "CERTIFICATION_BODY_ADDRESS", "") or "")
        .replace("\\n", "\n")
        .strip(),
        "accreditation_body": body if accredited else "",
        "accreditation_number": number if accredited else "",
        "accredited": accredited,
        "mark": str(getattr(settings, "CERTIFICATION_ACCREDITATION_MARK", "") or "").strip()
        if accredited
        else "",
    }


def mark_data_uri(path: str) -> str:
    """The accreditation mark as a data: URI to embed in the PDF, or "" (none, unreadable,
    too large, or neither SVG nor PNG)."""
    if not path:
        return ""
    file = Path(path)
    content_type = MARK_TYPES.get(file.suffix.lower()) or mimetypes.guess_type(file.name)[0]
    if content_type not in MARK_TYPES.values():
        return ""
    try:
        if not file.is_file() or file.stat().st_size > MARK_MAX_BYTES:
            return ""
        data = file.read_bytes()
    except OSError:
        return ""
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


# --- Deployment check ---------------------------------------------------------------------


@checks.register(checks.Tags.security, deploy=True)
def check_certification_body(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if getattr(settings, "DEBUG", False):
        return []
    messages: list[checks.CheckMessage] = []
    missing = [
        name
        for name in ("CERTIFICATION_BODY_NAME", "CERTIFICATION_BODY_ADDRESS")
        if not str(getattr(settings, name, "") or "").strip()
    ]
    if missing:
        messages.append(
            checks.Warning(
                "The certification body is not fully configured: certificates name "
                f"{DEFAULT_NAME!r} or no address.",
                hint=f"Set {' and '.join(missing)}; see README.md.",
                id="certification.W010",
            )
        )
    mark = str(getattr(settings, "CERTIFICATION_ACCREDITATION_MARK", "") or "").strip()
    if mark and not mark_data_uri(mark):
        messages.append(
            checks.Warning(
                f"CERTIFICATION_ACCREDITATION_MARK points to {mark!r}, which is not a readable "
                "SVG or PNG file (of at most 512 KB).",
                id="certification.W011",
            )
        )
    return messages
