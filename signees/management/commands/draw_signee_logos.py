"""Draw the CPO signee logos into static/signees/logo/ (run once after changing the design).

One layout (in badge units) is drawn twice: as SVG text and, with Pillow, as PNG. Text is
measured with DejaVu Sans (the font the portal's PDFs use and the SVG names first), so both
renderings agree. The badge wording is artwork in English and German, not interface text:
a company gets both, whatever language it browses the portal in.

The files are committed; the logo pack download (signees.logo) only zips them.
"""

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from PIL import Image, ImageDraw, ImageFont

from criteria.groups import SigneeGroup
from signees.logo import LANGUAGES, PNG_WIDTHS, STATIC_DIR, WORDING, XML_DECLARATION, artwork_name

WIDTH, HEIGHT = 560, 180
TITLE = "Code of PLM Openness"

ACCENT = "#0a4f96"
ACCENT_DARK = "#073a70"
ACCENT_SOFT = "#e8f0fa"
MUTED = "#4b5563"
WHITE = "#ffffff"
FONT_FAMILY = "'DejaVu Sans', Verdana, 'Helvetica Neue', Arial, sans-serif"

# The white panel on the right, where the wording goes.
PANEL_X, PANEL_Y, PANEL_W, PANEL_H = 172, 10, 378, 160
TEXT_X = PANEL_X + 24
TEXT_MAX = PANEL_W - 48
PILL_PAD = 16
# Supersampling: Pillow draws shapes without anti-aliasing, so draw big and scale down.
SUPERSAMPLE = 3


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float
    bold: bool
    fill: str
    centred: bool = False


@dataclass(frozen=True)
class Badge:
    title: str  # for <title> and alt texts
    texts: tuple[Text, ...]
    pill_width: float


@lru_cache(maxsize=64)
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf", size)
    except OSError:  # no DejaVu installed: Pillow's own scalable font
        return ImageFont.load_default(size=size)


def _width(text: str, size: float, bold: bool) -> float:
    # Measured at 10x for precision: truetype sizes are whole pixels.
    return _font(round(size * 10), bold).getlength(text) / 10


def _fit(text: str, size: float, bold: bool, limit: float) -> float:
    """The largest size up to `size` at which `text` fits into `limit`."""
    width = _width(text, size, bold)
    return size if width <= limit else round(size * limit / width, 1)


def badge(group: str, language: str = "en") -> Badge:
    wording = WORDING[language]
    label = wording[SigneeGroup(group)]
    lead_size = _fit(wording["lead"], 20, False, TEXT_MAX)
    title_size = _fit(TITLE, 24, True, TEXT_MAX)
    label_size = _fit(label, 17, True, TEXT_MAX - 2 * PILL_PAD)
    texts = (
        Text(86, 104, "CPO", 40, True, WHITE, centred=True),
        Text(TEXT_X, 56, wording["lead"], lead_size, False, MUTED),
        Text(TEXT_X, 90, TITLE, title_size, True, ACCENT_DARK),
        Text(TEXT_X + PILL_PAD, 134, label, label_size, True, ACCENT),
    )
    pill = min(_width(label, label_size, True) + 2 * PILL_PAD, TEXT_MAX)
    return Badge(title=f"CPO – {wording['lead']} {TITLE} – {label}", texts=texts, pill_width=pill)


def _svg_text(t: Text) -> str:
    anchor = ' text-anchor="middle"' if t.centred else ""
    weight = ' font-weight="700"' if t.bold else ""
    return (
        f'  <text x="{t.x:g}" y="{t.y:g}" font-size="{t.size:g}"{weight}{anchor} '
        f'fill="{t.fill}">{escape(t.text)}</text>'
    )


def draw_svg(group: str, language: str = "en") -> str:
    """The badge as an SVG document."""
    b = badge(group, language)
    return "\n".join(
        [
            XML_DECLARATION,
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="cpo-badge-title">',
            f'  <title id="cpo-badge-title">{escape(b.title)}</title>',
            f'  <rect width="{WIDTH}" height="{HEIGHT}" rx="24" fill="{ACCENT}"/>',
            f'  <rect x="{PANEL_X}" y="{PANEL_Y}" width="{PANEL_W}" height="{PANEL_H}" rx="16" '
            f'fill="{WHITE}"/>',
            f'  <circle cx="86" cy="90" r="60" fill="none" stroke="{WHITE}" stroke-width="5"/>',
            f'  <rect x="{TEXT_X}" y="110" width="{b.pill_width:.1f}" height="36" rx="18" '
            f'fill="{ACCENT_SOFT}"/>',
            f'  <g font-family="{FONT_FAMILY}">',
            *(_svg_text(t) for t in b.texts),
            "  </g>",
            "</svg>",
            "",
        ]
    )


def draw_png(group: str, language: str = "en", width: int = 560) -> bytes:
    """The badge as a PNG `width` pixels wide, transparent outside its rounded corners."""
    b = badge(group, language)
    k = width / WIDTH * SUPERSAMPLE
    image = Image.new("RGBA", (round(WIDTH * k), round(HEIGHT * k)), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)

    def box(x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
        return (x * k, y * k, (x + w) * k, (y + h) * k)

    draw.rounded_rectangle(box(0, 0, WIDTH, HEIGHT), radius=24 * k, fill=ACCENT)
    draw.rounded_rectangle(box(PANEL_X, PANEL_Y, PANEL_W, PANEL_H), radius=16 * k, fill=WHITE)
    draw.ellipse(box(26, 30, 120, 120), outline=WHITE, width=round(5 * k))
    draw.rounded_rectangle(box(TEXT_X, 110, b.pill_width, 36), radius=18 * k, fill=ACCENT_SOFT)
    for t in b.texts:
        font = _font(round(t.size * k), t.bold)
        draw.text(
            (t.x * k, t.y * k), t.text, font=font, fill=t.fill, anchor="ms" if t.centred else "ls"
        )
    size = (width, round(HEIGHT * width / WIDTH))
    out = io.BytesIO()
    image.resize(size, Image.Resampling.LANCZOS).save(out, format="PNG", optimize=True)
    return out.getvalue()


def draw_all(directory: Path) -> list[Path]:
    """Every badge (each group, each language) as SVG and PNGs in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for group in SigneeGroup:
        for language in LANGUAGES:
            path = directory / artwork_name(group, language)
            path.write_text(draw_svg(group, language), encoding="utf-8")
            written.append(path)
            for width in PNG_WIDTHS:
                path = directory / artwork_name(group, language, width)
                path.write_bytes(draw_png(group, language, width))
                written.append(path)
    return written


class Command(BaseCommand):
    help = "Draw the CPO signee logos (SVG and PNG, English and German) as static files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=Path(settings.BASE_DIR) / "static" / STATIC_DIR,
            help="the directory to write to (default: static/signees/logo/)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        written = draw_all(options["output"])
        self.stderr.write(f"{len(written)} files written to {options['output']}.")
