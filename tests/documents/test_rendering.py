"""A document never makes the server fetch anything from the network."""

from pathlib import Path

import pytest
from django.conf import settings

from cpo_portal.documents.rendering import _local_fetcher, html_to_pdf, render_html


def _url_fetcher(url):
    return _local_fetcher().fetch(url)


def _body(result):
    if hasattr(result, "read"):
        return result.read()
    return result.get("string") or result["file_obj"].read()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/logo.png",
        "https://example.org/style.css",
        "ftp://example.org/file",
        "file:///etc/passwd",
        f"file://{Path(settings.BASE_DIR) / 'static'}/../cpo_portal/settings.py",
    ],
)
def test_url_fetcher_refuses_network_and_files_outside_static(url):
    with pytest.raises(ValueError, match="refused to fetch"):
        _url_fetcher(url)


def test_url_fetcher_allows_data_urls():
    assert _body(_url_fetcher("data:text/plain;base64,aGVsbG8=")) == b"hello"


def test_url_fetcher_allows_files_below_static():
    css = next((Path(settings.BASE_DIR) / "static").rglob("*.css"))
    assert _body(_url_fetcher(css.as_uri())) == css.read_bytes()


def test_pdf_with_a_local_stylesheet_and_data_image_renders():
    css = next((Path(settings.BASE_DIR) / "static").rglob("*.css"))
    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR4nGNg"
        "YAAAAAMAASsJTYQAAAAASUVORK5CYII="
    )
    pdf = html_to_pdf(f'<link rel="stylesheet" href="{css.as_uri()}"><img src="{pixel}"><p>x</p>')
    assert pdf.startswith(b"%PDF")


def test_pdf_with_a_remote_image_renders_without_fetching_it(monkeypatch):
    import urllib.request

    def no_network(*args, **kwargs):
        raise AssertionError("the renderer tried to reach the network")

    # WeasyPrint's fetcher opens every URL through OpenerDirector.open.
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    pdf = html_to_pdf('<p>x</p><img src="http://169.254.169.254/latest/meta-data/">')
    assert pdf.startswith(b"%PDF")


def test_render_html_uses_the_document_language(settings, tmp_path):
    (tmp_path / "lang.html").write_text(
        "{{ LANGUAGE_CODE }}|{% load i18n %}{% get_current_language as l %}{{ l }}"
    )
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]
    assert render_html("lang.html", {}, language="de") == "de|de"


# --- Archival and accessible (signatures): PDF/A-3a + PDF/UA-1 ---------------------------


def test_every_pdf_is_pdf_a_3a_and_claims_pdf_ua_1():
    from tests.documents.pdf_archival import assert_archival

    pdf = html_to_pdf(
        '<html lang="de"><head><meta charset="utf-8"><title>Prüfbericht</title></head>'
        "<body><h1>Überschrift</h1><p>Text mit Umlauten: äöü ß.</p></body></html>"
    )
    found = assert_archival(pdf, title="Prüfbericht", lang="de")
    assert found["pdfa_part"] == "3"


def test_an_image_without_a_text_alternative_is_reported(caplog):
    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR4nGNg"
        "YAAAAAMAASsJTYQAAAAASUVORK5CYII="
    )
    html_to_pdf(f'<html lang="en"><title>t</title><p>x</p><img src="{pixel}"></html>')
    assert any("no required alt description" in r.getMessage() for r in caplog.records)
    caplog.clear()
    html_to_pdf(f'<html lang="en"><title>t</title><p>x</p><img src="{pixel}" alt="A dot"></html>')
    assert not any("alt description" in r.getMessage() for r in caplog.records)
