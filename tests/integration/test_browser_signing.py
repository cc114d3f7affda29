"""A company signs the CPO in a real Chromium, the CPO office approves it, the public sees it."""

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from cpo_portal.accounts.models import User
from cpo_portal.accounts.signals import ensure_office_groups
from criteria.interchange import parse
from criteria.services.catalogue import catalogue_import
from signees.models import Signature, Signee, SigneeStatus
from tests.factories import make_office
from tests.signees.helpers import MINI_CATALOGUE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Openness-is-a-capability-7"
COMPANY = "Openness Works GmbH"
SHOTS = "/tmp/signing-{}.png"


def _verified_user(email: str) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, full_name="Dana Signer")
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def catalogue(db):
    version, _ = catalogue_import(data=parse(MINI_CATALOGUE), by=None, publish=True)
    return version


@pytest.fixture
def dana(db):
    return _verified_user("dana@openness-works.example")


@pytest.fixture
def office(db):
    """A CPO office user with a TOTP authenticator; returns (user, secret)."""
    # A transactional test flushes the database; the office group comes back with it.
    ensure_office_groups()
    user = _verified_user("olga@prostep.example")
    make_office(user)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret


def _current_code(secret: str) -> str:
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def _log_in(page, email: str) -> None:
    page.fill('input[name="login"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('main form[action^="/accounts/login/"] [type="submit"]').click()


def _log_out(page) -> None:
    page.locator('header form[action^="/accounts/logout/"] [type="submit"]').click()


def test_sign_the_cpo_get_approved_and_appear_on_the_public_list(
    live_server, page, catalogue, dana, office
):
    page.set_default_timeout(15_000)
    base = live_server.url

    # The home page's call to action leads to the signing start, which explains the steps.
    page.goto(f"{base}/")
    page.locator(".hero").get_by_role("link", name="Sign the CPO").click()
    expect(page).to_have_url(f"{base}/sign/")
    expect(page.locator("h1")).to_have_text("Sign the Code of PLM Openness")
    page.screenshot(path=SHOTS.format("1-start"), full_page=True)
    page.locator("main").get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=(/|%2F)sign(/|%2F)$"))
    _log_in(page, dana.email)

    # Back on /sign/: register the company.
    expect(page).to_have_url(f"{base}/sign/")
    page.get_by_label("Legal name").fill(COMPANY)
    page.get_by_label("Legal form").fill("GmbH")
    page.get_by_label("Country").select_option("DE")
    page.get_by_label("Postal address").fill("Dieselstraße 1\n64283 Darmstadt")
    page.get_by_label("Website").fill("www.openness-works.example")
    page.screenshot(path=SHOTS.format("2-organization"), full_page=True)
    page.get_by_role("button", name="Register and continue").click()

    # Group: three definitions side by side, the whole card is clickable.
    expect(page).to_have_url(re.compile(r"/o/openness-works-gmbh/sign/$"))
    expect(page.locator(".group-card")).to_have_count(3)
    page.screenshot(path=SHOTS.format("3-group"), full_page=True)
    page.locator(".group-card", has_text="Develops software").click()
    expect(page.get_by_label("IT vendor")).to_be_checked()
    page.get_by_role("button", name="Continue to the declaration").click()

    # Declaration: the exact English text for this group and catalogue version.
    declaration = page.locator("pre.declaration-sheet")
    expect(declaration).to_contain_text("DECLARATION OF COMMITMENT TO THE CODE OF PLM OPENNESS")
    expect(declaration).to_contain_text("in the catalogue version t-1")
    expect(declaration).to_contain_text("as IT vendor")
    page.screenshot(path=SHOTS.format("4-declaration"), full_page=True)
    page.get_by_role("link", name="Continue to signing").click()

    # Sign: without the statement of authority the browser does not even send the form.
    expect(page.get_by_label("Name of the signatory")).to_have_value("Dana Signer")
    page.get_by_label("Position").fill("Managing Director")
    authority = page.get_by_label("I confirm that I am authorised to sign for the company.")
    page.get_by_role("button", name="Sign the CPO").click()
    assert authority.evaluate("el => el.validity.valueMissing")
    expect(page).to_have_url(re.compile(r"/o/openness-works-gmbh/sign/\?step=sign"))
    with scopes_disabled():
        assert not Signee.objects.exists()
    authority.check()
    page.screenshot(path=SHOTS.format("5-sign"), full_page=True)
    page.get_by_role("button", name="Sign the CPO").click()

    # The status page: pending review, the signature record and the PDF.
    expect(page).to_have_url(f"{base}/o/openness-works-gmbh/signing/")
    expect(page.locator(".status-head .badge").first).to_have_text("Pending review")
    with scopes_disabled():
        signature = Signature.objects.select_related("signee").get()
    assert signature.signed_by == dana
    assert signature.ip_address == "127.0.0.1"
    assert "HeadlessChrome" in signature.user_agent or "Chrome" in signature.user_agent
    expect(page.locator("main")).to_contain_text(signature.declaration_sha256)
    page.screenshot(path=SHOTS.format("6-status"), full_page=True)
    _log_out(page)

    # The CPO office signs in with its second factor and approves.
    user, secret = office
    page.goto(f"{base}/office/signees/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    _log_in(page, user.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.fill('input[name="code"]', _current_code(secret))
    page.locator('main form [type="submit"]').first.click()
    expect(page).to_have_url(f"{base}/office/signees/")
    page.get_by_role("link", name=COMPANY).first.click()
    expect(page).to_have_url(re.compile(r"/office/signees/\d+/$"))
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".message-success")).to_be_visible()
    with scopes_disabled():
        assert Signee.objects.get().status == SigneeStatus.APPROVED
    _log_out(page)

    # The public list shows the company.
    page.goto(f"{base}/signees/")
    expect(page.get_by_role("link", name=re.compile("Openness Works"))).to_be_visible()
    page.screenshot(path=SHOTS.format("7-public-list"), full_page=True)

    # And the company can now download its logo pack.
    page.goto(f"{base}/o/openness-works-gmbh/signing/")
    _log_in(page, dana.email)
    expect(page).to_have_url(f"{base}/o/openness-works-gmbh/signing/")
    expect(page.locator(".status-head .badge").first).to_have_text("Approved")
    page.screenshot(path=SHOTS.format("8-approved"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the logo pack").click()
    assert download.value.suggested_filename == "cpo-signee-logo-openness-works-gmbh.zip"
