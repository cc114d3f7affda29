"""Keyboard only: a company signs the CPO and an auditor scores criteria without a mouse.

Nothing is clicked or filled: the tests press Tab / Shift+Tab to move the focus, type into
the focused field and use Space, Enter and the arrow keys (radio groups) as a keyboard
user would. Navigation to the first page is the only exception: it is the address bar.
"""

import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from certification.models import Rating, Score
from certification.services.applications import application_accept, application_submit
from certification.services.auditors import auditor_assign
from certification.services.self_assessment import self_assessment_submit
from cpo_portal.accounts.models import User
from cpo_portal.accounts.signals import ensure_office_groups
from cpo_portal.tenancy.services import organization_create
from criteria.interchange import parse
from criteria.services.catalogue import catalogue_import
from signees.models import Signature, SigneeStatus
from tests.certification.helpers import (
    accept_agreement,
    answer_all,
    approve_signee,
    criteria_of,
    give_evidence,
    make_auditor,
    new_application,
)
from tests.integration.browser import log_in_by_session
from tests.signees.helpers import MINI_CATALOGUE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# More than any page needs to reach its last control; a page that needs more has a focus trap.
MAX_TABS = 80


@pytest.fixture(autouse=True)
def _office_group(db):
    # A transactional test flushes the database, the office group with it.
    ensure_office_groups()


def _focused(page, selector: str) -> bool:
    return page.evaluate("s => !!document.activeElement?.matches(s)", selector)


