"""Every save that fails says so (js/autosave.js), in a real Chromium: the save requests of the
CPO Statement, the self-assessment and the scoring page are made to fail (no connection, 500,
403, a 409 that is not the portal's, a redirect to the sign-in page). Each time the failure is
shown beside the field, the stale "Saved" goes, the typed value stays and is marked; Retry,
once the requests go through again, saves it, and the database holds the new value."""

import re

import pytest
from django.contrib.auth.models import Group
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from certification import services
from certification.models import Score, SelfAssessmentAnswer
from cpo_portal.accounts.models import Auditor
from cpo_portal.accounts.roles import OFFICE_GROUP
from cpo_portal.accounts.signals import ensure_office_group
from cpo_portal.tenancy.services import organization_create
from criteria.demo import demo_catalogue_data
from criteria.models import SchemeKind
from criteria.services import catalogue_import
from signees.models import StatementAnswer
from signees.statement_selectors import applicable_criteria
from signees.statements import statement_start_draft
from tests.certification.conftest import answer_all, approve_signee, criteria_of, new_application
from tests.integration.browser import (
    log_in_by_session,
    log_in_with_totp,
    verified_user,
    with_totp,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/autosave-{}.png"


@pytest.fixture
def case(db):
    """Alpha (an IT vendor signee) with a statement draft and a self-assessment open; Beta's
    application in audit, scored by Arne."""
    ensure_office_group()
    office = verified_user("olga@prostep.example", "Olga Office")
    office.groups.add(Group.objects.get(name=OFFICE_GROUP))
    auditor_user, auditor_secret = with_totp(verified_user("arne@audit.example", "Arne Auditor"))
    auditor = Auditor.objects.create(user=auditor_user, organisation_name="Audit Body")
    services.auditor_qualifications_set(
        auditor=auditor, scheme_kinds=[SchemeKind.ORGANIZATIONAL], by=auditor_user
    )
    catalogue_import(data=demo_catalogue_data(), by=None, publish=True)

    def case_of(owner, name):
        organization = organization_create(by=owner, legal_name=name, country="DE")
        signee = approve_signee(organization, owner, office)
        application = new_application(organization, owner)
        services.application_submit(application=application, by=owner)
        services.application_accept(application=application, by=office)
        services.auditor_assign(application=application, auditor=auditor, role="lead", by=office)
        return organization, signee, application

    dana = verified_user("dana@alpha.example", "Dana Owner")
    alpha, signee, self_assessment = case_of(dana, "Alpha PLM AG")
    draft = statement_start_draft(signee=signee, by=dana)
    erik = verified_user("erik@beta.example", "Erik Owner")
    _beta, _signee, audit = case_of(erik, "Beta Systems GmbH")
    answer_all(audit, erik)
    services.self_assessment_submit(application=audit, by=erik)
    return {
        "owner": dana,
        "alpha": alpha,
        "draft": draft,
        "self_assessment": self_assessment,
        "audit": audit,
        "auditor": (auditor_user, auditor_secret),
    }


def fail_posts(page, url, **fulfil):
    """Make every POST to `url` fail: aborted (no connection) or answered with `fulfil`."""

    def handle(route):
        if route.request.method != "POST":
            route.continue_()
        elif fulfil:
            route.fulfill(**fulfil)
        else:
            route.abort("internetdisconnected")

    page.route(url, handle)


def expect_failure(row, reason):
    """The failure beside the field: an alert naming it, the input marked, Retry offered."""
    alert = row.locator(".autosave-failure")
    expect(alert).to_have_count(1)
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_contain_text("Not saved:")
    expect(alert).to_contain_text(reason)
    expect(alert).to_contain_text("Your input is kept on this page.")
    expect(row.locator("[data-autosave-saved]")).to_have_count(0)
    expect(row.locator(".autosave-field-unsaved").first).to_be_visible()
    expect(row.locator(".autosave-unsaved-badge").first).to_have_text("Not saved")
    return alert


def retry(page, row, url):
    page.unroute(url)
    row.get_by_role("button", name="Retry").click()
    expect(row.locator(".autosave-failure")).to_have_count(0)
    expect(row.locator(".autosave-field-unsaved")).to_have_count(0)


def test_statement_answer_failures_are_shown_kept_and_retried(live_server, page, case):
    page.set_default_timeout(15_000)
    base = live_server.url
    alpha, draft = case["alpha"], case["draft"]
    criterion = applicable_criteria(draft)[1]
    log_in_by_session(page.context, base, case["owner"])
    page.goto(f"{base}/o/{alpha.slug}/statement/draft/")
    row = page.locator(f"#c-{criterion.pk}")
    url = f"{base}/o/{alpha.slug}/statement/draft/answers/{criterion.pk}/"
    explanation = row.locator("textarea[name$='-explanation']")
    partially = row.locator("input[value='partially']")

    def stored():
        with scopes_disabled():
            answer = StatementAnswer.objects.filter(statement=draft, criterion=criterion).first()
        return answer and (answer.fulfilment, answer.explanation, answer.version)

    # No connection: the answer stays on screen, marked, with the failure beside it.
    fail_posts(page, url)
    explanation.fill("Only the REST API is documented.")
    partially.check()
    alert = expect_failure(row, "No connection to the server.")
    expect(explanation).to_have_value("Only the REST API is documented.")
    expect(partially).to_be_checked()
    row.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS.format("1-statement-offline"))
    assert stored() is None
    retry(page, row, url)
    expect(row.locator(".answer-feedback")).to_contain_text("Saved at")
    assert stored() == ("partially", "Only the REST API is documented.", 1)

    # A server error after a save: the old "Saved" goes, the new text stays.
    fail_posts(page, url, status=500, body="Internal Server Error", content_type="text/html")
    explanation.fill("REST and GraphQL are documented.")
    explanation.blur()
    alert = expect_failure(row, "The server had a problem (error 500).")
    expect(explanation).to_have_value("REST and GraphQL are documented.")
    assert stored() == ("partially", "Only the REST API is documented.", 1)
    retry(page, row, url)
    expect(row.locator(".answer-feedback")).to_contain_text("Saved at")
    assert stored() == ("partially", "REST and GraphQL are documented.", 2)

    # Not allowed (403): said so; the next save that goes through clears it.
    fail_posts(page, url, status=403, body="Forbidden", content_type="text/plain")
    row.locator("input[value='fulfilled']").check()
    alert = expect_failure(row, "no longer allowed")
    page.unroute(url)
    explanation.fill("Both APIs are documented.")
    explanation.blur()
    expect(alert).to_have_count(0)
    expect(row.locator(".answer-feedback")).to_contain_text("Saved at")
    assert stored() == ("fulfilled", "Both APIs are documented.", 3)


