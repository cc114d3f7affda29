"""People find their work (issue 17): for each role, a walk from the page the role opens on
after signing in (AccountAdapter.get_login_redirect_url; visitors: the home page) to each of
its tasks, by following the links of the pages — each step's link is parsed from the HTML
of the page before it, and each page it reaches answers 200.

Roles: the visitor, a member and the owner of an organization, a CPO Community member
organization's owner, the Core Team, an auditor and the CPO office.
"""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from cpo_portal.accounts.adapter import AccountAdapter
from tests.community import conftest as community
from tests.community.factories import ConferenceFactory, ElectionFactory, ProposalFactory

pytestmark = pytest.mark.django_db

alpha_member = community.alpha_member
beta_member = community.beta_member
dora = community.dora
gamma = community.gamma
gamma_member = community.gamma_member
core_team = community.core_team


def hrefs(html: str) -> set[str]:
    """The targets of the page's links (<a href>) and forms (<form action>)."""
    found = re.findall(r'<a\b[^>]*\bhref="([^"#]+)', html)
    found += re.findall(r'<form\b[^>]*\baction="([^"#]+)', html)
    return {unescape(href) for href in found}


def start_page(user) -> str:
    """Where the person lands after signing in (a `next` aside)."""
    if user is None:
        return "/"
    request = RequestFactory().get("/accounts/login/")
    request.user = user
    return AccountAdapter(request).get_login_redirect_url(request)


def walk(client: Client, start: str, *steps: str) -> str:
    """Open `start`, then follow each step as a link of the page before it; returns the
    last page's HTML. Fails with the page and the link it did not find."""
    response = client.get(start)
    assert response.status_code == 200, start
    here = start
    for step in steps:
        links = hrefs(response.content.decode())
        assert step in links, f"{here} has no link to {step}: {sorted(links)}"
        response = client.get(step)
        assert response.status_code == 200, f"{step} (from {here}) answered {response.status_code}"
        here = step
    return response.content.decode()


def signed_in(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- The visitor ---------------------------------------------------------------------------


def test_a_visitor_reaches_the_community_its_proposals_team_and_election(core_team):
    client = signed_in(None)
    start = start_page(None)
    walk(client, start, "/signees/")
    walk(client, start, "/seal/")
    walk(client, start, "/community/", "/community/proposals/")
    walk(client, start, "/community/", "/community/core-team/")
    walk(client, start, "/community/", f"/community/elections/{core_team.year}/")
    walk(client, start, "/community/", "/community/reports/")


# --- An organization's member and owner ----------------------------------------------------


def test_a_member_reaches_the_organizations_work_from_the_dashboard(alpha, bob):
    client = signed_in(bob)
    start = start_page(bob)
    assert start == "/dashboard/"
    org = f"/o/{alpha.slug}/"
    for task in ("signing/", "statement/", "certification/", "certificates/", "community/"):
        # From the workspace of the organization's home page, and from the bar of any page.
        walk(client, start, org, f"{org}{task}")
        walk(client, start, org, f"{org}members/", f"{org}{task}")


def test_the_owner_reaches_the_admin_pages_and_the_appeals(alpha, alice):
    client = signed_in(alice)
    start = start_page(alice)
    org = f"/o/{alpha.slug}/"
    for task in ("settings/", "documents/", "activity/", "certification/appeals/"):
        walk(client, start, org, f"{org}{task}")


# --- A CPO Community member organization ---------------------------------------------------


def test_a_community_member_reaches_ballot_proposals_membership_and_conference(
    gamma_member, gamma, dora, alpha_member, alpha, alice
):
    election = ElectionFactory(voting=True, candidates=[(alice, alpha)])
    ConferenceFactory(open=True)
    client = signed_in(dora)
    start = start_page(dora)
    org = f"/o/{gamma.slug}/"
    community_page = f"{org}community/"
    elections = f"{community_page}elections/"
    walk(client, start, org, community_page, elections, f"{elections}{election.year}/ballot/")
    walk(client, start, org, community_page, f"{community_page}proposals/")
    walk(client, start, org, community_page, f"{community_page}membership/")
    # The conference's registration form is on the organization's community page.
    page = walk(client, start, org, community_page)
    assert f"{community_page}conference/{election.year}/register/" in hrefs(page)
    # The public side of the community, from the workspace.
    walk(client, start, org, community_page, "/community/", "/community/proposals/")


# --- The Core Team -------------------------------------------------------------------------


def test_the_core_team_reaches_report_drafts_and_proposal_moderation(core_team, alice, beta):
    proposal = ProposalFactory(organization=beta)
    client = signed_in(alice)
    start = start_page(alice)
    assert start == "/dashboard/"
    walk(client, start, "/community/reports/drafts/")
    page = walk(client, start, "/community/proposals/", f"/community/proposals/{proposal.pk}/")
    assert f"/community/proposals/{proposal.pk}/move/" in hrefs(page)  # the Core Team moves it


def test_only_the_core_team_sees_its_dashboard_card(core_team, bob, charlie):
    for user in (bob, charlie):
        page = signed_in(user).get("/dashboard/").content.decode()
        assert "/community/reports/drafts/" not in hrefs(page)
        assert 'id="core-team-title"' not in page


# --- The auditor and the office ------------------------------------------------------------


def test_an_auditor_lands_on_the_audits(auditor_user):
    start = start_page(auditor_user)
    assert start == "/audit/"
    client = signed_in(auditor_user)
    walk(client, start)
    walk(client, "/dashboard/", "/audit/")


def test_the_office_lands_on_its_start_page_and_reaches_each_queue(office_user):
    # Nominations closed with no candidate at all: the office's to-do list leads to the
    # election (election sanity), as its start page's card does.
    now = timezone.now()
    election = ElectionFactory(
        nomination_opens=now - timedelta(days=2),
        nomination_closes=now - timedelta(hours=1),
        voting_opens=now + timedelta(days=1),
        voting_closes=now + timedelta(days=2),
    )
    client = signed_in(office_user)
    start = start_page(office_user)
    assert start == "/office/"
    for task in (
        "/office/signees/",
        "/office/certification/",
        "/office/community/memberships/",
        "/office/community/conferences/",
        "/community/reports/drafts/",
    ):
        walk(client, start, task)
    page = walk(client, start, f"/office/community/elections/{election.pk}/")
    assert 'data-testid="short-groups"' in page
    walk(
        client, start, "/office/community/elections/", f"/office/community/elections/{election.pk}/"
    )