def tab_to(page, selector: str, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the element matching `selector` has the focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        if _focused(page, selector):
            return
        page.keyboard.press(key)
    active = page.evaluate("document.activeElement?.outerHTML.slice(0, 200)")
    pytest.fail(f"{selector} not reached with {MAX_TABS} × {key}; the focus is on {active}")


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def test_sign_the_cpo_with_the_keyboard_only(live_server, page, monkeypatch):
    page.set_default_timeout(15_000)
    # The signature's PDF is not what this test is about; rendering it only costs time.
    monkeypatch.setattr("cpo_portal.documents.services._queue", lambda document: None)
    base = live_server.url
    catalogue_import(data=parse(MINI_CATALOGUE), by=None, publish=True)
    dana = User.objects.create_user(
        email="dana@openness-works.example", password="x-Openness-7", full_name="Dana Signer"
    )
    log_in_by_session(page.context, base, dana)
    page.goto(f"{base}/sign/")

    # The skip link comes first and leads into the page.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")

    # Register the company.
    type_into(page, '[name="legal_name"]', "Openness Works GmbH")
    type_into(page, '[name="legal_form"]', "GmbH")
    tab_to(page, 'select[name="country"]')
    page.keyboard.type("Germany")  # type-ahead in the closed list
    type_into(page, '[name="address"]', "Dieselstraße 1")
    page.keyboard.press("Enter")  # a new line in the address, not a submit
    page.keyboard.type("64283 Darmstadt")
    type_into(page, '[name="website"]', "www.openness-works.example")
    expect(page.locator('select[name="country"]')).to_have_value("DE")
    tab_to(page, 'main button[type="submit"]')
    page.keyboard.press("Enter")

    # The group: into the radio group, the arrow keys choose, Enter sends the form.
    expect(page).to_have_url(re.compile(r"/o/openness-works-gmbh/sign/$"))
    tab_to(page, 'input[name="group"]')
    for _ in range(3):
        if _focused(page, 'input[value="it_vendor"]'):
            break
        page.keyboard.press("ArrowDown")
    expect(page.get_by_label("IT vendor")).to_be_checked()
    tab_to(page, 'main button[type="submit"]')
    page.keyboard.press("Enter")

    # The declaration, then on to signing with the link.
    expect(page.locator("pre.declaration-sheet")).to_contain_text("as IT vendor")
    tab_to(page, 'main a[href*="step=sign"]')
    page.keyboard.press("Enter")

    # The signature: the name is filled in; position, authority (Space), Enter.
    expect(page.get_by_label("Name of the signatory")).to_have_value("Dana Signer")
    type_into(page, '[name="signatory_position"]', "Managing Director")
    tab_to(page, '[name="authority_confirmed"]')
    page.keyboard.press("Space")
    expect(page.locator('[name="authority_confirmed"]')).to_be_checked()
    # Back once and forward again: Shift+Tab returns to the field typed in before.
    page.keyboard.press("Shift+Tab")
    expect(page.locator('[name="signatory_position"]')).to_be_focused()
    tab_to(page, 'main button[type="submit"]')
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{base}/o/openness-works-gmbh/signing/", timeout=15_000)
    expect(page.locator(".status-head .badge").first).to_have_text("Pending review")
    with scopes_disabled():
        signature = Signature.objects.select_related("signee").get()
    assert signature.signed_by == dana
    assert signature.signatory_position == "Managing Director"
    assert signature.signee.group == "it_vendor"
    assert signature.signee.status == SigneeStatus.PENDING


@pytest.fixture
def audit(catalogue, office_user, auditor_user):
    """An organizational audit with the self-assessment submitted, nothing scored yet."""
    owner = User.objects.create_user(email="dana@alpha.example", password="x-Openness-7")
    organization = organization_create(by=owner, legal_name="Alpha PLM AG", country="DE")
    approve_signee(organization, owner, office_user)
    application = new_application(organization, owner)
    application_submit(application=application, by=owner)
    accept_agreement(application.organization, owner)  # (agreements)
    application_accept(application=application, by=office_user)
    auditor_assign(
        application=application, auditor=make_auditor(auditor_user), role="lead", by=office_user
    )
    answer_all(application, owner)
    give_evidence(application, owner)  # evidence required (clarifications)
    self_assessment_submit(application=application, by=owner)
    return application


def test_score_criteria_with_the_keyboard_only(live_server, page, audit, auditor_user):
    page.set_default_timeout(15_000)
    base = live_server.url
    first, second, third = criteria_of(audit)[:3]
    log_in_by_session(page.context, base, auditor_user)
    page.goto(f"{base}/audit/{audit.pk}/")

    # Tab to the first criterion; 1 rates it fulfilled and saves it.
    tab_to(page, f"#c-{first.pk}")
    page.keyboard.press("1")
    expect(page.locator(f"#c-{first.pk} .score-feedback")).to_contain_text("Saved at")

    # j moves on; 2 (partially fulfilled) asks for a rationale and puts the focus there.
    page.keyboard.press("j")
    expect(page.locator(f"#c-{second.pk}")).to_be_focused()
    page.keyboard.press("2")
    expect(page.locator(f"#rationale-{second.pk}")).to_be_focused()
    page.keyboard.type("Half of the interfaces have a named owner.")
    expect(page.locator(f"#c-{second.pk} .score-feedback")).to_contain_text("Saved at")

    # From the text field Alt+Down moves to the next criterion; into its radio group with
    # Tab, the arrow keys choose the rating (saved on change).
    page.keyboard.press("Alt+ArrowDown")
    expect(page.locator(f"#c-{third.pk}")).to_be_focused()
    tab_to(page, f'#c-{third.pk} input[name="rating"]')
    page.keyboard.press("Space")
    expect(page.locator(f"#c-{third.pk} .score-feedback")).to_contain_text("Saved at")

    with scopes_disabled():
        ratings = dict(
            Score.objects.filter(
                application=audit, criterion__in=[first, second, third]
            ).values_list("criterion_id", "rating")
        )
        rationale = Score.objects.get(application=audit, criterion=second).rationale
    assert ratings == {
        first.pk: Rating.FULFILLED,
        second.pk: Rating.PARTIALLY,
        third.pk: Rating.FULFILLED,
    }
    assert rationale == "Half of the interfaces have a named owner."
