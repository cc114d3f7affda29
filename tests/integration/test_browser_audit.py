"""An auditor scores an audit in a real Chromium with autosave; the CPO office decides."""

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
from django.contrib.auth.models import Group
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from certification import services
from certification.models import Application, ApplicationStatus, Rating, Score
from cpo_portal.accounts.models import Auditor, User
from cpo_portal.accounts.roles import OFFICE_GROUP
from cpo_portal.accounts.signals import ensure_office_group
from cpo_portal.tenancy.services import organization_create
from criteria.demo import DEMO_CATALOGUE
from criteria.interchange import parse
from criteria.models import SchemeKind
from criteria.services import catalogue_import
from tests.certification.conftest import answer_all, approve_signee, criteria_of, new_application

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Openness-is-a-capability-7"
SHOTS = "/tmp/audit-{}.png"
# Scored through the page; the rest of the demo scheme is scored through the service first.
BY_HAND = 6
FULFILLED = 'input[name="rating"][value="fulfilled"]'


def _user(email: str, name: str) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, full_name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _with_totp(user: User) -> tuple[User, str]:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def _log_in(page, base: str, path: str, user: User, secret: str) -> None:
    page.goto(f"{base}{path}")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.fill('input[name="login"]', user.email)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('main form[action^="/accounts/login/"] [type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.fill('input[name="code"]', _code(secret))
    page.locator('main form [type="submit"]').first.click()
    expect(page).to_have_url(f"{base}{path}")


@pytest.fixture
def audit_case(db):
    """An organizational application in audit; all but BY_HAND criteria already scored."""
    ensure_office_group()
    office, _ = _with_totp(_user("olga@prostep.example", "Olga Office"))
    office.groups.add(Group.objects.get(name=OFFICE_GROUP))
    certifier, certifier_secret = _with_totp(_user("otto@prostep.example", "Otto Office"))
    certifier.groups.add(Group.objects.get(name=OFFICE_GROUP))
    auditor_user, auditor_secret = _with_totp(_user("arne@audit.example", "Arne Auditor"))
    auditor = Auditor.objects.create(user=auditor_user, organisation_name="Audit Body")
    services.auditor_qualifications_set(
        auditor=auditor, scheme_kinds=[SchemeKind.ORGANIZATIONAL], by=auditor_user
    )
    owner = _user("dana@alpha.example", "Dana Owner")
    catalogue_import(
        data=parse(DEMO_CATALOGUE.read_text(encoding="utf-8"), filename="demo.yaml"),
        by=None,
        publish=True,
    )
    organization = organization_create(by=owner, legal_name="Alpha PLM AG", country="DE")
    approve_signee(organization, owner, office)
    application = new_application(organization, owner)
    services.application_submit(application=application, by=owner)
    services.application_accept(application=application, by=office)
    services.auditor_assign(application=application, auditor=auditor, role="lead", by=office)
    answer_all(application, owner)
    services.self_assessment_submit(application=application, by=owner)
    criteria = criteria_of(application)
    by_hand = criteria[:BY_HAND]
    for criterion in criteria[BY_HAND:]:
        services.score_save(
            application_id=application.pk,
            criterion_id=criterion.pk,
            rating=Rating.FULFILLED,
            rationale="",
            expected_version=0,
            by=auditor_user,
        )
    return {
        "application": application,
        "by_hand": by_hand,
        "auditor": (auditor_user, auditor_secret),
        "certifier": (certifier, certifier_secret),
    }


def test_auditor_scores_with_autosave_and_the_office_decides(live_server, page, audit_case):
    page.set_default_timeout(15_000)
    base = live_server.url
    application = audit_case["application"]
    by_hand = audit_case["by_hand"]
    audit_path = f"/audit/{application.pk}/"

    # The auditor signs in with the second factor and opens the audit from the list.
    _log_in(page, base, "/audit/", *audit_case["auditor"])
    page.get_by_role("link", name="Alpha PLM AG").click()
    expect(page).to_have_url(f"{base}{audit_path}")
    total = len(criteria_of(application))
    summary = page.locator("#audit-summary")
    expect(summary).to_contain_text(f"{total - BY_HAND} of {total} criteria scored")
    page.screenshot(path=SHOTS.format("1-sheet"), full_page=False)

    # Autosave: a click on a rating saves at once; only the feedback region changes.
    for criterion in by_hand[:3]:
        row = page.locator(f"#c-{criterion.pk}")
        row.locator(FULFILLED).check()
        expect(row.locator(".score-feedback")).to_contain_text("Saved at")
    expect(summary).to_contain_text(f"{total - BY_HAND + 3} of {total} criteria scored")

    # Another tab saves the same score: typing here is refused with both values shown,
    # and "take the saved one" brings the saved values into the row.
    auditor_user = audit_case["auditor"][0]
    services.score_save(
        application_id=application.pk,
        criterion_id=by_hand[0].pk,
        rating=Rating.FULFILLED,
        rationale="Checked in the other tab.",
        expected_version=1,
        by=auditor_user,
    )
    row = page.locator(f"#c-{by_hand[0].pk}")
    row.get_by_label(re.compile("^Rationale")).press_sequentially("Mine", delay=10)
    conflict = row.locator(".score-conflict")
    expect(conflict).to_contain_text("Checked in the other tab.")
    expect(conflict).to_contain_text("Mine")
    row.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS.format("2-conflict"), full_page=False)
    conflict.get_by_role("link", name="Take the saved one").click()
    expect(row.get_by_label(re.compile("^Rationale"))).to_have_value("Checked in the other tab.")
    expect(row.locator(".score-conflict")).to_have_count(0)

    # Partially fulfilled needs a rationale: refused (422) until it is typed, then the
    # debounced keyup saves it without touching the text field.
    row = page.locator(f"#c-{by_hand[3].pk}")
    row.locator('input[value="partially"]').check()
    expect(row.locator(".score-feedback")).to_contain_text("A rationale is required")
    rationale = row.get_by_label(re.compile("^Rationale"))
    rationale.press_sequentially("Half of the interfaces have a named owner.", delay=10)
    expect(row.locator(".score-feedback")).to_contain_text("Saved at")
    expect(rationale).to_have_value("Half of the interfaces have a named owner.")
    # Back to fulfilled: the version saved in between came back out of band, so no conflict.
    row.locator(FULFILLED).check()
    expect(row.locator(".score-feedback")).to_contain_text("(version 2)")

    # The keyboard: focus a row, press 1 to rate it fulfilled, j to move on.
    page.locator(f"#c-{by_hand[4].pk}").focus()
    page.keyboard.press("1")
    expect(page.locator(f"#c-{by_hand[4].pk} .score-feedback")).to_contain_text("Saved at")
    page.keyboard.press("j")
    expect(page.locator(f"#c-{by_hand[5].pk}")).to_be_focused()
    page.keyboard.press("1")
    expect(page.locator(f"#c-{by_hand[5].pk} .score-feedback")).to_contain_text("Saved at")
    expect(summary).to_contain_text(f"{total} of {total} criteria scored")
    expect(summary).to_contain_text("Pass rule met")
    page.screenshot(path=SHOTS.format("3-scored"), full_page=False)

    # Reload: everything is there.
    page.reload()
    for criterion in by_hand:
        expect(page.locator(f"#c-{criterion.pk}").locator(FULFILLED)).to_be_checked()
    expect(
        page.locator(f"#c-{by_hand[3].pk}").get_by_label(re.compile("^Rationale"))
    ).to_have_value("Half of the interfaces have a named owner.")
    with scopes_disabled():
        scores = Score.objects.filter(application=application)
        assert all(s.rating == Rating.FULFILLED for s in scores)
        assert scores.get(criterion=by_hand[3]).version == 2

    # The report, recommending grant.
    page.get_by_role("link", name="Report and recommendation").click()
    expect(page.locator("h1")).to_have_text("Audit report and recommendation")
    page.get_by_label("Grant").check()
    page.get_by_label("Summary").fill("Every criterion is fulfilled; the evidence is conclusive.")
    page.screenshot(path=SHOTS.format("4-report"), full_page=True)
    page.get_by_role("button", name="Submit the report").click()
    expect(page).to_have_url(f"{base}{audit_path}")
    expect(page.locator(".message-success")).to_contain_text("The audit report is submitted")
    with scopes_disabled():
        assert Application.objects.get(pk=application.pk).status == (
            ApplicationStatus.REPORT_SUBMITTED
        )
    page.locator('header form[action^="/accounts/logout/"] [type="submit"]').click()

    # Four eyes: another office certifier decides.
    _log_in(page, base, f"/office/certification/{application.pk}/decide/", *audit_case["certifier"])
    page.get_by_label("Grant").check()
    page.get_by_label("Rationale").fill("The report is conclusive.")
    page.screenshot(path=SHOTS.format("5-decide"), full_page=True)
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".message-success")).to_contain_text("Decided")
    with scopes_disabled():
        decided = Application.objects.get(pk=application.pk)
    assert decided.status == ApplicationStatus.DECIDED
    assert decided.decision == "grant"
