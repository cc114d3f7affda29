"""HTML template → PDF with WeasyPrint, fetching nothing from the network."""

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

# Only files below these folders may be pulled into a PDF (fonts, images, CSS). Anything
# else, and every network URL, is refused: a document must never make the server fetch.
_ALLOWED_ROOTS = [Path(settings.BASE_DIR) / "static", Path(settings.BASE_DIR) / "templates"]


def _local_fetcher() -> Any:
    """A WeasyPrint fetcher limited to data: URLs and files below the allowed folders."""

    # WeasyPrint is heavy: loaded only where a PDF is rendered.
    from weasyprint.urls import URLFetcher

    class LocalFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("file:"):
                path = Path(unquote(urlsplit(url).path)).resolve()
                if not any(path.is_relative_to(root.resolve()) for root in _ALLOWED_ROOTS):
                    raise ValueError(f"refused to fetch {url!r} while rendering a document")
            elif not url.startswith("data:"):
                raise ValueError(f"refused to fetch {url!r} while rendering a document")
            return super().fetch(url, headers)

    # One fetcher per render: URLFetcher keeps per-request state.
    return LocalFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)


def render_html(template: str, context: dict[str, Any], *, language: str) -> str:
    with translation.override(language):
        return render_to_string(template, {**context, "LANGUAGE_CODE": language})


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported lazily: pango loads slowly and web needs it rarely

    base = (Path(settings.BASE_DIR) / "templates").as_uri() + "/"
    pdf = HTML(string=html, base_url=base, url_fetcher=_local_fetcher()).write_pdf()
    assert pdf is not None
    return pdf
