"""The office handles a person's request in a real Chromium: finds the person, downloads
the export of their data, and erases it after typing their address."""

import json
import re

import pytest
from playwright.sync_api import expect

from cpo_portal.accounts.models import User
from cpo_portal.accounts.signals import ensure_office_groups
from cpo_portal.tenancy.services import organization_create
from tests.factories import make_office
from tests.integration.browser import log_in_with_totp, verified_user, with_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_office_exports_and_erases_a_persons_data(live_server, page):
    ensure_office_groups()  # a transactional test starts without the migration's rows
    office, secret = with_totp(verified_user("olga@example.org", "Olga Office"))
    make_office(office)
    person = verified_user("paula@example.org", "Paula Person")
    organization_create(by=person, legal_name="Paula's Parts GmbH", country="DE")
    base = live_server.url

    log_in_with_totp(page, base, "/office/people/", office, secret)
    page.get_by_label("Name or e-mail address").fill("paula")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="paula@example.org").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Paula Person")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the export (JSON)").click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert data["account"]["email"] == "paula@example.org"
    assert data["organizations"]["memberships"][0]["organization"] == "Paula's Parts GmbH"

    page.get_by_role("link", name="Erase…").click()
    expect(page.get_by_role("heading", name="What is kept, and why")).to_be_visible()
    page.get_by_label("The person's e-mail address, to confirm").fill("paul@example.org")
    page.get_by_role("button", name="Erase the person's data").click()
    expect(page.get_by_text("This is not the person's e-mail address.")).to_be_visible()
    page.get_by_label("The person's e-mail address, to confirm").fill("paula@example.org")
    page.get_by_role("button", name="Erase the person's data").click()

    expect(page).to_have_url(re.compile(rf"/office/people/{person.pk}/$"))
    expect(page.get_by_text("The person's data has been erased.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Former member")
    person.refresh_from_db()
    assert person.email == f"erased-{person.pk}@erased.invalid"
    assert not User.objects.filter(email="paula@example.org").exists()
