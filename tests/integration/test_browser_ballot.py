"""The owner of a community member organization casts its ballot in a real Chromium, keeps
the receipt code and checks on the public receipt page that the ballot was counted."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from community.models import Ballot, BallotCast
from community.services import elections as services
from cpo_portal.accounts.signals import ensure_office_groups
from tests.community import conftest as community
from tests.community.helpers import at_phase
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/ballot-{}.png"

alpha_member = community.alpha_member
beta_member = community.beta_member
dora = community.dora
gamma = community.gamma
gamma_member = community.gamma_member


@pytest.fixture
def office_group(db):
    # A transactional test flushes the database; the office group comes back with it.
    ensure_office_groups()


@pytest.fixture
def election(office_group, office_user):
    now = timezone.now()
    return services.election_create(
        year=now.year,
        title="",
        nomination_opens=now - timedelta(days=1),
        nomination_closes=now + timedelta(days=1),
        voting_opens=now + timedelta(days=2),
        voting_closes=now + timedelta(days=3),
        by=office_user,
    )


@pytest.fixture
def candidates(election, alpha_member, beta_member, gamma_member, alpha, beta, alice, charlie):
    accepted = []
    for org, user in ((alpha, alice), (beta, charlie)):
        candidate = services.candidate_nominate(
            election=election,
            nominating_organization=org,
            candidate_user=user,
            candidate_organization=org,
            by=user,
        )
        accepted.append(services.candidate_answer(candidate=candidate, accept=True, by=user))
    at_phase(election, "voting")
    return accepted


def test_cast_a_ballot_and_check_the_receipt(live_server, page, candidates, election, gamma, dora):
    page.goto(f"{live_server.url}/o/{gamma.slug}/community/elections/")
    page.fill('input[name="login"]', dora.email)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('main form[action^="/accounts/login/"] [type="submit"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Core Team election")

    page.get_by_role("link", name="Open the ballot").click()
    expect(page.get_by_text("Approve at most 5 candidates.")).to_be_visible()
    page.get_by_label(re.compile("alice", re.I)).check()
    page.get_by_label(re.compile("charlie", re.I)).check()
    page.screenshot(path=SHOTS.format("ballot"), full_page=True)
    page.get_by_role("button", name="Review the ballot").click()

    # The summary before the cast: nothing is cast until it is confirmed.
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your ballot")
    summary = page.get_by_test_id("ballot-summary")
    expect(summary).to_contain_text(re.compile("alice", re.I))
    expect(summary).to_contain_text(re.compile("charlie", re.I))
    assert not BallotCast.objects.exists()
    page.screenshot(path=SHOTS.format("summary"), full_page=True)
    page.get_by_role("button", name="Cast the ballot").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your ballot has been cast")
    code = page.get_by_test_id("receipt-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-F]{4}(-[0-9A-F]{4}){3}", code)
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    page.screenshot(path=SHOTS.format("receipt"), full_page=True)
    assert BallotCast.objects.filter(organization=gamma).count() == 1
    assert Ballot.objects.get().votes.count() == 2

    page.get_by_role("link", name="Check that your ballot was counted").click()
    page.get_by_label("Receipt code").fill(code)
    page.get_by_role("button", name="Check").click()
    result = page.get_by_test_id("receipt-result")
    expect(result.get_by_role("heading", level=2)).to_have_text("Counted")
    expect(result).to_contain_text(re.compile("alice", re.I))
    expect(result).to_contain_text(re.compile("charlie", re.I))
    page.screenshot(path=SHOTS.format("check"), full_page=True)

    # Back in the workspace: the organization has voted, and the code is not shown again.
    page.goto(f"{live_server.url}/o/{gamma.slug}/community/elections/")
    expect(page.get_by_test_id("voted")).to_contain_text("Your organization voted on")
    assert code not in page.content()
