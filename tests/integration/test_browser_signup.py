"""Sign up, confirm the e-mail address and sign in again, in a real Chromium."""

import re
import uuid

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Openness-is-a-capability-7"
CONFIRMATION_PATH = re.compile(r"/accounts/confirm-email/[^/\s]+/")


def submit(page, action: str, *, within: str = "main") -> None:
    """Press the submit button of the form in `within` that posts to `action`."""
    page.locator(f'{within} form[action^="{action}"] [type="submit"]').click()


def test_sign_up_confirm_email_and_sign_in(live_server, page, mailoutbox):
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"
    email = f"dana-{uuid.uuid4().hex[:8]}@example.org"
    page.set_default_timeout(15_000)

    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill('input[name="full_name"]', "Dana Example")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password1"]', PASSWORD)
    page.fill('input[name="password2"]', PASSWORD)
    submit(page, "/accounts/signup/")

    # Verification is mandatory: a page that asks to check the mailbox, and no session.
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    expect(page.locator("h1")).to_contain_text(re.compile("verify", re.IGNORECASE))
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [email]
    link = CONFIRMATION_PATH.search(message.body)
    assert link, message.body
    assert f"{live_server.url}{link.group(0)}" in message.body
    page.goto(f"{live_server.url}/dashboard/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/dashboard/$"))

    page.goto(f"{live_server.url}{link.group(0)}")
    expect(page.locator("main")).to_contain_text(email)
    submit(page, "/accounts/confirm-email/")

    # ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION: the same browser is signed in afterwards.
    expect(page).to_have_url(f"{live_server.url}/dashboard/")
    assert EmailAddress.objects.get(email=email).verified

    submit(page, "/accounts/logout/", within="header")  # the header's "Sign out"
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/dashboard/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/dashboard/$"))

    page.fill('input[name="login"]', email)
    page.fill('input[name="password"]', PASSWORD)
    submit(page, "/accounts/login/")

    expect(page).to_have_url(f"{live_server.url}/dashboard/")
    expect(page.locator("h1")).to_have_text("Dashboard")
    # Named at sign-up: greeted by name, not asked for it again.
    expect(page.locator("main")).to_contain_text("Dana Example")
