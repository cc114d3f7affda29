"""An auditor scores a whole audit in a real Chromium with autosave (mouse for the first
criteria, then the keyboard for every other one); the CPO office decides."""

import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from certification.models import Application, ApplicationStatus, Rating, Score
from certification.services.applications import application_accept, application_submit
from certification.services.auditors import auditor_assign
from certification.services.audits import score_save
from certification.services.self_assessment import self_assessment_submit
from cpo_portal.accounts.models import Auditor
from cpo_portal.accounts.signals import ensure_office_groups
from cpo_portal.tenancy.services import organization_create
from criteria.demo import demo_catalogue_data
from criteria.models import SchemeKind
from criteria.services.catalogue import catalogue_import
from tests.certification.helpers import (
    accept_agreement,
    answer_all,
    approve_signee,
    criteria_of,
    give_evidence,
    new_application,
    qualify,
    send_plan,
)
from tests.factories import make_office
from tests.integration.browser import (
    log_in_with_totp,
    verified_user,
    with_totp,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/audit-{}.png"
# Scored with the mouse; every criterion after these is scored with the keyboard.
BY_MOUSE = 4
FULFILLED = 'input[name="rating"][value="fulfilled"]'


@pytest.fixture
def audit_case(db):
    """An organizational application in audit, nothing scored yet."""
    ensure_office_groups()
    office, _ = with_totp(verified_user("olga@prostep.example", "Olga Office"))
    make_office(office)
    certifier, certifier_secret = with_totp(verified_user("otto@prostep.example", "Otto Office"))
    make_office(certifier)
    auditor_user, auditor_secret = with_totp(verified_user("arne@audit.example", "Arne Auditor"))
    auditor = Auditor.objects.create(user=auditor_user, organisation_name="Audit Body")
    qualify(auditor, SchemeKind.ORGANIZATIONAL, office=office)
    owner = verified_user("dana@alpha.example", "Dana Owner")
    catalogue_import(
        data=demo_catalogue_data(),
        by=None,
        publish=True,
    )
    organization = organization_create(by=owner, legal_name="Alpha PLM AG", country="DE")
    approve_signee(organization, owner, office)
    application = new_application(organization, owner)
    application_submit(application=application, by=owner)
    accept_agreement(application.organization, owner)  # (agreements)
    application_accept(application=application, by=office)
    auditor_assign(application=application, auditor=auditor, role="lead", by=office)
    send_plan(application, office)  # the report waits for a sent audit plan (plans)
    answer_all(application, owner)
    give_evidence(application, owner)  # evidence required (clarifications)
    self_assessment_submit(application=application, by=owner)
    return {
        "application": application,
        "criteria": criteria_of(application),
        "auditor": (auditor_user, auditor_secret),
        "certifier": (certifier, certifier_secret),
    }


def test_auditor_scores_with_autosave_and_the_office_decides(live_server, page, audit_case):
    page.set_default_timeout(15_000)
    base = live_server.url
    application = audit_case["application"]
    criteria = audit_case["criteria"]
    total = len(criteria)
    audit_path = f"/audit/{application.pk}/"

    # The auditor signs in with the second factor and opens the audit from the list.
    log_in_with_totp(page, base, "/audit/", *audit_case["auditor"])
    page.get_by_role("link", name="Alpha PLM AG").click()
    expect(page).to_have_url(f"{base}{audit_path}")
    summary = page.locator("#audit-summary")
    expect(summary).to_contain_text(f"0 of {total} criteria scored")
    page.screenshot(path=SHOTS.format("1-sheet"), full_page=False)

    # Autosave: a click on a rating saves at once; only the feedback region changes.
    for criterion in criteria[:3]:
        row = page.locator(f"#c-{criterion.pk}")
        row.locator(FULFILLED).check()
        expect(row.locator(".score-feedback")).to_contain_text("Saved at")
    expect(summary).to_contain_text(f"3 of {total} criteria scored")

    # Another tab saves the same score: typing here is refused with both values shown,
    # and "take the saved one" brings the saved values into the row.
    auditor_user = audit_case["auditor"][0]
    score_save(
        application_id=application.pk,
        criterion_id=criteria[0].pk,
        rating=Rating.FULFILLED,
        rationale="Checked in the other tab.",
        expected_version=1,
        by=auditor_user,
    )
    row = page.locator(f"#c-{criteria[0].pk}")
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
    row = page.locator(f"#c-{criteria[3].pk}")
    row.locator('input[value="partially"]').check()
    expect(row.locator(".score-feedback")).to_contain_text("A rationale is required")
    rationale = row.get_by_label(re.compile("^Rationale"))
    rationale.press_sequentially("Half of the interfaces have a named owner.", delay=10)
    expect(row.locator(".score-feedback")).to_contain_text("Saved at")
    expect(rationale).to_have_value("Half of the interfaces have a named owner.")
    # Back to fulfilled: the version saved in between came back out of band, so no conflict.
    row.locator(FULFILLED).check()
    expect(row.locator(".score-feedback")).to_contain_text("(version 2)")

    expect(summary).to_contain_text(f"{BY_MOUSE} of {total} criteria scored")

    # The keyboard for every other criterion: focus the first row, then press 1 to rate
    # it fulfilled and j to move to the next one, across subject areas, to the last.
    page.locator(f"#c-{criteria[BY_MOUSE].pk}").focus()
    for index, criterion in enumerate(criteria[BY_MOUSE:], start=BY_MOUSE):
        row = page.locator(f"#c-{criterion.pk}")
        expect(row).to_be_focused()
        page.keyboard.press("1")
        expect(row.locator(".score-feedback")).to_contain_text("Saved at")
        expect(row.locator(FULFILLED)).to_be_checked()
        if index + 1 < total:
            page.keyboard.press("j")
    expect(summary).to_contain_text(f"{total} of {total} criteria scored")
    expect(summary).to_contain_text("Pass rule met")
    page.screenshot(path=SHOTS.format("3-scored"), full_page=False)

    # Reload: everything is there.
    page.reload()
    expect(page.locator(f"[data-score-row] {FULFILLED}:checked")).to_have_count(total)
    expect(
        page.locator(f"#c-{criteria[3].pk}").get_by_label(re.compile("^Rationale"))
    ).to_have_value("Half of the interfaces have a named owner.")
    with scopes_disabled():
        scores = Score.objects.filter(application=application)
        assert sorted(scores.values_list("criterion_id", "rating")) == sorted(
            (c.pk, Rating.FULFILLED) for c in criteria
        )
        assert scores.get(criterion=criteria[3]).version == 2
        # Every score was saved by the auditor (the other tab included).
        assert set(scores.values_list("updated_by", flat=True)) == {auditor_user.pk}

    # The report, recommending grant.
    page.get_by_role("link", name="Report and recommendation").click()
    expect(page.locator("h1")).to_have_text("Audit report and recommendation")
    page.get_by_role("radio", name="Grant", exact=True).check()
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
    log_in_with_totp(
        page, base, f"/office/certification/{application.pk}/decide/", *audit_case["certifier"]
    )
    page.get_by_role("radio", name="Grant", exact=True).check()
    page.get_by_label("Rationale").fill("The report is conclusive.")
    page.screenshot(path=SHOTS.format("5-decide"), full_page=True)
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".message-success")).to_contain_text("Decided")
    with scopes_disabled():
        decided = Application.objects.get(pk=application.pk)
    assert decided.status == ApplicationStatus.DECIDED
    assert decided.decision == "grant"
