"""The CPO signee logo pack: our own badge design as SVG and PNG, with its usage terms.

The badges are fixed artworks, one per group and language (SVG, and PNG in three widths).
`manage.py draw_signee_logos` draws them once into static/signees/logo/, where they are
committed; a download zips those files with the signee's own usage terms, so nothing is
drawn while a company waits for its pack.
"""

import io
import zipfile
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Signee, SigneeGroup

STATIC_DIR = "signees/logo"
PNG_WIDTHS = (280, 560, 1120)
LANGUAGES = ("en", "de")
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
WORDING = {
    "en": {
        "lead": "Signee of the",
        SigneeGroup.IT_CUSTOMER: "IT customer",
        SigneeGroup.IT_VENDOR: "IT vendor",
        SigneeGroup.IT_SERVICE_PROVIDER: "IT service provider",
    },
    "de": {
        "lead": "Unterzeichner des",
        SigneeGroup.IT_CUSTOMER: "IT-Kunde",
        SigneeGroup.IT_VENDOR: "IT-Anbieter",
        SigneeGroup.IT_SERVICE_PROVIDER: "IT-Dienstleister",
    },
}


def artwork_name(group: str, language: str, width: int | None = None) -> str:
    """The file name of a badge: its SVG, or its PNG `width` pixels wide."""
    name = f"cpo-signee-{SigneeGroup(group).value.replace('_', '-')}-{language}"
    return f"{name}-{width}px.png" if width else f"{name}.svg"


def artwork(name: str) -> bytes:
    """The bytes of one badge file, from the static files."""
    path = finders.find(f"{STATIC_DIR}/{name}")
    if not path:
        raise FileNotFoundError(f"{STATIC_DIR}/{name}: run manage.py draw_signee_logos")
    return Path(str(path)).read_bytes()


def logo_svg(group: str, language: str = "en", *, standalone: bool = True) -> str:
    """The badge as SVG; `standalone=False` leaves out the XML declaration (inline in HTML)."""
    svg = artwork(artwork_name(group, language)).decode()
    return svg if standalone else svg.removeprefix(f"{XML_DECLARATION}\n")


def usage_terms(signee: Signee) -> str:
    organization = signee.organization
    return render_to_string(
        "signees/signing/logo_usage_terms.txt",
        {
            "organization": organization,
            "group_en": WORDING["en"][SigneeGroup(signee.group)],
            "group_de": WORDING["de"][SigneeGroup(signee.group)],
            "listing_url": f"{settings.SITE_URL}/signees/{organization.slug}/",
            "since": signee.approved_at,
        },
    )


def logo_pack_filename(signee: Signee) -> str:
    return f"cpo-signee-logo-{signee.organization.slug}.zip"


def logo_pack(signee: Signee, today: date | None = None) -> bytes:
    """A ZIP of the signee's badge in its group: SVG and PNGs in English and German, terms."""
    stamp = (today or timezone.localdate()).timetuple()[:6]
    group = SigneeGroup(signee.group)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as pack:

        def add(path: str, data: bytes | str) -> None:
            info = zipfile.ZipInfo(f"cpo-signee-logo/{path}", stamp)
            pack.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)

        add("USAGE-TERMS.txt", usage_terms(signee))
        for language in LANGUAGES:
            svg = artwork_name(group, language)
            add(f"svg/{svg}", artwork(svg))
            for width in PNG_WIDTHS:
                png = artwork_name(group, language, width)
                add(f"png/{png}", artwork(png))
    return buffer.getvalue()