def test_self_assessment_failures_are_shown_kept_and_retried(live_server, page, case):
    page.set_default_timeout(15_000)
    base = live_server.url
    alpha, application = case["alpha"], case["self_assessment"]
    criterion = criteria_of(application)[0]
    log_in_by_session(page.context, base, case["owner"])
    path = f"/o/{alpha.slug}/certification/{application.pk}/self-assessment/"
    page.goto(f"{base}{path}")
    row = page.locator(f"#c-{criterion.pk}")
    url = f"{base}{path}{criterion.pk}/"
    status = row.locator("select[name$='-status']")
    explanation = row.locator("textarea[name$='-explanation']")
    version = row.locator("input[name$='-version']")

    def stored():
        with scopes_disabled():
            answer = SelfAssessmentAnswer.objects.filter(
                application=application, criterion=criterion
            ).first()
        return answer and (answer.status, answer.explanation, answer.version)

    # A 409 that is not the portal's (no refusal in it): not swapped in, shown as a failure;
    # the row keeps its version, so the retry is still guarded.
    fail_posts(page, url, status=409, body="Conflict", content_type="text/plain")
    explanation.fill("Handbook chapter 2.")
    status.select_option("partially")
    expect_failure(row, "The server refused the save (error 409). Conflict")
    expect(version).to_have_value("0")
    expect(explanation).to_have_value("Handbook chapter 2.")
    expect(status).to_have_value("partially")
    assert stored() is None
    retry(page, row, url)
    expect(row.locator(".sa-feedback")).to_contain_text("Saved at")
    expect(version).to_have_value("1")
    assert stored() == ("partially", "Handbook chapter 2.", 1)

    # Signed out: the save is sent to the sign-in page; that is no success.
    fail_posts(page, url, status=302, headers={"Location": "/accounts/login/"})
    explanation.fill("Handbook chapter 2 and 3.")
    explanation.blur()
    expect_failure(row, "signed out")
    expect(explanation).to_have_value("Handbook chapter 2 and 3.")
    retry(page, row, url)
    assert stored() == ("partially", "Handbook chapter 2 and 3.", 2)

    # A colleague saves the same answer: the save is refused with both values shown, the
    # field stays marked; "Keep mine" saves it on top.
    services.self_assessment_answer(
        application=application,
        criterion_id=criterion.pk,
        status="implemented",
        explanation="The colleague's text.",
        expected_version=2,
        by=case["owner"],
    )
    explanation.fill("My text.")
    explanation.blur()
    conflict = row.locator(".autosave-conflict")
    expect(conflict).to_contain_text("Not saved: this answer was changed in the meantime.")
    expect(conflict).to_contain_text("The colleague's text.")
    expect(conflict).to_contain_text("My text.")
    expect(row.locator(".autosave-field-unsaved").first).to_be_visible()
    expect(row.locator(".autosave-failure")).to_have_count(0)
    row.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS.format("2-self-assessment-conflict"))
    assert stored() == ("implemented", "The colleague's text.", 3)
    # The Keep-mine request fails first: its retry keeps mine, on top of version 3.
    fail_posts(page, url)
    conflict.get_by_role("button", name="Keep mine").click()
    expect_failure(row, "No connection to the server.")
    retry(page, row, url)
    expect(conflict).to_have_count(0)
    expect(row.locator(".sa-feedback")).to_contain_text("Saved at")
    assert stored() == ("partially", "My text.", 4)


