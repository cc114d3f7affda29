"""The live SVG badge a holder embeds on its website: "CPO certified | valid until 2029-12".

Only a valid certificate's badge begins "CPO certified": a suspended, withdrawn, expired or
superseded one reads "CPO certificate | suspended" (…), and a valid product certificate whose
organizational certificate is not valid reads "CPO certificate | not backed: organizational
certificate suspended" (…), in the suspended look.

Our own design: two segments, the left one names the seal, the right one says the status
in words, with an icon whose shape differs per status (tick, pause bars, cross, clock,
arrow, question mark), so nobody depends on colour alone. White text on every background
colour has at least 4.5:1 contrast. Every text is escaped: holder names may contain <, &.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.translation import gettext as _

from .models import CertificateStatus

C = CertificateStatus
HEIGHT = 20
FONT_SIZE = 11
ICON_WIDTH = 14
PADDING = 6
# Characters XML 1.0 does not allow at all (escaping cannot help them): dropped.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Look:
    colour: str
    icon: str  # an SVG path, drawn in white in a 10×10 box


# Contrast of white text: #17603a 7.4:1, #7a4b00 7.4:1, #a4161a 7.6:1, #4b5563 7.6:1,
# #1f4a63 9.5:1, #5b6573 5.9:1, #0a4f96 8.2:1.
LOOKS: dict[str, Look] = {
    C.ACTIVE: Look("#17603a", "M1.5 5.5 L4 8 L8.5 2"),
    C.SUSPENDED: Look("#7a4b00", "M3 1.5 V8.5 M7 1.5 V8.5"),
    C.WITHDRAWN: Look("#a4161a", "M2 2 L8 8 M8 2 L2 8"),
    C.EXPIRED: Look("#4b5563", "M5 1 A4 4 0 1 0 5.01 1 M5 2.8 V5 L6.8 6.2"),
    C.SUPERSEDED: Look("#1f4a63", "M1.5 5 H8 M5.5 2.5 L8 5 L5.5 7.5"),
}
UNKNOWN = Look("#5b6573", "M3 3.5 A2 2 0 1 1 5.5 5.3 Q5 5.6 5 6.5 M5 8 V8.6")
LEFT_COLOUR = "#0a4f96"

# Rough advance widths of an 11 px sans-serif; textLength then makes the text fit exactly.
NARROW = set("il.,:;'|!ftjI ()[]-1")
WIDE = set("mwMWOQGDHNU@%")


def text_width(text: str) -> int:
    width = 0.0
    for char in text:
        if char in NARROW:
            width += 3.6
        elif char in WIDE:
            width += 9.0
        elif char.isupper() or char.isdigit():
            width += 7.2
        else:
            width += 6.4
    return int(width + 0.5)


def clean(text: str) -> str:
    return escape(XML_INVALID.sub("", text))


def basis_text(basis_status: str) -> str:
    """The right segment of a valid product certificate whose basis is not valid."""
    words: dict[str, str] = {
        C.SUSPENDED: _("not backed: organizational certificate suspended"),
        C.WITHDRAWN: _("not backed: organizational certificate withdrawn"),
        C.EXPIRED: _("not backed: organizational certificate expired"),
    }
    return words.get(basis_status, _("not backed: organizational certificate not valid"))


def status_text(status: str | None, valid_until: date | None) -> str:
    if status == C.ACTIVE and valid_until is not None:
        return _("valid until %(month)s") % {"month": valid_until.strftime("%Y-%m")}
    words: dict[str, str] = {
        C.SUSPENDED: _("suspended"),
        C.WITHDRAWN: _("withdrawn"),
        C.EXPIRED: _("expired"),
        C.SUPERSEDED: _("superseded"),
    }
    return words.get(status or "", _("unknown certificate"))


def badge_svg(
    *,
    status: str | None,
    valid_until: date | None = None,
    number: str = "",
    holder: str = "",
    basis_status: str | None = None,
) -> str:
    """The badge for a certificate in `status` (its effective one); None: unknown number.
    `basis_status`: a valid product certificate's organizational basis is not valid."""
    look = LOOKS.get(status or "", UNKNOWN)
    right = status_text(status, valid_until)
    if status == C.ACTIVE and basis_status:
        look = LOOKS[C.SUSPENDED]
        right = basis_text(basis_status)
    if status == C.ACTIVE and not basis_status:
        left = _("CPO certified")
    elif status in LOOKS:
        left = _("CPO certificate")
    else:
        left = _("CPO")
    left_width = text_width(left) + 2 * PADDING
    right_text_width = text_width(right)
    right_width = ICON_WIDTH + right_text_width + 2 * PADDING
    width = left_width + right_width
    if status in LOOKS:
        title = _("CPO certificate %(number)s of %(holder)s: %(status)s") % {
            "number": number,
            "holder": holder,
            "status": right,
        }
    else:
        title = _("Unknown CPO certificate")
    baseline = 14
    icon_x = left_width + PADDING
    text_x = icon_x + ICON_WIDTH
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
        f'viewBox="0 0 {width} {HEIGHT}" role="img" aria-label="{clean(title)}">'
        f"<title>{clean(title)}</title>"
        f'<rect width="{width}" height="{HEIGHT}" rx="3" fill="{look.colour}"/>'
        f'<path d="M3 0 H{left_width} V{HEIGHT} H3 A3 3 0 0 1 0 {HEIGHT - 3} V3 A3 3 0 0 1 3 0 Z" '
        f'fill="{LEFT_COLOUR if status in LOOKS else UNKNOWN.colour}"/>'
        f'<g fill="#fff" font-family="DejaVu Sans,Verdana,Geneva,Arial,sans-serif" '
        f'font-size="{FONT_SIZE}" font-weight="600">'
        f'<text x="{PADDING}" y="{baseline}" textLength="{left_width - 2 * PADDING}" '
        f'lengthAdjust="spacingAndGlyphs">{clean(left)}</text>'
        f'<text x="{text_x}" y="{baseline}" textLength="{right_text_width}" '
        f'lengthAdjust="spacingAndGlyphs">{clean(right)}</text>'
        f"</g>"
        f'<g transform="translate({icon_x} 5)" fill="none" stroke="#fff" stroke-width="1.8" '
        f'stroke-linecap="round" stroke-linejoin="round"><path d="{look.icon}"/></g>'
        f"</svg>"
    )
