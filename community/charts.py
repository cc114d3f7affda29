"""Bar and line charts as inline SVG, in plain Python: the same markup goes into the web
page and the PDF (WeasyPrint draws SVG itself), with no JavaScript and nothing fetched.

Every label is escaped. Every chart carries its text alternative (PDF/UA, screen readers):
role="img" with an aria-label, a <title> (its caption) and a <desc> that reads the numbers
out ("Label: value; …"); the page and the PDF also show the same numbers in a table beside
it, in one figure with its caption (templates/community/reports/_figure.html).
"""

from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

from cpo_portal.numbers import number

PALETTE = ("#1f5f8b", "#c26a1b", "#3b7d3b", "#7a4a8c", "#8b1f3f", "#4f5b66")
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _nice_max(value: float) -> int:
    """A round upper bound for the axis: the value rounded up at its leading digit."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    return int(-(-value // magnitude) * magnitude)


def describe(items: Sequence[tuple[str, float]]) -> str:
    """The numbers of a chart as one sentence: its text alternative's long description."""
    return "; ".join(f"{label}: {number(value)}" for label, value in items) + "."


def _open(width: int, height: int, size: int, title: str, desc: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-label="{_e(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" {FONT} font-size="{size}">'
        f"<title>{_e(title)}</title><desc>{_e(desc)}</desc>"
    )


def _label_width(labels: Sequence[str]) -> int:
    """Room for the longest label (about 6.8 px a character at 12 px), within bounds."""
    longest = max((len(label) for label in labels), default=0)
    return max(90, min(280, int(longest * 6.8) + 12))


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    desc: str = "",
    plot_width: int = 250,
    bar_height: int = 22,
) -> SafeString:
    """Horizontal bars, one per (label, value); values are written at the end of each bar."""
    label_width = _label_width([str(label) for label, _v in items])
    width = label_width + plot_width + 60
    gap = 8
    top = 8
    height = top + len(items) * (bar_height + gap) + 4
    plot = plot_width
    top_value = _nice_max(max((v for _l, v in items), default=0))
    parts = [_open(width, height, 12, title, desc or describe(items))]
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_height + gap)
        length = round(plot * value / top_value) if value else 0
        colour = PALETTE[i % len(PALETTE)]
        middle = y + bar_height / 2 + 4
        parts.append(
            f'<text x="{label_width - 6}" y="{middle}" text-anchor="end" fill="#222">'
            f"{_e(label)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{max(length, 1)}" height="{bar_height}" '
            f'fill="{colour}"/>'
            f'<text x="{label_width + length + 6}" y="{middle}" fill="#222">'
            f"{_e(number(value))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def line_chart(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    desc: str = "",
    width: int = 480,
    height: int = 200,
) -> SafeString:
    """One line through (label, value) points, labels along the x axis, values at the dots."""
    left, right, top, bottom = 40, 16, 16, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max((v for _l, v in points), default=0))
    count = len(points)

    def x(i: int) -> float:
        return left + (plot_w * i / (count - 1) if count > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - plot_h * v / top_value

    parts = [
        _open(width, height, 11, title, desc or describe(points)),
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="#888"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#888"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" fill="#555">'
        f"{number(top_value)}</text>",
        f'<text x="{left - 4}" y="{top + plot_h + 4}" text-anchor="end" fill="#555">0</text>',
    ]
    if count > 1:
        path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_l, v) in enumerate(points))
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>'
        )
    for i, (label, value) in enumerate(points):
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="3" fill="{PALETTE[0]}"/>'
            f'<text x="{x(i):.1f}" y="{y(value) - 6:.1f}" text-anchor="middle" fill="#222">'
            f"{_e(number(value))}</text>"
            f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" fill="#555">'
            f"{_e(label)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped
