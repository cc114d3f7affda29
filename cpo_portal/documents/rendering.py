"""HTML template → PDF with WeasyPrint, fetching nothing from the network."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

# Only files below these folders may be pulled into a PDF (fonts, images, CSS). Anything
# else, and every network URL, is refused: a document must never make the server fetch.
_ALLOWED_ROOTS = [Path(settings.BASE_DIR) / "static", Path(settings.BASE_DIR) / "templates"]


def _url_fetcher(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
    from weasyprint.urls import default_url_fetcher

    if url.startswith("data:"):
        return default_url_fetcher(url, timeout=timeout)
    if url.startswith("file://"):
        path = Path(url[len("file://") :]).resolve()
        if any(path.is_relative_to(root.resolve()) for root in _ALLOWED_ROOTS):
            return default_url_fetcher(url, timeout=timeout)
    raise ValueError(f"refused to fetch {url!r} while rendering a document")


def render_html(template: str, context: dict[str, Any], *, language: str) -> str:
    with translation.override(language):
        return render_to_string(template, {**context, "LANGUAGE_CODE": language})


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported lazily: pango loads slowly and web needs it rarely

    base = (Path(settings.BASE_DIR) / "templates").as_uri() + "/"
    pdf = HTML(string=html, base_url=base, url_fetcher=_url_fetcher).write_pdf()
    assert pdf is not None
    return pdf
