"""Complaints and appeals in a real Chromium (ISO/IEC 17065 §7.13).

A visitor, not signed in, finds the CPO logo on a product page of a company whose
organizational certificate does not cover that product and reports the misuse from the
certificate's verification page (in German, at phone width). The office reviewer
acknowledges and investigates the complaint and, as certifier, suspends the certificate,
then answers the complainant. The company appeals the suspension. The office names who
decides: the portal offers only a certifier who took no part in the suspension or the
audit, and the impartial certifier upholds the appeal and reinstates the certificate.
"""

import re

import pytest
from django.core import mail
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from certification.models import (
    Appeal,
    AppealOutcome,
    AppealStatus,
    Certificate,
    CertificateStatus,
    Complaint,
    ComplaintStatus,
)
from cpo_portal.accounts.models import OfficeRole
from cpo_portal.accounts.signals import ensure_office_groups
from cpo_portal.tenancy.services import organization_create
from criteria.demo import demo_catalogue_data
from criteria.services.catalogue import catalogue_import
from tests.certification.factories import AgreementVersionFactory, CertificateFactory
from tests.certification.helpers import approve_signee
from tests.factories import make_office
from tests.integration.browser import (
    log_in_by_session,
    log_in_with_totp,
    verified_user,
    with_totp,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/complaints-{}.png"
PHONE_DE = {"viewport": {"width": 390, "height": 844}, "locale": "de-DE"}


@pytest.fixture
def world(db):
    ensure_office_groups()
    catalogue_import(data=demo_catalogue_data(), by=None, publish=True)
    AgreementVersionFactory(published=True)
    olga, olga_secret = with_totp(verified_user("olga@prostep.example", "Olga Office"))
    make_office(olga, OfficeRole.REVIEWER, OfficeRole.CERTIFIER)
    cora, cora_secret = with_totp(verified_user("cora@prostep.example", "Cora Certifier"))
    make_office(cora, OfficeRole.CERTIFIER)
    # Otto granted the certificate: he took part in the decision and may not decide an appeal.
    otto, _ = with_totp(verified_user("otto@prostep.example", "Otto Granter"))
    make_office(otto, OfficeRole.REVIEWER, OfficeRole.CERTIFIER)
    dana = verified_user("dana@alpha.example", "Dana Owner")
    organization = organization_create(by=dana, legal_name="Alpha PLM AG", country="DE")
    approve_signee(organization, dana, otto)
    with scopes_disabled():
        certificate = CertificateFactory(
            application__organization=organization, application__office=otto, issued_by=otto
        )
    return {
        "olga": (olga, olga_secret),
        "cora": (cora, cora_secret),
        "otto": otto,
        "dana": dana,
        "organization": organization,
        "certificate": certificate,
    }


def _mail_to(address: str, containing: str) -> mail.EmailMessage:
    for message in reversed(mail.outbox):
        if address in message.to and containing in message.body:
            return message
    raise AssertionError(f"no mail to {address} containing {containing!r}")


def _action(page, title: str):
    """The form of one action on the office's complaint page (its heading names it)."""
    return page.locator("form", has=page.get_by_role("heading", name=title))


def test_a_visitor_complains_the_office_suspends_the_company_appeals_an_impartial_certifier_decides(
    live_server, browser, world
):
    base = live_server.url
    certificate = world["certificate"]
    number = certificate.number

    # 1. A visitor, in German on a phone, reports misuse of the seal from its verify page.
    visitor_context = browser.new_context(base_url=base, **PHONE_DE)
    visitor_context.add_cookies([{"name": "django_language", "value": "de", "url": base}])
    visitor = visitor_context.new_page()
    visitor.set_default_timeout(15_000)
    visitor.goto(f"{base}/verify/{number}/")
    visitor.get_by_role("link", name="Missbrauch dieses Siegels melden").click()
    expect(visitor).to_have_url(re.compile(r"/complaints/new/"))
    expect(visitor.get_by_label("Zertifikatsnummer")).to_have_value(number)
    visitor.locator('textarea[name="description"]').fill(
        "Alpha zeigt das CPO-Siegel auf der Seite von Alpha Cloud Connect, einem Produkt "
        "ohne Produktzertifikat: https://alpha.example/cloud-connect"
    )
    visitor.get_by_label("Ihr Name").fill("Vera Visitor")
    visitor.get_by_label("Ihre E-Mail-Adresse").fill("vera@buyer.example")
    visitor.locator('input[name="consent"]').check()
    visitor.screenshot(path=SHOTS.format("1-visitor-form-de"), full_page=True)
    # The form refuses posts faster than a person types (the spam guard's time trap).
    visitor.wait_for_timeout(3_500)
    visitor.get_by_role("button", name="Beschwerde senden").click()
    expect(visitor).to_have_url(re.compile(r"/complaints/received/"))
    reference = re.search(r"CPL-\d{4}-\d{4}", visitor.locator("main").inner_text())
    assert reference, "the receipt page names the complaint's reference"
    reference = reference.group(0)
    visitor.screenshot(path=SHOTS.format("2-visitor-receipt-de"), full_page=True)
    receipt = _mail_to("vera@buyer.example", reference)
    assert "Beschwerde" in receipt.subject  # in the language of the page she used
    complaint = Complaint.objects.get(reference=reference)
    assert complaint.certificate_id == certificate.pk
    assert complaint.subject == "seal_misuse"
    # Nothing about her is public: the verify page does not show the complaint.
    visitor.goto(f"{base}/verify/{number}/")
    expect(visitor.locator("main")).not_to_contain_text("Vera")
    expect(visitor.locator("main")).not_to_contain_text(reference)

    # 2. The office reviewer acknowledges, investigates, suspends (as certifier) and answers.
    office = browser.new_context(base_url=base).new_page()
    office.set_default_timeout(15_000)
    olga, olga_secret = world["olga"]
    log_in_with_totp(office, base, "/office/complaints/", olga, olga_secret)
    office.get_by_role("link", name=reference).click()
    mails_before = sum("vera@buyer.example" in m.to for m in mail.outbox)
    _action(office, "Acknowledge").get_by_role("button", name="Acknowledge").click()
    expect(office.locator("main")).to_contain_text("Acknowledged")
    # One acknowledgement more, naming the reference and the date she will be answered by.
    to_vera = [m for m in mail.outbox if "vera@buyer.example" in m.to]
    assert len(to_vera) == mails_before + 1
    assert reference in to_vera[-1].body
    assert complaint.answer_by.isoformat() in to_vera[-1].body
    _action(office, "Start the investigation").get_by_role(
        "button", name="Start the investigation"
    ).click()
    expect(office.locator("main")).to_contain_text("Under investigation")
    suspend = _action(office, "Suspend the certificate")
    suspend.get_by_label("Reason").fill(
        "The CPO seal is used for a product that holds no product certificate."
    )
    suspend.get_by_role("button", name="Suspend the certificate").click()
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.SUSPENDED
    assert reference in certificate.status_reason
    decide = _action(office, "Decide and answer")
    decide.get_by_label("Upheld", exact=True).check()
    decide.get_by_label("Findings and reasons").fill(
        "The product page showed the seal; the company confirmed it."
    )
    decide.get_by_label("Answer to the complainant").fill(
        "Thank you. The certificate has been suspended until the misuse is corrected."
    )
    decide.get_by_role("button", name="Decide and answer").click()
    expect(office.locator("main")).to_contain_text("Decided and answered")
    office.screenshot(path=SHOTS.format("3-office-complaint"), full_page=True)
    _mail_to("vera@buyer.example", "suspended until the misuse is corrected")
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.DECIDED
    steps = [e.action for e in complaint.events.all()]
    assert {"acknowledged", "investigating", "decided"} <= set(steps), steps
    assert any("suspend" in step for step in steps), steps

    # The public sees the suspension at once (a reload asks the server again: the page may be
    # kept by a browser for PUBLIC_MAX_AGE); the badge no longer says "CPO certified".
    visitor.goto(f"{base}/verify/{number}/")
    visitor.reload()
    expect(visitor.locator("main")).to_contain_text("ausgesetzt")
    badge = visitor.request.get(f"{base}/seal/{number}.svg")
    assert "CPO certified" not in badge.text()

    # 3. The company appeals the suspension from its certificate's page.
    company_context = browser.new_context(base_url=base)
    log_in_by_session(company_context, base, world["dana"])
    company = company_context.new_page()
    company.set_default_timeout(15_000)
    slug = world["organization"].slug
    company.goto(f"{base}/o/{slug}/certificates/{certificate.pk}/")
    company.get_by_role("link", name="Appeal this decision").click()
    company.get_by_label("Grounds").fill(
        "The product page was a draft of our agency, removed the day we learned of it; "
        "the organizational certificate was never used for the product."
    )
    company.get_by_role("button", name="File the appeal").click()
    appeal_reference = re.search(r"APL-\d{4}-\d{4}", company.locator("main").inner_text())
    assert appeal_reference, "the company's appeal page names its reference"
    company.screenshot(path=SHOTS.format("4-company-appeal"), full_page=True)
    with scopes_disabled():
        appeal = Appeal.objects.get(reference=appeal_reference.group(0))
    assert appeal.subject == "suspension" and appeal.certificate_id == certificate.pk

    # 4. The office names the decider: only Cora took no part (Olga suspended, Otto granted).
    office.goto(f"{base}/office/certification/appeals/{appeal.pk}/assign/")
    choice = office.get_by_label("Certifier who decides")
    options = choice.locator("option").all_inner_texts()
    assert any("Cora Certifier" in o for o in options)
    assert not any("Olga Office" in o or "Otto Granter" in o for o in options)
    expect(office.locator("main")).to_contain_text("Olga Office")  # listed with the reason
    office.screenshot(path=SHOTS.format("5-office-assign"), full_page=True)
    choice.select_option(label=next(o for o in options if "Cora Certifier" in o))
    office.get_by_role("button", name="Name the decider").click()
    expect(office.locator("main")).to_contain_text("Cora Certifier")

    # 5. The impartial certifier decides; the outcome and reasons reach the company.
    certifier = browser.new_context(base_url=base).new_page()
    certifier.set_default_timeout(15_000)
    cora, cora_secret = world["cora"]
    path = f"/office/certification/appeals/{appeal.pk}/"
    log_in_with_totp(certifier, base, path, cora, cora_secret)
    certifier.get_by_label("Upheld: the decision is changed").check()
    certifier.get_by_label("Reasons").fill(
        "The seal was shown by a third party without the company's consent and removed at "
        "once; a suspension is not proportionate."
    )
    certifier.get_by_role("button", name="Record the decision").click()
    expect(certifier.locator("main")).to_contain_text("Decided")
    with scopes_disabled():
        appeal.refresh_from_db()
    assert (appeal.status, appeal.outcome, appeal.decider_id) == (
        AppealStatus.DECIDED,
        AppealOutcome.UPHELD,
        cora.pk,
    )
    _mail_to(world["dana"].email, "not proportionate")
    # The follow-up is the certifier's deliberate step: reinstating the certificate.
    certifier.goto(f"{base}/office/certification/appeals/{appeal.pk}/follow-up/")
    certifier.locator('input[name="action"]').first.check()
    certifier.get_by_role("button", name="Confirm the follow-up").click()
    certifier.screenshot(path=SHOTS.format("6-certifier-decided"), full_page=True)
    with scopes_disabled():
        assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.ACTIVE

    # The company sees the outcome with its history.
    company.goto(f"{base}/o/{slug}/certification/appeals/{appeal.pk}/")
    expect(company.locator("main")).to_contain_text("Upheld")
    expect(company.locator("main")).to_contain_text("not proportionate")
