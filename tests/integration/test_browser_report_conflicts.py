"""Two Core Team members edit the same section of the annual report in a real Chromium: the
second save is refused with both values; "Take the saved one" swaps the saved section into
the form (htmx), "Keep mine" saves one's own on top. Nothing is overwritten unseen."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from community.models import ReportSection
from community.services import elections as services
from community.services import reports as report_services
from cpo_portal.accounts.signals import ensure_office_groups
from cpo_portal.tenancy.services import organization_create
from criteria.interchange import parse
from criteria.services.catalogue import catalogue_import
from tests.community.helpers import at_phase, member
from tests.factories import make_office
from tests.integration.browser import log_in_by_session, verified_user
from tests.signees.helpers import MINI_CATALOGUE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/report-conflict-{}.png"


@pytest.fixture
def case(db):
    """Alpha's Alice and Beta's Charlie, both elected to the Core Team; a draft report."""
    ensure_office_groups()
    office = verified_user("olga@prostep.example", "Olga Office")
    make_office(office)
    catalogue_import(data=parse(MINI_CATALOGUE), by=None, publish=True)
    people = []
    for email, name, company in (
        ("alice@alpha.example", "Alice Owner", "Alpha PLM AG"),
        ("charlie@beta.example", "Charlie Owner", "Beta Systems GmbH"),
    ):
        person = verified_user(email, name)
        organization = organization_create(by=person, legal_name=company, country="DE")
        member(organization, person, office)
        people.append((organization, person))
    now, day = timezone.now(), timedelta(days=1)
    election = services.election_create(
        year=now.year,
        title="",
        nomination_opens=now - day,
        nomination_closes=now + day,
        voting_opens=now + 2 * day,
        voting_closes=now + 3 * day,
        by=office,
    )
    candidates = []
    for organization, person in people:
        candidate = services.candidate_nominate(
            election=election,
            nominating_organization=organization,
            candidate_user=person,
            candidate_organization=organization,
            by=person,
        )
        services.candidate_answer(candidate=candidate, accept=True, by=person)
        candidates.append(candidate.pk)
    at_phase(election, "voting")
    for organization, person in people:
        services.ballot_cast(
            election=election,
            organization=organization,
            choices={"it_vendor": candidates},
            by=person,
        )
    at_phase(election, "closed")
    services.election_tally(election=election, by=office)
    services.results_publish(election=election, by=office)
    (_, alice), (_, charlie) = people
    report = report_services.report_create(year=now.year, by=alice)
    return {"alice": alice, "charlie": charlie, "report": report}


def stored(section):
    s = ReportSection.objects.select_related("updated_by").get(pk=section.pk)
    return s.body, s.version, s.updated_by


def test_the_second_save_is_told_and_chooses(live_server, browser, case):
    base = live_server.url
    report = case["report"]
    section = report.sections.order_by("position").first()
    url = f"{base}/community/reports/drafts/{report.year}/sections/{section.pk}/"
    pages = {}
    for who in ("alice", "charlie"):
        context = browser.new_context()
        log_in_by_session(context, base, case[who])
        pages[who] = context.new_page()
        pages[who].set_default_timeout(15_000)
        pages[who].goto(url)
    alice, charlie = pages["alice"], pages["charlie"]

    # Both opened version 1; Alice saves first.
    alice.fill("#id_body", "Alice's foreword.")
    alice.get_by_role("button", name="Save", exact=True).click()
    expect(alice.locator(".messages-region")).to_contain_text("The section has been saved.")
    assert stored(section) == ("Alice's foreword.", 2, case["alice"])
    alice.goto(url)  # she goes on editing from version 2

    # Charlie's save is refused: both values, who saved; his text stays in the form.
    charlie.fill("#id_body", "Charlie's foreword.")
    charlie.get_by_role("button", name="Save", exact=True).click()
    conflict = charlie.locator(".autosave-conflict")
    expect(conflict).to_contain_text("Not saved: this section was changed in the meantime.")
    expect(conflict).to_contain_text("Saved by Alice Owner")
    expect(conflict.locator(".conflict-theirs")).to_contain_text(["Foreword", "Alice's foreword."])
    expect(conflict.locator(".conflict-yours")).to_contain_text(["Foreword", "Charlie's foreword."])
    expect(charlie.locator("#id_body")).to_have_value("Charlie's foreword.")
    charlie.screenshot(path=SHOTS.format("1-refused"), full_page=True)
    assert stored(section) == ("Alice's foreword.", 2, case["alice"])

    # "Take the saved one": the form now holds Alice's text and her version (htmx, same page).
    conflict.get_by_role("link", name="Take the saved one").click()
    expect(charlie.locator(".autosave-conflict")).to_have_count(0)
    expect(charlie.locator("#id_body")).to_have_value("Alice's foreword.")
    expect(charlie.locator("input[name=version]")).to_have_value("2")
    charlie.fill("#id_body", "Alice's foreword, with Charlie's addition.")
    charlie.get_by_role("button", name="Save", exact=True).click()
    expect(charlie.locator(".messages-region")).to_contain_text("The section has been saved.")
    assert stored(section) == ("Alice's foreword, with Charlie's addition.", 3, case["charlie"])

    # Alice, still on version 2, saves again: refused; "Keep mine" puts hers on top.
    alice.fill("#id_body", "Alice's final foreword.")
    alice.get_by_role("button", name="Save", exact=True).click()
    conflict = alice.locator(".autosave-conflict")
    expect(conflict).to_contain_text("Saved by Charlie Owner")
    conflict.get_by_role("button", name="Keep mine").click()
    expect(alice.locator(".messages-region")).to_contain_text("The section has been saved.")
    assert stored(section) == ("Alice's final foreword.", 4, case["alice"])
