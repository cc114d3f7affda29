"""Signing people in for the browser tests: through the real forms (password and TOTP)
where signing in is part of what is proven, or with a test client's session otherwise."""

import re
import time

from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from cpo_portal.accounts.models import User

PASSWORD = "Openness-is-a-capability-7"


def verified_user(email: str, name: str) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, full_name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def with_totp(user: User) -> tuple[User, str]:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret


def totp_code(secret: str) -> str:
    # The portal accepts only the current period's code: one about to lapse would be
    # refused by the time the form arrives, so wait for the next period.
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 3:
        time.sleep(period - time.time() % period + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def log_in_with_totp(page, base: str, path: str, user: User, secret: str) -> None:
    """Open `path`, get sent to sign in, sign in with password and code, land on `path`."""
    page.goto(f"{base}{path}")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.fill('input[name="login"]', user.email)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('main form[action^="/accounts/login/"] [type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.fill('input[name="code"]', totp_code(secret))
    page.locator('main form [type="submit"]').first.click()
    expect(page).to_have_url(f"{base}{path}")


def log_in_by_session(context, base: str, user: User) -> None:
    """The session of a force-logged-in test client, handed to the browser context."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base}])