def test_scoring_failures_are_shown_kept_and_retried(live_server, page, case):
    page.set_default_timeout(15_000)
    base = live_server.url
    application = case["audit"]
    criterion = criteria_of(application)[0]
    log_in_with_totp(page, base, f"/audit/{application.pk}/", *case["auditor"])
    row = page.locator(f"#c-{criterion.pk}")
    url = f"{base}/audit/{application.pk}/scores/{criterion.pk}/"
    rationale = row.get_by_label(re.compile("^Rationale"))

    def stored():
        with scopes_disabled():
            score = Score.objects.get(application=application, criterion=criterion)
        return score.rating, score.rationale, score.version

    fail_posts(page, url)
    # fill() sends no keyup: the saves are the change of the text and of the rating.
    rationale.fill("Two of five interfaces lack an owner.")
    row.locator("input[value='partially']").check()
    expect_failure(row, "No connection to the server.")
    expect(rationale).to_have_value("Two of five interfaces lack an owner.")
    expect(row.locator("input[value='partially']")).to_be_checked()
    row.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS.format("3-scoring-offline"))
    assert stored() == ("", "", 0)
    retry(page, row, url)
    expect(row.locator(".score-feedback")).to_contain_text("Saved at")
    assert stored() == ("partially", "Two of five interfaces lack an owner.", 1)

    fail_posts(page, url, status=500, body="Internal Server Error", content_type="text/html")
    row.locator("input[value='not_fulfilled']").check()
    expect_failure(row, "The server had a problem (error 500).")
    assert stored()[0] == "partially"
    retry(page, row, url)
    expect(row.locator(".score-feedback")).to_contain_text("(version 2)")
    assert stored() == ("not_fulfilled", "Two of five interfaces lack an owner.", 2)
