"""Every save that fails says so (js/autosave.js), in a real Chromium: the save requests of the
CPO Statement, the self-assessment and the scoring page are made to fail (no connection, 500,
403, a 409 that is not the portal's, a redirect to the sign-in page). Each time the failure is
shown beside the field, the stale "Saved" goes, the typed value stays and is marked; Retry,
once the requests go through again, saves it, and the database holds the new value."""

import contextlib
import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from certification.models import Score, SelfAssessmentAnswer
from certification.services.applications import application_accept, application_submit
from certification.services.auditors import auditor_assign
from certification.services.self_assessment import self_assessment_answer, self_assessment_submit
from cpo_portal.accounts.models import Auditor
from cpo_portal.accounts.signals import ensure_office_groups
from cpo_portal.tenancy.services import organization_create
from criteria.demo import demo_catalogue_data
from criteria.models import SchemeKind
from criteria.services.catalogue import catalogue_import
from signees.models import StatementAnswer
from signees.selectors.statements import applicable_criteria
from signees.services.statements import statement_start_draft
from tests.certification.helpers import (
    accept_agreement,
    answer_all,
    approve_signee,
    criteria_of,
    new_application,
    qualify,
)
from tests.factories import make_office
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
    ensure_office_groups()
    office = verified_user("olga@prostep.example", "Olga Office")
    make_office(office)
    auditor_user, auditor_secret = with_totp(verified_user("arne@audit.example", "Arne Auditor"))
    auditor = Auditor.objects.create(user=auditor_user, organisation_name="Audit Body")
    qualify(auditor, SchemeKind.ORGANIZATIONAL, office=office)
    catalogue_import(data=demo_catalogue_data(), by=None, publish=True)

    def case_of(owner, name):
        organization = organization_create(by=owner, legal_name=name, country="DE")
        signee = approve_signee(organization, owner, office)
        application = new_application(organization, owner)
        application_submit(application=application, by=owner)
        accept_agreement(application.organization, owner)  # (agreements)
        application_accept(application=application, by=office)
        auditor_assign(application=application, auditor=auditor, role="lead", by=office)
        return organization, signee, application

    dana = verified_user("dana@alpha.example", "Dana Owner")
    alpha, signee, self_assessment = case_of(dana, "Alpha PLM AG")
    draft = statement_start_draft(signee=signee, by=dana)
    erik = verified_user("erik@beta.example", "Erik Owner")
    _beta, _signee, audit = case_of(erik, "Beta Systems GmbH")
    answer_all(audit, erik)
    self_assessment_submit(application=audit, by=erik)
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
    self_assessment_answer(
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


def statement_row(page, case):
    """The draft editor open on Alpha's second criterion: (row, criterion, stored)."""
    base = page.base
    alpha, draft = case["alpha"], case["draft"]
    criterion = applicable_criteria(draft)[1]
    log_in_by_session(page.context, base, case["owner"])
    page.goto(f"{base}/o/{alpha.slug}/statement/draft/")

    def stored():
        with scopes_disabled():
            answer = StatementAnswer.objects.filter(statement=draft, criterion=criterion).first()
        return answer and (answer.fulfilment, answer.explanation, answer.link, answer.version)

    return page.locator(f"#c-{criterion.pk}"), stored


def test_typing_is_saved_after_a_pause_without_leaving_the_field(live_server, page, case):
    """Typed text is saved after a short pause, not only when the field is left."""
    page.set_default_timeout(15_000)
    page.base = live_server.url
    row, stored = statement_row(page, case)
    row.locator("input[value='fulfilled']").check()
    expect(row.locator(".answer-feedback")).to_contain_text("Saved at")
    explanation = row.locator("textarea[name$='-explanation']")
    explanation.click()
    explanation.press_sequentially("Typed, never left.", delay=20)
    expect(explanation).to_be_focused()
    expect(row.locator(".answer-feedback")).to_contain_text("Saved at")
    expect(row.locator("form")).not_to_have_attribute("data-autosave-dirty", "")
    expect(explanation).to_be_focused()
    assert stored() == ("fulfilled", "Typed, never left.", "", 2)


def leaving_asks(page):
    """Try to close the page (running beforeunload): whether the browser asked first. The
    question is dismissed, so the page stays open."""
    asked = []

    def on_dialog(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", on_dialog)
    page.close(run_before_unload=True)
    # Still open after that: the question was dismissed.
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_event("close", timeout=1500)
    if not asked:
        page.remove_listener("dialog", on_dialog)
    return asked == ["beforeunload"] and not page.is_closed()


def test_leaving_with_unsaved_input_asks_first(live_server, page, case):
    """Typed and not yet saved, refused as stale, or held back by the browser's validation:
    leaving the page asks first. Saved: it does not."""
    page.set_default_timeout(15_000)
    page.base = live_server.url
    row, stored = statement_row(page, case)
    explanation = row.locator("textarea[name$='-explanation']")
    link = row.locator("input[name$='-link']")

    # Typed before choosing the (required) fulfilment: the browser holds the save back;
    # that is said beside the field, the text is kept and marked, and leaving asks.
    explanation.click()
    explanation.press_sequentially("Written before choosing.")
    alert = row.locator(".autosave-failure")
    expect(alert).to_have_count(1)
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_contain_text("Not saved:")
    expect(alert).to_contain_text("Fulfilment")
    expect(alert).to_contain_text("Your input is kept on this page.")
    expect(explanation).to_have_value("Written before choosing.")
    expect(row.locator(".autosave-field-unsaved").first).to_be_visible()
    row.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS.format("4-statement-validation-halted"))
    assert stored() is None
    assert leaving_asks(page)

    # Choosing the fulfilment saves both; the alert goes; leaving no longer asks.
    row.locator("input[value='partially']").check()
    expect(alert).to_have_count(0)
    expect(row.locator(".answer-feedback")).to_contain_text("Saved at")
    assert stored() == ("partially", "Written before choosing.", "", 1)

    # A link without https:// is held back too.
    link.click()
    link.press_sequentially("not a link")
    expect(alert).to_contain_text("Not saved:")
    expect(link).to_have_value("not a link")
    assert leaving_asks(page)
    link.fill("https://example.com/plm")
    expect(alert).to_have_count(0)
    expect(row.locator(".answer-feedback")).to_contain_text("Saved at")
    assert stored() == ("partially", "Written before choosing.", "https://example.com/plm", 2)

    # Typed, the pause not yet over: leaving asks.
    explanation.click()
    explanation.press("End")
    explanation.press_sequentially(" More")
    assert leaving_asks(page)
    expect(row.locator(".answer-feedback")).to_contain_text("Saved at")
    expect(row.locator("form")).not_to_have_attribute("data-autosave-dirty", "")
    assert stored()[1] == "Written before choosing. More"

    # A save that is still under way: leaving asks.
    held = []
    page.route(re.compile(r".*/answers/\d+/$"), lambda route: held.append(route))
    explanation.press_sequentially("!")
    explanation.blur()
    page.wait_for_timeout(300)
    assert held
    assert leaving_asks(page)
    for route in held:
        route.continue_()
    page.unroute(re.compile(r".*/answers/\d+/$"))
    expect(row.locator("form")).not_to_have_attribute("data-autosave-dirty", "")
    assert stored()[1] == "Written before choosing. More!"

    # Refused as stale (someone saved in between): the text is not saved, leaving asks.
    with scopes_disabled():
        answer = StatementAnswer.objects.get(statement=case["draft"])
        StatementAnswer.objects.filter(pk=answer.pk).update(
            explanation="A colleague's text.", version=answer.version + 1
        )
    explanation.fill("Mine.")
    explanation.blur()
    expect(row.locator(".autosave-conflict")).to_contain_text("A colleague's text.")
    assert leaving_asks(page)

    # Saved on top: leaving does not ask, the page closes.
    row.get_by_role("button", name="Keep mine").click()
    expect(row.locator(".autosave-conflict")).to_have_count(0)
    expect(row.locator(".answer-feedback")).to_contain_text("Saved at")
    assert stored()[1] == "Mine."
    assert not leaving_asks(page)
    assert page.is_closed()


def test_conflict_fits_a_phone(live_server, browser, case):
    """At 390 px the conflict (both values, long words and names, the buttons) fits the page
    width: nothing is cut off, the page does not scroll sideways."""
    base = live_server.url
    colleague = verified_user("max@alpha.example", "Maximiliane Oberpfaffenhofenerwolkenstein")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    alpha, application = case["alpha"], case["self_assessment"]
    criterion = criteria_of(application)[0]
    log_in_by_session(context, base, case["owner"])
    path = f"/o/{alpha.slug}/certification/{application.pk}/self-assessment/"
    page.goto(f"{base}{path}")
    row = page.locator(f"#c-{criterion.pk}")
    row.locator("select[name$='-status']").select_option("partially")
    expect(row.locator(".sa-feedback")).to_contain_text("Saved at")
    self_assessment_answer(
        application=application,
        criterion_id=criterion.pk,
        status="implemented",
        explanation="https://wiki.alpha.example/plm/interfaces/openness/documentation-overview",
        expected_version=1,
        by=case["owner"],
    )
    with scopes_disabled():
        SelfAssessmentAnswer.objects.filter(application=application, criterion=criterion).update(
            updated_by=colleague
        )
    explanation = row.locator("textarea[name$='-explanation']")
    explanation.fill("See Handbuchkapitelübersichtsverzeichnisseiteneintrag for the details.")
    explanation.blur()
    conflict = row.locator(".autosave-conflict")
    expect(conflict).to_contain_text("Not saved: this answer was changed in the meantime.")
    row.scroll_into_view_if_needed()
    row.screenshot(path=SHOTS.format("5-conflict-phone"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for name in ("Keep mine", "Take the saved one"):
        box = conflict.locator("button, a", has_text=name).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, name

    # The same on the CPO Statement editor.
    page.base = base
    row, _stored = statement_row(page, case)
    row.locator("input[value='fulfilled']").check()
    expect(row.locator(".answer-feedback")).to_contain_text("Saved at")
    with scopes_disabled():
        answer = StatementAnswer.objects.get(statement=case["draft"])
        StatementAnswer.objects.filter(pk=answer.pk).update(
            explanation="https://wiki.alpha.example/plm/interfaces/openness/documentation-overview",
            version=answer.version + 1,
            updated_by=colleague,
        )
    explanation = row.locator("textarea[name$='-explanation']")
    explanation.fill("See Handbuchkapitelübersichtsverzeichnisseiteneintrag for the details.")
    explanation.blur()
    conflict = row.locator(".autosave-conflict")
    expect(conflict).to_contain_text("Not saved: this answer was changed in the meantime.")
    row.scroll_into_view_if_needed()
    row.screenshot(path=SHOTS.format("6-statement-conflict-phone"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for name in ("Keep mine", "Take the saved one"):
        box = conflict.locator("button, a", has_text=name).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, name
    context.close()


def test_a_long_address_in_a_heading_fits_a_phone(live_server, browser):
    """The office's erase page names the person by address in its heading: at 390 px a long
    address wraps instead of widening the page."""
    ensure_office_groups()
    office, secret = with_totp(verified_user("olga@prostep.example", "Olga Office"))
    make_office(office)
    person = verified_user(
        "maximiliane.oberpfaffenhofener-wolkenstein@engineering.alpha-plm.example", "Max"
    )
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    path = f"/office/people/{person.pk}/erase/"
    log_in_with_totp(page, live_server.url, path, office, secret)
    expect(page.get_by_role("heading", level=1)).to_contain_text(person.email)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
