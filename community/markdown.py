"""Markdown → HTML that is safe to show: the Core Team writes, the public reads.

Markdown passes raw HTML through, so its output is cleaned with nh3 (ammonia): an allow
list of tags and attributes, links only to http(s) and mailto, no scripts, no event
handlers, no styles, no images (a report must never make a reader's browser or the PDF
renderer fetch anything).
"""

import re

import markdown as _markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["tables", "sane_lists", "fenced_code"]
# A section's own title is a level-2 heading: its Markdown headings start below it.
_HEADING = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)


def _shift_heading(match: re.Match[str]) -> str:
    return f"<{match.group(1)}h{min(int(match.group(2)) + 2, 6)}"


def render_markdown(text: str) -> SafeString:
    """Sanitized HTML for `text`; safe to put into a page or a PDF as it is."""
    html = _markdown.markdown(text or "", extensions=EXTENSIONS, output_format="html")
    cleaned = nh3.clean(
        _HEADING.sub(_shift_heading, html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 — cleaned by nh3 just above
