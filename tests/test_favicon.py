"""The portal has an icon: every page links it, and /favicon.ico (asked for by browsers,
feed readers and crawlers on their own) answers with it instead of a 404."""

import struct

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.test import Client

pytestmark = pytest.mark.django_db


def test_every_page_links_the_icon(client):
    page = client.get("/").content.decode()
    assert f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">' in page
    assert f'<link rel="icon" href="{static("favicon.ico")}" sizes="32x32">' in page


def test_the_icons_are_shipped_with_the_static_files():
    svg = finders.find("favicon.svg")
    ico = finders.find("favicon.ico")
    assert svg and ico
    with open(svg, encoding="utf-8") as file:
        text = file.read()
    assert text.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in text
    assert "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched
    with open(ico, "rb") as file:
        reserved, kind, count = struct.unpack("<HHH", file.read(6))
    assert (reserved, kind) == (0, 1) and count >= 2  # an icon with several sizes


def test_favicon_ico_leads_to_the_icon_for_everyone(client, alice):
    for who in (Client(), client):
        response = who.get("/favicon.ico")
        assert response.status_code == 302
        assert response["Location"] == static("favicon.ico")
        assert "max-age=86400" in response["Cache-Control"]
        client.force_login(alice)
    assert Client().head("/favicon.ico").status_code == 302
    assert Client().post("/favicon.ico").status_code == 405
