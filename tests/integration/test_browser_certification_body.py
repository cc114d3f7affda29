"""The certification body runs a case in a real Chromium (ISO/IEC 17065: personnel,
agreement, planning, impartial decision).

An office administrator invites a certifier and an auditor by e-mail; each accepts the
invitation and must set up TOTP before anything else. The auditor applies for the
organizational qualification and the administrator approves it. The company accepts the
certification agreement, receives the audit plan, objects to one auditor; the office upholds
the objection, assigns another auditor and sends a revised plan, which the company confirms.
After the audit, the invited certifier, who never audited the case, grants the certificate
through its confirmation page.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from certification.models import (
    Application,
    ApplicationStatus,
    AuditorAssignment,
    AuditorObjection,
    AuditPlan,
    Certificate,
    ObjectionStatus,
    PlanStatus,
)
from certification.services.applications import application_submit
from certification.services.audits import report_submit
from certification.services.self_assessment import self_assessment_submit
from cpo_portal.accounts.models import OfficeRole, User
from cpo_portal.accounts.roles import has_office_role, is_auditor
from cpo_portal.accounts.signals import ensure_office_groups
from cpo_portal.tenancy.services import organization_create
from criteria.demo import demo_catalogue_data
from criteria.services.catalogue import catalogue_import
from tests.certification.factories import AgreementVersionFactory
from tests.certification.helpers import (
    answer_all,
    approve_signee,
    make_auditor,
    new_application,
    score_all,
)
from tests.factories import make_office
from tests.integration.browser import (
    PASSWORD,
    log_in_by_session,
    log_in_with_totp,
    totp_code,
    verified_user,
    with_totp,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/body-{}.png"
INVITATION = re.compile(r"/accounts/staff-invitation/[^\s\"'<>/]+/")


@pytest.fixture
def world(db):
    ensure_office_groups()
    catalogue_import(data=demo_catalogue_data(), by=None, publish=True)
    olga, olga_secret = with_totp(verified_user("olga@prostep.example", "Olga Office"))
    make_office(olga, OfficeRole.ADMINISTRATOR, OfficeRole.REVIEWER)
    AgreementVersionFactory(published=True)
    # People who will be invited: they have an account, no role and no second factor yet.
    cora = verified_user("cora@prostep.example", "Cora Certifier")
    arne = verified_user("arne@audit.example", "Arne Auditor")
    # Two auditors the office already approved: one the company objects to, one who replaces
    # him.
    bert = make_auditor(verified_user("bert@audit.example", "Bert Biased"), "organizational")
    carl = make_auditor(verified_user("carl@audit.example", "Carl Clean"), "organizational")
    dana = verified_user("dana@alpha.example", "Dana Owner")
    organization = organization_create(by=dana, legal_name="Alpha PLM AG", country="DE")
    approve_signee(organization, dana, olga)
    application = new_application(organization, dana)
    application_submit(application=application, by=dana)
    return {
        "olga": (olga, olga_secret),
        "cora": cora,
        "arne": arne,
        "bert": bert,
        "carl": carl,
        "dana": dana,
        "organization": organization,
        "application": application,
    }


def _invitation_link(email: str) -> str:
    for message in reversed(mail.outbox):
        if email in message.to:
            found = INVITATION.search(message.body)
            if found:
                return found.group(0)
    raise AssertionError(f"no invitation mailed to {email}")


def _accept_invitation_and_set_up_totp(page, base: str, link: str, user: User) -> str:
    """Open the invitation, sign in with the invited address, accept, and set up TOTP (the
    portal lets the new staff member do nothing before that); the TOTP secret."""
    link = f"{base}{link}"
    page.goto(link)
    page.locator("main").get_by_role("link", name="Sign in").click()
    page.fill('input[name="login"]', user.email)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('main form[action^="/accounts/login/"] [type="submit"]').click()
    expect(page).to_have_url(link)
    page.get_by_role("button", name="Accept").click()
    expect(page).to_have_url(re.compile(r"/accounts/(2fa/totp/activate|reauthenticate)/"))
    if "/reauthenticate/" in page.url:
        # allauth asks for the password again before a second factor is added.
        page.fill('input[name="password"]', PASSWORD)
        page.locator('main form [type="submit"]').first.click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    # Anything else is refused until the second factor is set up.
    page.goto(f"{base}/office/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    secret = re.search(r"\b[A-Z2-7]{32}\b", page.content())
    assert secret, "the TOTP set-up page shows the secret for manual entry"
    page.fill('input[name="code"]', totp_code(secret.group(0)))
    page.locator('main form [type="submit"]').first.click()
    expect(page).not_to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    return secret.group(0)


def _assign(page, base: str, application: Application, auditor_name: str, role: str) -> None:
    page.goto(f"{base}/office/certification/{application.pk}/")
    form = page.locator("form", has=page.get_by_role("button", name="Assign")).first
    select = form.get_by_label("Auditor")
    option = select.locator("option", has_text=auditor_name).first.get_attribute("value")
    select.select_option(value=option)
    form.get_by_label("Role").select_option(label=role)
    form.get_by_role("button", name="Assign").click()
    expect(page.locator("main")).to_contain_text(auditor_name)


def test_the_certification_body_runs_a_case_from_staff_to_decision(
    live_server, browser, world, settings
):
    base = live_server.url
    application = world["application"]
    org_slug = world["organization"].slug
    new_context = lambda: browser.new_context(base_url=base)  # noqa: E731
    office = new_context().new_page()
    office.set_default_timeout(15_000)

    # 1. The office administrator invites a certifier and an auditor.
    log_in_with_totp(office, base, "/office/staff/invite/", *world["olga"])
    office.get_by_label("E-mail address").fill(world["cora"].email)
    office.get_by_label("Name").fill("Cora Certifier")
    office.get_by_label("Certifier").check()
    office.get_by_role("button", name="Send the invitation").click()
    expect(office.locator("main")).to_contain_text("Cora Certifier")
    office.goto(f"{base}/office/staff/invite/")
    office.get_by_label("E-mail address").fill(world["arne"].email)
    office.get_by_label("Name").fill("Arne Auditor")
    office.get_by_label("Auditor", exact=True).check()
    office.get_by_label("Auditing body").fill("Independent Audits GmbH")
    office.get_by_role("button", name="Send the invitation").click()
    office.screenshot(path=SHOTS.format("1-invited"), full_page=True)

    # 2. Each accepts and must set up TOTP first.
    certifier = new_context().new_page()
    certifier.set_default_timeout(15_000)
    _accept_invitation_and_set_up_totp(
        certifier, base, _invitation_link(world["cora"].email), world["cora"]
    )
    auditor = new_context().new_page()
    auditor.set_default_timeout(15_000)
    _accept_invitation_and_set_up_totp(
        auditor, base, _invitation_link(world["arne"].email), world["arne"]
    )
    cora = User.objects.get(pk=world["cora"].pk)
    arne = User.objects.get(pk=world["arne"].pk)
    assert has_office_role(cora, OfficeRole.CERTIFIER)
    assert not has_office_role(cora, OfficeRole.REVIEWER)
    assert is_auditor(arne)

    # 3. The auditor applies for the organizational qualification; the office approves it.
    auditor.goto(f"{base}/audit/profile/qualifications/apply/")
    auditor.get_by_label("Organizational", exact=True).check()
    auditor.get_by_label("Training").fill("CPO auditor training 2026, ISO 19011 course.")
    auditor.get_by_label("Professional experience").fill(
        "Twelve years of PLM integration; eight audits led."
    )
    auditor.get_by_role("button", name="Send the application").click()
    expect(auditor.locator("main")).to_contain_text(re.compile("Applied", re.I))

    office.goto(f"{base}/office/certification/auditors/qualifications/")
    office.get_by_role("link", name=re.compile("Arne Auditor")).first.click()
    today = timezone.localdate()
    office.get_by_label("Valid from").fill(today.isoformat())
    office.get_by_label("Valid until").fill((today + timedelta(days=3 * 365)).isoformat())
    office.get_by_role("button", name="Approve the qualification").click()
    expect(office.locator("main")).to_contain_text("The qualification is approved")

    # 4. The company accepts the certification agreement in force.
    company_context = new_context()
    log_in_by_session(company_context, base, world["dana"])
    company = company_context.new_page()
    company.set_default_timeout(15_000)
    company.goto(f"{base}/o/{org_slug}/certification/agreement/accept/")
    company.get_by_label("Position").fill("CEO")
    company.get_by_label(re.compile("I am authorised to accept")).check()
    company.get_by_role("button", name=re.compile("Accept version 1")).click()
    expect(company.locator("main")).to_contain_text(re.compile("SHA-256"))
    company.screenshot(path=SHOTS.format("2-agreement"), full_page=True)

    # 5. The office accepts the application and assigns Arne (lead) and Bert (co-auditor).
    office.goto(f"{base}/office/certification/{application.pk}/")
    office.get_by_role("button", name="Accept").first.click()
    expect(office.locator("main")).to_contain_text("Accepted")
    _assign(office, base, application, "Arne Auditor", "Lead auditor")
    _assign(office, base, application, "Bert Biased", "Co-auditor")

    # 6. The office drafts and sends the audit plan.
    office.goto(f"{base}/office/certification/{application.pk}/plan/")
    office.get_by_role("button", name="Draft the audit plan").click()
    office.get_by_role("button", name="Save and send…").click()
    office.screenshot(path=SHOTS.format("3a-send"), full_page=True)
    office.get_by_role("button", name="Send the plan").click()
    with scopes_disabled():
        plan = AuditPlan.objects.get(application=application, number=1)
    assert plan.status == PlanStatus.SENT
    assert {member["name"] for member in plan.team} == {"Arne Auditor", "Bert Biased"}
    office.screenshot(path=SHOTS.format("3-plan-sent"), full_page=True)

    # 7. The company reads the plan and objects to Bert within the window.
    company.goto(f"{base}/o/{org_slug}/certification/{application.pk}/plan/")
    expect(company.locator("main")).to_contain_text("Bert Biased")
    company.goto(f"{base}/o/{org_slug}/certification/{application.pk}/plan/object/")
    select = company.get_by_label("Auditor")
    select.select_option(
        value=select.locator("option", has_text="Bert Biased").get_attribute("value")
    )
    company.get_by_label("Reason").fill("He consulted our main competitor until last year.")
    company.get_by_role("button", name="Send the objection").click()
    expect(company.locator("main")).to_contain_text(re.compile("objection", re.I))
    company.screenshot(path=SHOTS.format("4-objection"), full_page=True)

    # 8. The office upholds it: Bert's assignment ends, Carl replaces him, a revised plan.
    office.goto(f"{base}/office/certification/objections/")
    office.get_by_role("link", name=re.compile(f"#{application.pk} ")).first.click()
    office.screenshot(path=SHOTS.format("4a-objection-office"), full_page=True)
    office.get_by_role("radio", name=re.compile("Uphold")).check()
    office.get_by_label("Reason").fill("A consultancy for a competitor is a conflict of interest.")
    office.get_by_role("button", name="Decide the objection").click()
    with scopes_disabled():
        objection = AuditorObjection.objects.get(plan=plan)
        bert_assignment = AuditorAssignment.objects.get(
            application=application, auditor=world["bert"]
        )
    assert objection.status == ObjectionStatus.UPHELD
    assert bert_assignment.status == "ended"
    # Bert is no longer offered, and the page says why.
    office.goto(f"{base}/office/certification/{application.pk}/")
    expect(office.locator("main")).to_contain_text(
        "the company's objection to this auditor was upheld in this case"
    )
    _assign(office, base, application, "Carl Clean", "Co-auditor")
    office.goto(f"{base}/office/certification/{application.pk}/plan/")
    office.get_by_role("button", name="Draft a revised version").click()
    office.get_by_role("button", name="Save and send…").click()
    office.get_by_label(re.compile("What changed")).fill("Carl Clean replaces Bert Biased.")
    office.get_by_role("button", name="Send the plan").click()
    with scopes_disabled():
        revised = AuditPlan.objects.get(application=application, number=2)
        assert AuditPlan.objects.get(pk=plan.pk).status == PlanStatus.SUPERSEDED
    assert {member["name"] for member in revised.team} == {"Arne Auditor", "Carl Clean"}

    # 9. The company confirms the revised plan.
    company.goto(f"{base}/o/{org_slug}/certification/{application.pk}/plan/confirm/")
    company.get_by_role("checkbox", name=re.compile("We confirm the audit plan")).check()
    company.get_by_role("button", name="Confirm the plan").click()
    with scopes_disabled():
        assert AuditPlan.objects.get(pk=revised.pk).status == PlanStatus.CONFIRMED
    company.screenshot(path=SHOTS.format("5-plan-confirmed"), full_page=True)

    # 10. The audit (through the services: scoring has its own browser test).
    with scopes_disabled():
        application = Application.objects.get(pk=application.pk)
    answer_all(application, world["dana"])
    self_assessment_submit(application=application, by=world["dana"])
    with scopes_disabled():
        application = Application.objects.get(pk=application.pk)
    score_all(application, arne)
    report_submit(application=application, recommendation="grant", summary="All met.", by=arne)

    # 11. The certifier, who never audited the case, grants it through the confirmation.
    certifier.goto(f"{base}/office/certification/{application.pk}/")
    certifier.get_by_role("link", name="Review the report and decide").click()
    certifier.get_by_role("radio", name="Grant").check()
    certifier.get_by_label("Rationale").fill("The report shows every shall criterion met.")
    certifier.screenshot(path=SHOTS.format("6-decide"), full_page=True)
    certifier.get_by_role("button", name="Record the decision").click()
    with scopes_disabled():
        application = Application.objects.get(pk=application.pk)
    assert application.status == ApplicationStatus.DECIDED
    assert application.decided_by_id == cora.pk
    with scopes_disabled():
        assert Certificate.objects.filter(application=application).exists()
    certifier.screenshot(path=SHOTS.format("7-granted"), full_page=True)


def test_in_german_at_phone_width_each_role_sees_what_to_do_next(live_server, browser, world):
    """The company's to-do, its plan with the objection window and the office's queues, in
    German on a phone: nothing cut off, every step named with its date."""
    from certification.services.applications import application_accept
    from certification.services.auditors import auditor_assign
    from tests.certification.helpers import accept_agreement, send_plan

    base = live_server.url
    olga = world["olga"][0]
    application = world["application"]
    accept_agreement(world["organization"], world["dana"])
    application_accept(application=application, by=olga)
    auditor_assign(application=application, auditor=world["carl"], role="lead", by=olga)
    with scopes_disabled():
        application = Application.objects.get(pk=application.pk)
    send_plan(application, olga)
    phone = {"viewport": {"width": 390, "height": 844}, "locale": "de-DE"}

    company_context = browser.new_context(base_url=base, **phone)
    log_in_by_session(company_context, base, world["dana"])
    company_context.add_cookies([{"name": "django_language", "value": "de", "url": base}])
    company = company_context.new_page()
    company.goto(f"{base}/o/{world['organization'].slug}/")
    expect(company.locator("main")).to_contain_text("Auditplan")
    company.screenshot(path=SHOTS.format("de-1-company-todo"), full_page=True)
    company.goto(f"{base}/o/{world['organization'].slug}/certification/{application.pk}/plan/")
    expect(company.locator("main")).to_contain_text("Einw")
    company.screenshot(path=SHOTS.format("de-2-company-plan"), full_page=True)
    width = company.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the plan page scrolls sideways on a phone ({width}px)"

    office_context = browser.new_context(base_url=base, **phone)
    log_in_by_session(office_context, base, olga)
    office_context.add_cookies([{"name": "django_language", "value": "de", "url": base}])
    office = office_context.new_page()
    office.goto(f"{base}/office/")
    office.screenshot(path=SHOTS.format("de-3-office-todo"), full_page=True)
    expect(office.locator("#todo")).to_contain_text("Zu prüfende Anträge")
    expect(office.locator("main")).not_to_contain_text("{#")
    width = office.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the office start page scrolls sideways on a phone ({width}px)"
