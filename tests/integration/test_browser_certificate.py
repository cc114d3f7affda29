"""A certificate's life as people see it in a real Chromium: the office grants an audit, the
signed PDF's QR code leads to the verification page, and a suspension changes that page
and the badge at once."""

import hashlib
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from certification.models import Certificate, CertificateStatus
from certification.services.applications import application_accept, application_submit
from certification.services.auditors import auditor_assign
from certification.services.audits import report_submit
from certification.services.self_assessment import self_assessment_submit
from cpo_portal.accounts.models import Auditor
from cpo_portal.accounts.signals import ensure_office_groups
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.tenancy.services import organization_create
from criteria.demo import demo_catalogue_data
from criteria.models import SchemeKind
from criteria.services.catalogue import catalogue_import
from tests.certification.helpers import (
    accept_agreement,
    answer_all,
    approve_signee,
    new_application,
    qualify,
    score_all,
    send_plan,
)
from tests.factories import make_office
from tests.integration.browser import (
    log_in_with_totp,
    verified_user,
    with_totp,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The QR code names the production address; the test follows it to the live server.
SITE_URL = "https://cpo.example.org"
HOLDER = "Alpha PLM AG"
REASON = "The surveillance audit was not held in time."
SHOTS = "/tmp/certificate-{}.png"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is missing (apt install poppler-utils)")
    return path


def _qr_url(pdf: bytes, tmp_path) -> str:
    """The URL in the QR code of the PDF's first page, read from a rendered image."""
    import zxingcpp
    from PIL import Image

    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    # The first page (English) is enough: both pages carry the same code.
    command = [_tool("pdftoppm"), "-r", "110", "-f", "1", "-l", "1", "-png", "-singlefile"]
    subprocess.run([*command, str(source), str(tmp_path / "page")], check=True)
    results = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png").convert("L"))
    urls = [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(urls) == 1, urls
    return urls[0]


def _visitor(browser):
    """A fresh context: no session and an empty HTTP cache, as a new visitor has.

    The verification page and the badge are publicly cacheable for a while; a page that
    was cached before the suspension must not hide whether the server answers at once.
    """
    return browser.new_context(locale="en-GB")


@pytest.fixture
def reported_case(db, settings, tmp_path):
    """An organizational audit whose report recommends grant, waiting for the office."""
    settings.SITE_URL = SITE_URL
    for name in ("P12", "P12_PASSWORD", "KEY", "KEY_PASSWORD", "CERT", "CHAIN"):
        setattr(settings, f"CERTIFICATE_SIGNING_{name}", "")
    settings.CERTIFICATE_SIGNING_SELF_SIGNED_DIR = tmp_path / "signing"
    # A transactional test flushes the database; the office group comes back with it.
    ensure_office_groups()
    office = verified_user("olga@prostep.example", "Olga Office")
    make_office(office)
    certifier, secret = with_totp(verified_user("otto@prostep.example", "Otto Office"))
    make_office(certifier)
    auditor_user = verified_user("arne@audit.example", "Arne Auditor")
    auditor = Auditor.objects.create(user=auditor_user, organisation_name="Audit Body")
    qualify(auditor, SchemeKind.ORGANIZATIONAL, office=office)
    owner = verified_user("dana@alpha.example", "Dana Owner")
    catalogue_import(
        data=demo_catalogue_data(),
        by=None,
        publish=True,
    )
    organization = organization_create(by=owner, legal_name=HOLDER, country="DE")
    approve_signee(organization, owner, office)
    application = new_application(organization, owner)
    application_submit(application=application, by=owner)
    accept_agreement(application.organization, owner)  # (agreements)
    application_accept(application=application, by=office)
    auditor_assign(application=application, auditor=auditor, role="lead", by=office)
    send_plan(application, auditor_user)  # the report waits for a plan sent (plans)
    answer_all(application, owner)
    self_assessment_submit(application=application, by=owner)
    score_all(application, auditor_user)
    report_submit(
        application=application,
        recommendation="grant",
        summary="All criteria met.",
        by=auditor_user,
    )
    return {"application": application, "certifier": (certifier, secret)}


def test_issue_verify_by_qr_code_suspend_and_see_page_and_badge_change(
    live_server, page, browser, reported_case, tmp_path
):
    page.set_default_timeout(15_000)
    base = live_server.url
    application = reported_case["application"]

    # Four eyes: an office certifier who is not the auditor grants; that issues the
    # certificate and renders its signed PDF (eagerly here, by the worker in production).
    log_in_with_totp(
        page, base, f"/office/certification/{application.pk}/decide/", *reported_case["certifier"]
    )
    page.get_by_role("radio", name="Grant", exact=True).check()
    page.get_by_label("Rationale").fill("The report is conclusive.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".message-success")).to_contain_text("Decided")
    with scopes_disabled():
        certificate = Certificate.objects.get(application=application)
        document = Document.objects.get(kind="certificate", owner_id=str(certificate.pk))
    assert certificate.status == CertificateStatus.ACTIVE
    assert document.status == DocumentStatus.READY, document.last_error
    with document.file.open("rb") as fh:
        pdf = fh.read()

    # The QR code on the PDF names the public verification page; a visitor follows it.
    qr_url = _qr_url(pdf, tmp_path)
    assert qr_url == f"{SITE_URL}/verify/{certificate.number}/"
    local_url = base + urlsplit(qr_url).path
    visitor = _visitor(browser)
    seen = visitor.new_page()
    seen.goto(local_url)
    verdict = seen.locator(".seal-verdict")
    expect(verdict.locator(".seal-verdict-word")).to_have_text("Valid")
    expect(seen.get_by_role("heading", level=1)).to_contain_text(certificate.number)
    expect(seen.locator(".seal-facts")).to_contain_text(HOLDER)
    # The fingerprint of exactly this PDF, so a copy can be checked against it.
    expect(seen.locator(".seal-hash")).to_have_text(hashlib.sha256(pdf).hexdigest())
    seen.screenshot(path=SHOTS.format("1-valid"), full_page=False)

    # The live badge says valid, and tells caches to come back soon.
    response = seen.goto(f"{base}/seal/{certificate.number}.svg")
    assert response is not None and response.status == 200
    assert "max-age" in response.headers["cache-control"] and response.headers["etag"]
    badge = response.text()
    assert "valid until " + certificate.valid_until.strftime("%Y-%m") in badge
    assert "suspended" not in badge
    visitor.close()

    # The office suspends it on the certificate's record, with a public reason.
    page.goto(f"{base}/office/certificates/")
    page.get_by_role("link", name=certificate.number).click()
    expect(page).to_have_url(f"{base}/office/certificates/{certificate.pk}/")
    # Suspending has a confirmation page (what happens), with the reason and the button.
    page.get_by_role("link", name="Suspend…").click()
    suspend = page.locator('form[action$="/suspend/"]')
    suspend.get_by_label("Reason").fill(REASON)
    suspend.get_by_role("button", name="Suspend").click()
    expect(page.locator(".message-success")).to_contain_text(f"{certificate.number} is suspended")
    with scopes_disabled():
        certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.SUSPENDED

    # A new visitor, with nothing cached, sees the suspension with its reason in the history.
    visitor = _visitor(browser)
    seen = visitor.new_page()
    seen.goto(local_url)
    expect(seen.locator(".seal-verdict-word")).to_have_text("Suspended")
    expect(seen.locator(".seal-verdict")).to_contain_text(REASON)
    history = seen.locator(".seal-history tbody tr")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("Issued")
    expect(history.nth(1)).to_contain_text("Suspended")
    expect(history.nth(1)).to_contain_text(REASON)
    seen.screenshot(path=SHOTS.format("2-suspended"), full_page=False)

    response = seen.goto(f"{base}/seal/{certificate.number}.svg")
    assert response is not None and response.status == 200
    badge = response.text()
    assert "suspended" in badge
    assert "valid until" not in badge
    visitor.close()
