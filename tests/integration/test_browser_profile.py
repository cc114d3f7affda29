"""A person the portal knows no name of is asked for it once, in a real Chromium, and the
portal then speaks the language they chose."""

import re

import pytest
from playwright.sync_api import expect

from cpo_portal.accounts.models import User
from tests.integration.browser import PASSWORD, verified_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_nameless_user_is_asked_for_the_name_once_and_goes_on_in_their_language(
    live_server, page
):
    user = verified_user("nameless@example.org", "")
    page.set_default_timeout(15_000)

    page.goto(f"{live_server.url}/accounts/login/?next=/o/")
    page.fill('input[name="login"]', user.email)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('main form[action^="/accounts/login/"] [type="submit"]').click()

    # Asked for the name on the way to where they were going.
    expect(page).to_have_url(re.compile(r"/accounts/profile/\?next=/o/$"))
    expect(page.locator("main")).to_contain_text("Please tell us your name")
    form = page.locator("main form")
    form.get_by_label("Full name").fill("Nadia Named")
    form.get_by_label("Language").select_option("de")
    page.locator("main form [type='submit']").click()

    expect(page).to_have_url(f"{live_server.url}/o/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    user.refresh_from_db()
    assert (user.full_name, user.language) == ("Nadia Named", "de")

    # Not asked again.
    page.goto(f"{live_server.url}/dashboard/")
    expect(page).to_have_url(f"{live_server.url}/dashboard/")
    assert User.objects.get(pk=user.pk).full_name == "Nadia Named"
