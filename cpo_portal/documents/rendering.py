"""HTML template → PDF with WeasyPrint, fetching nothing from the network.

Every document is archival and accessible: PDF/A-3a (ISO 19005-3, level a: tagged, Unicode
text, fonts embedded, an sRGB output intent, no encryption or JavaScript) that also claims
PDF/UA-1 (ISO 14289-1) in its XMP metadata (`pdfuaid:part`). WeasyPrint writes one variant's
identification at a time, so the portal registers one combined variant, `PDF_VARIANT`: the
PDF/A-3a output with the PDF/UA identification added to the same XMP packet. What PDF/UA
further asks of the content is the templates' part: a `<title>` (shown as the window title:
/DisplayDocTitle), `<html lang>`, headings in order and a text alternative for every image
(`alt`, or a `<title>` inside an inline SVG).
"""

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


# PDF/A-3a + PDF/UA-1 (see the module docstring).
PDF_VARIANT = "pdf/a-3a+ua-1"  # "pdf/a" in the name: WeasyPrint writes a PDF/A output intent
PDFA_PART, PDFA_CONFORMANCE, PDFUA_PART = 3, "A", 1
_XMP_HEADER = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/">'
)
_XMP_FOOTER = b'</x:xmpmeta>\n<?xpacket end="r"?>'


def _archival_variant(
    pdf: Any, document: Any, page_streams: Any, attachments: Any, compress: bool
) -> None:
    """WeasyPrint's PDF/A-3a step, then one XMP packet naming PDF/A-3a and PDF/UA-1."""
    from xml.etree.ElementTree import fromstring, tostring

    from weasyprint.pdf.metadata import NS
    from weasyprint.pdf.pdfa import pdfa

    pdfa(pdf, document, page_streams, attachments, compress, PDFA_PART, PDFA_CONFORMANCE)
    metadata = document.metadata
    rdf = fromstring(metadata.generate_rdf_metadata("a", PDFA_PART, PDFA_CONFORMANCE))  # noqa: S314
    identification = rdf[0]  # the rdf:Description carrying pdfaid:part/conformance
    identification.set(f"{{{NS['pdfuaid']}}}part", str(PDFUA_PART))
    content = b"\n".join((_XMP_HEADER, tostring(rdf), *metadata.xmp_metadata, _XMP_FOOTER))
    # Replace the packet pdfa() wrote (the catalog points at it): one Metadata stream.
    reference = pdf.catalog["Metadata"]  # b"28 0 R"
    number = int(bytes(reference).split()[0])
    pdf.objects[number].stream = [content]


def _register_variant() -> None:
    from weasyprint.pdf import VARIANTS

    if PDF_VARIANT not in VARIANTS:
        _, properties = VARIANTS["pdf/a-3a"]  # PDF 1.7, identifier, sRGB intent, tags
        VARIANTS[PDF_VARIANT] = (_archival_variant, dict(properties))


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported lazily: pango loads slowly and web needs it rarely

    _register_variant()
    base = (Path(settings.BASE_DIR) / "templates").as_uri() + "/"
    pdf = HTML(string=html, base_url=base, url_fetcher=_local_fetcher()).write_pdf(
        pdf_variant=PDF_VARIANT
    )
    assert pdf is not None
    return pdf
