"""The logo pack's artworks: static files drawn once, zipped as they are on every download."""

import io
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from PIL import Image, ImageDraw

from criteria.groups import SigneeGroup
from signees.logo import LANGUAGES, PNG_WIDTHS, artwork, artwork_name, logo_pack, logo_svg

pytestmark = pytest.mark.django_db


def test_every_artwork_is_a_static_file():
    for group in SigneeGroup:
        for language in LANGUAGES:
            svg = artwork(artwork_name(group, language)).decode()
            assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')
            assert "Code of PLM Openness" in svg
            for width in PNG_WIDTHS:
                png = Image.open(io.BytesIO(artwork(artwork_name(group, language, width))))
                assert png.format == "PNG"
                assert png.size == (width, round(180 * width / 560))


def test_a_download_zips_the_static_files_and_draws_nothing(
    client, approved, alpha, alice, monkeypatch
):
    def no_drawing(*args, **kwargs):
        raise AssertionError("a download must not draw")

    monkeypatch.setattr(ImageDraw, "Draw", no_drawing)
    client.force_login(alice)
    response = client.get(reverse("signees:logo_pack", args=[alpha.slug]))
    assert response.status_code == 200
    pack = zipfile.ZipFile(io.BytesIO(response.content))
    artworks = [n for n in pack.namelist() if n.endswith((".svg", ".png"))]
    assert len(artworks) == 8  # SVG and three PNGs, in English and German
    for name in artworks:
        assert pack.read(name) == artwork(name.rsplit("/", 1)[1])
    assert all("it-vendor" in name for name in artworks)


def test_the_pack_is_the_same_on_the_same_day(approved):
    assert logo_pack(approved) == logo_pack(approved)


def test_the_inline_preview_is_the_svg_without_its_xml_declaration():
    standalone = logo_svg(SigneeGroup.IT_CUSTOMER, "de")
    inline = logo_svg(SigneeGroup.IT_CUSTOMER, "de", standalone=False)
    assert inline.startswith("<svg")
    assert standalone.endswith(inline)
    assert "IT-Kunde" in inline


def test_the_command_draws_the_committed_artworks_again(tmp_path):
    call_command("draw_signee_logos", "--output", str(tmp_path))
    drawn = sorted(p.name for p in tmp_path.iterdir())
    assert len(drawn) == len(SigneeGroup) * len(LANGUAGES) * (1 + len(PNG_WIDTHS))
    for name in drawn:
        committed = artwork(name)
        if name.endswith(".svg"):
            assert (tmp_path / name).read_bytes() == committed
        else:
            assert Image.open(tmp_path / name).size == Image.open(io.BytesIO(committed)).size
