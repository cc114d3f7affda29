"""The profile page (name, language) is found where people look for their account: the
header's account menu on every page and the dashboard's "Your account" card."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"


def _between(html: str, start: str, end: str) -> str:
    match = re.search(f"{start}.*?{end}", html, re.DOTALL)
    assert match, f"no {start!r} on the page"
    return match[0]


@pytest.mark.parametrize("path", ["/", "/dashboard/"])
def test_the_header_account_menu_links_the_profile(client, bob, path):
    client.force_login(bob)
    header = _between(client.get(path).content.decode(), "<header", "</header>")
    assert f'href="{PROFILE}"' in header
    assert "Your profile" in header


def test_the_dashboard_account_card_links_the_profile(client, bob):
    client.force_login(bob)
    html = client.get(reverse("dashboard")).content.decode()
    card = _between(html, 'aria-labelledby="account-title"', "</section>")
    assert f'href="{PROFILE}"' in card
    assert "Your profile" in card
