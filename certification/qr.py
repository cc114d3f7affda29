"""The certificate's verification URL and its QR code (segno, inline SVG: no fetch)."""

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

# M: 15 % of the modules may be lost (a folded or stamped paper copy still scans).
QR_ERROR_LEVEL = "m"


def verify_url(number: str) -> str:
    """The absolute public URL that verifies a certificate: SITE_URL + /verify/<number>/."""
    return settings.SITE_URL + reverse("certification:verify", kwargs={"number": number})


def qr_code(data: str) -> segno.QRCode:
    # micro=False: phone cameras read only full QR codes; boost_error keeps the version.
    return segno.make(data, error=QR_ERROR_LEVEL, micro=False, boost_error=False)


def qr_svg(data: str, *, title: str = "") -> SafeString:
    """An inline <svg> of the QR code, sized by CSS; a quiet zone of four modules.

    Its <title> is the text alternative a tagged PDF (PDF/UA) needs: `title`, by default
    the encoded address itself. Safe to mark: segno writes paths and the title, escaped.
    """
    svg = qr_code(data).svg_inline(
        scale=1, border=4, dark="#000", light="#fff", omitsize=True, title=title or data
    )
    return mark_safe(svg)  # noqa: S308  segno output, no user text in it
