"""The annual report PDF reads like a report: every chart is a numbered figure whose chart,
table and caption stay on one page (no lone chart at the foot of a page), pictures come
after their section's text with caption and text alternative, and the PDF downloads under a
human name."""

import hashlib
import logging
import subprocess

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from community.documents import report_pdf_filename
from community.models import AnnualReport
from community.report_figures import present
from community.services import reports as services
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.documents.services import document_render
from tests.community.factories import AnnualReportFactory, ReportImageFactory, picture
from tests.documents.pdf_archival import assert_archival

pytestmark = pytest.mark.django_db

YEAR = timezone.now().year


def pages_of(pdftotext, document) -> list[str]:
    """The text of each page (pdftotext ends every page with a form feed)."""
    with document.file.open("rb") as fh:
        pdf = fh.read()
    result = subprocess.run(
        [pdftotext, "-enc", "UTF-8", "-layout", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return [" ".join(page.split()) for page in result.stdout.decode().split("\f")]


def page_with(pages: list[str], text: str) -> int:
    found = [i for i, page in enumerate(pages) if text in page]
    assert len(found) == 1, (text, found)
    return found[0]


def render(report, by):
    services.report_snapshot_take(report=report, by=by)
    requested = services.report_render(report=report, by=by)
    document = document_render(document_id=requested.pk)
    assert document is not None and document.status == DocumentStatus.READY, document
    return document


@pytest.mark.parametrize("paragraphs", [4, 6, 11])
def test_each_chart_shares_its_page_with_its_table_and_caption(
    core_team, gamma_member, alice, pdftotext_path, paragraphs
):
    """Text of different lengths before the figures moves the page breaks through them: in
    every case each figure's caption, chart title and table are on one page."""
    report = services.report_create(year=YEAR, by=alice)
    filler = "\n\n".join(
        f"Paragraph {n}: the CPO Community met, discussed and decided. " * 6
        for n in range(paragraphs)
    )
    services.report_section_save(
        report=report, section=report.sections.first(), by=alice, title="Foreword", body=filler
    )
    document = render(report, alice)
    pages = pages_of(pdftotext_path, document)
    report.refresh_from_db()
    figures = present(report.snapshot)
    numbered = [
        figures["signees"]["figure"],
        figures["signees"]["history_figure"],
        *(row["figure"] for row in figures["certificates"]["rows"]),
        figures["community"]["figure"],
        figures["proposals"]["figure"],
    ]
    assert [f["number"] for f in numbered] == list(range(1, len(numbered) + 1))
    used = set()
    for figure in numbered:
        caption = page_with(pages, f"Figure {figure['number']}: {figure['caption']}")
        table = page_with(pages, f"Numbers of figure {figure['number']}")
        assert caption == table, (figure["number"], caption, table)
        used.add(caption)
    assert len(pages) > 2 and len(used) >= 2  # the figures do run over several pages
    # The heading of the figures and its note go with the first figure, never alone at
    # the foot of a page.
    first = page_with(pages, f"Figure 1: {numbered[0]['caption']}")
    assert page_with(pages, f"The CPO in {YEAR}: figures") == first
    assert page_with(pages, "when the figures were taken") == first


def test_the_charts_carry_text_alternatives_and_pictures_print_with_theirs(
    core_team, alice, pdftotext_path, caplog
):
    caplog.set_level(logging.ERROR, logger="weasyprint")
    report = services.report_create(year=YEAR, by=alice)
    section = report.sections.first()
    services.report_section_save(
        report=report, section=section, by=alice, title="Foreword", body="Welcome."
    )
    ReportImageFactory(report=report, section=section, caption="The Core Team in Darmstadt")
    cmyk = picture("JPEG", (30, 20), "CMYK")
    with scopes_disabled():
        ReportImageFactory(
            report=report,
            caption="A printed logo",
            content_type="image/jpeg",
            file=ContentFile(cmyk, name="logo.jpg"),
            sha256=hashlib.sha256(cmyk).hexdigest(),
        )

    document = render(report, alice)

    with document.file.open("rb") as fh:
        data = fh.read()
    assert_archival(data, title=report.title)  # every figure has its /Alt
    assert not [r for r in caplog.records if "alt description" in r.getMessage()]
    assert b"Five people in front of a whiteboard." in data or _alt_in_structure(data)
    text = " ".join(pages_of(pdftotext_path, document))
    assert text.index("Welcome.") < text.index("The Core Team in Darmstadt")
    assert text.index("The Core Team in Darmstadt") < text.index("A printed logo")
    # The chart's long description travels with it.
    html = str(present(AnnualReport.objects.get(pk=report.pk).snapshot)["signees"]["chart"])
    assert "<desc>" in html and 'aria-label="Signees per group"' in html


def _alt_in_structure(data: bytes) -> bool:
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        return any(
            isinstance(obj, pikepdf.Dictionary) and "whiteboard" in str(obj.get("/Alt", ""))
            for obj in pdf.objects
        )


# --- The file name --------------------------------------------------------------------------


def test_the_file_name_follows_the_pdf_language():
    report = AnnualReport(year=2026)
    assert report_pdf_filename(report, "en") == "CPO-Annual-Report-2026.pdf"
    assert report_pdf_filename(report, "de") == "CPO-Jahresbericht-2026.pdf"
    assert report_pdf_filename(report, "de-at") == "CPO-Jahresbericht-2026.pdf"
    assert report_pdf_filename(report, "fr") == "CPO-Annual-Report-2026.pdf"
    assert report_pdf_filename(report, None) == "CPO-Annual-Report-2026.pdf"


def _ready(report, by, language):
    requested = services.report_render(report=report, by=by)
    with scopes_disabled():
        document = Document.objects.get(pk=requested.pk)
        document.file.save("x7f3.pdf", ContentFile(b"%PDF-1.7\n%%EOF\n"), save=False)
        document.status = DocumentStatus.READY
        document.language = language
        document.rendered_at = timezone.now()
        document.save()


@pytest.mark.parametrize(
    ("language", "name"),
    [("en", "CPO-Annual-Report-{year}.pdf"), ("de", "CPO-Jahresbericht-{year}.pdf")],
)
def test_the_downloads_carry_the_human_file_name(client, core_team, alice, language, name):
    report = AnnualReportFactory(snapshot={"year": YEAR}, snapshot_taken_at=timezone.now())
    _ready(report, alice, language)
    expected = f'attachment; filename="{name.format(year=report.year)}"'

    client.force_login(alice)
    draft = client.get(reverse("community:report_draft_pdf", args=[report.year]))
    assert draft.status_code == 200 and draft["Content-Disposition"] == expected

    AnnualReport.objects.filter(pk=report.pk).update(published_at=timezone.now())
    client.logout()
    public = client.get(reverse("community:report_pdf", args=[report.year]))
    assert public.status_code == 200 and public["Content-Disposition"] == expected
