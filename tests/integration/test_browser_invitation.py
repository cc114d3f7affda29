"""An invitee without an account, in a real Chromium: the invitation e-mail's link, sign-up,
the confirmation e-mail, and back on the invitation (naming the organization) to accept."""

import re

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from cpo_portal.accounts.models import User
from cpo_portal.tenancy.models import Membership
from cpo_portal.tenancy.services import invitation_create, organization_create
from tests.integration.browser import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INVITATION_PATH = re.compile(r"https?://[^/\s]+(/invitations/[^/\s]+/)")
CONFIRMATION_PATH = re.compile(r"/accounts/confirm-email/[^/\s]+/")


def submit(page, action: str) -> None:
    page.locator(f'main form[action^="{action}"] [type="submit"]').click()


def test_invitee_signs_up_confirms_and_joins(live_server, page, mailoutbox):
    page.set_default_timeout(15_000)
    owner = User.objects.create_user(
        email="olivia@example.org", password=PASSWORD, full_name="Olivia Owner"
    )
    organization = organization_create(by=owner, legal_name="Nordlicht Systems", country="DE")
    invitation_create(organization=organization, by=owner, email="ines@example.org")
    [invitation_mail] = [m for m in mailoutbox if m.to == ["ines@example.org"]]
    path = INVITATION_PATH.search(invitation_mail.body).group(1)
    mailoutbox.clear()

    # The link: the invitation names the organization and who invited, and offers sign-up.
    page.goto(f"{live_server.url}{path}")
    expect(page.locator("h1")).to_contain_text("Nordlicht Systems")
    expect(page.locator("main")).to_contain_text("Olivia Owner")
    expect(page.locator("main")).not_to_contain_text("olivia@example.org")
    page.locator("main").get_by_role("link", name="Sign up").click()

    expect(page).to_have_url(re.compile(r"/accounts/signup/\?next="))
    if page.locator('input[name="full_name"]').count():
        page.fill('input[name="full_name"]', "Ines Invitee")
    page.fill('input[name="email"]', "ines@example.org")
    page.fill('input[name="password1"]', PASSWORD)
    page.fill('input[name="password2"]', PASSWORD)
    submit(page, "/accounts/signup/")

    # The confirmation e-mail; its link, opened in the same browser, signs in …
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    [confirmation] = [m for m in mailoutbox if m.to == ["ines@example.org"]]
    link = CONFIRMATION_PATH.search(confirmation.body).group(0)
    page.goto(f"{live_server.url}{link}")
    submit(page, "/accounts/confirm-email/")

    # … and leads back to the invitation, not to "create an organization".
    expect(page).to_have_url(f"{live_server.url}{path}")
    expect(page.locator("h1")).to_contain_text("Nordlicht Systems")
    page.locator("main").get_by_role("button", name="Accept and join").click()

    expect(page).to_have_url(f"{live_server.url}/o/{organization.slug}/")
    ines = User.objects.get(email="ines@example.org")
    with scope(organization=organization):
        assert Membership.objects.filter(organization=organization, user=ines).exists()
