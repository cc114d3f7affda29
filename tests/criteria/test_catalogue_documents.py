"""The printable edition of a catalogue version: a PDF per language, rendered through the
Document pipeline on the first request, served to everyone with a human file name."""

import shutil
import subprocess

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.errors import DomainError
from criteria.documents import CATALOGUE_DOCUMENT_KIND, catalogue_pdf_filename
from criteria.selectors.catalogue import catalogue_pdf_document
from criteria.services.catalogue import catalogue_pdf_request
from tests.documents.pdf_archival import assert_archival

pytestmark = pytest.mark.django_db


@pytest.fixture
def pdftotext_path():
    path = shutil.which("pdftotext")
    if path is None:
        pytest.skip("pdftotext is missing (apt install poppler-utils)")
    return path


def _text(pdftotext: str, data: bytes) -> str:
    result = subprocess.run(
        [pdftotext, "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def _download(client, django_capture_on_commit_callbacks, version, language):
    """First request: the document is requested (rendered after the commit; the test's
    transaction never commits, so the captured callback renders it). Second: the file."""
    url = reverse("criteria:catalogue_pdf", args=[version.code, language])
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(url)
    return first, client.get(url)


def _documents():
    with scopes_disabled():
        return list(Document.objects.filter(kind=CATALOGUE_DOCUMENT_KIND))


def test_the_german_edition_prints_every_category_in_order_with_obligations_and_groups(
    client, catalogue_v1, django_capture_on_commit_callbacks, pdftotext_path
):
    first, response = _download(client, django_capture_on_commit_callbacks, catalogue_v1, "de")

    assert first.status_code == 202  # being prepared: the request committed, then rendered
    assert first["Retry-After"]
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="CPO-catalogue-v1-de.pdf"' in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    assert_archival(data, lang="de")
    text = _text(pdftotext_path, data)
    # The title page: version and publication date.
    assert "Katalogversion v1" in text
    assert catalogue_v1.published_at.strftime("%Y") in text
    # The table of contents, then categories 2.1 to 2.7 in order, each with its criteria.
    assert "Inhalt 2.1 Interoperabilität" in text
    body = text[text.index("2.1 Interoperabilität Über") :]
    headings = [
        "2.1 Interoperabilität",
        "2.1.1 Neutrale Austauschformate",
        "2.2 Infrastruktur",
        "2.3 Erweiterbarkeit",
        "2.4 Schnittstellen Über",
        "2.4.2 Stabile Schnittstellen",
        "2.5 Standards",
        "2.6 Architektur",
        "2.7 Partnerschaft",
        "2.7.1 Offenheit in Verträgen",
    ]
    positions = [body.index(heading) for heading in headings]
    assert positions == sorted(positions)
    # Each criterion: code, title, obligation in German, text and groups.
    assert "2.3.1 Entwicklungsumgebung für Erweiterungen (MUSS)" in text
    assert "2.1.2 Erhaltene Kennungen (SOLL)" in text
    assert "2.2.1 Dokumentierte Betriebsumgebung (KANN)" in text
    assert "Verträge verbieten den Austausch der Kundendaten nicht." in text
    assert "Gilt für: IT-Kunde" in text
    assert "Demo" not in text


def test_the_demo_catalogue_carries_the_demo_label_on_its_pdf(
    client, demo_catalogue, django_capture_on_commit_callbacks, pdftotext_path
):
    _, response = _download(client, django_capture_on_commit_callbacks, demo_catalogue, "en")

    data = b"".join(response.streaming_content)
    text = _text(pdftotext_path, data)
    assert "Illustrative demo catalogue — not the official DIN SPEC 91372 text" in text
    assert "Catalogue version demo-t" in text
    assert "(SHALL)" in text
    assert 'filename="CPO-catalogue-demo-t-en.pdf"' in response["Content-Disposition"]


def test_one_document_per_version_and_language_however_often_it_is_asked_for(catalogue_v1):
    first = catalogue_pdf_request(version=catalogue_v1, language="en")
    again = catalogue_pdf_request(version=catalogue_v1, language="en")
    german = catalogue_pdf_request(version=catalogue_v1, language="de")

    assert first.pk == again.pk
    assert german.pk != first.pk
    assert {(d.language, d.organization_id) for d in _documents()} == {("en", None), ("de", None)}
    assert catalogue_pdf_document(catalogue_v1, "de") == german


def test_a_failed_rendering_is_tried_again_only_after_a_rest(catalogue_v1, settings):
    document = catalogue_pdf_request(version=catalogue_v1, language="en")
    with scopes_disabled():
        Document.objects.filter(pk=document.pk).update(status=DocumentStatus.FAILED)

    assert catalogue_pdf_request(version=catalogue_v1, language="en").status == "failed"
    settings.DOCUMENT_STUCK_AFTER_SECONDS = -1
    assert catalogue_pdf_request(version=catalogue_v1, language="en").status == "pending"


def test_only_published_versions_in_english_or_german_are_printed(
    client, catalogue_v1, draft_catalogue
):
    with pytest.raises(DomainError):
        catalogue_pdf_request(version=draft_catalogue, language="en")
    with pytest.raises(DomainError):
        catalogue_pdf_request(version=catalogue_v1, language="fr")

    assert client.get(f"/criteria/{draft_catalogue.code}/pdf/en/").status_code == 404
    assert client.get(f"/criteria/{catalogue_v1.code}/pdf/fr/").status_code == 404
    assert client.get("/criteria/nope/pdf/en/").status_code == 404
    assert _documents() == []


def test_nobody_gets_a_draft_as_pdf_not_even_the_office(client, office_user, draft_catalogue):
    client.force_login(office_user)

    response = client.get(reverse("criteria:catalogue_pdf", args=[draft_catalogue.code, "en"]))

    assert response.status_code == 404
    assert _documents() == []


def test_a_retired_version_is_still_printed(client, retired_catalogue):
    response = client.get(reverse("criteria:catalogue_pdf", args=[retired_catalogue.code, "en"]))

    assert response.status_code == 202  # requested; no cache may keep the waiting page
    assert response["Cache-Control"] == "no-store"
    assert [d.status for d in _documents()] == [DocumentStatus.PENDING]


def test_the_waiting_page_says_so_and_a_failed_one_says_it_failed(client, catalogue_v1):
    url = reverse("criteria:catalogue_pdf", args=[catalogue_v1.code, "en"])
    assert "being prepared" in client.get(url).content.decode()

    with scopes_disabled():
        Document.objects.update(status=DocumentStatus.FAILED)
    assert "could not be made" in client.get(url).content.decode()


def test_the_catalogue_page_links_both_editions(client, catalogue_v1):
    html = client.get(reverse("criteria:catalogue", args=[catalogue_v1.code])).content.decode()

    assert "Download as PDF" in html
    assert reverse("criteria:catalogue_pdf", args=["v1", "en"]) in html
    assert reverse("criteria:catalogue_pdf", args=["v1", "de"]) in html
    assert "CPO-catalogue-v1-de.pdf" in html


def test_file_name_is_human():
    class Version:
        code = "2.0"

    assert catalogue_pdf_filename(Version(), "de") == "CPO-catalogue-2.0-de.pdf"  # type: ignore[arg-type]
