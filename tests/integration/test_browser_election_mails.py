"""A whole Core Team election as a member organization lives it: every step is opened from
the e-mail the person received (nominations open → nominate; nominated → accept; voting open
→ ballot, confirmed; results → the new Core Team), a reminder reaches only the organizations
that have not voted, a German member reads German, and the one-click unsubscribe of a mail's
List-Unsubscribe header switches that kind of notice off."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from community.models import BallotCast
from community.services import elections as services
from community.tasks import send_community_notices
from cpo_portal.accounts.signals import ensure_office_groups
from cpo_portal.notifications.models import Delivery, NotificationPreference
from tests.community import conftest as community
from tests.community.helpers import at_phase
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/election-mails-{}.png"

alpha_member = community.alpha_member
beta_member = community.beta_member
dora = community.dora
gamma = community.gamma
gamma_member = community.gamma_member


@pytest.fixture
def office_group(db):
    ensure_office_groups()


@pytest.fixture
def site(settings, live_server):
    # The links in the mails point at the portal the browser talks to.
    settings.SITE_URL = live_server.url
    return live_server.url


def mails_to(address, since=0):
    return [m for m in mail.outbox[since:] if m.to == [address]]


def link_in(message, site):
    found = re.findall(rf"{re.escape(site)}/\S+", message.body)
    assert found, message.body
    return found[0]


def sign_in(page, user):
    # tests/integration's alice has a password of her own and an address not yet verified.
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    page.fill('input[name="login"]', user.email)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('main form[action^="/accounts/login/"] [type="submit"]').click()


def test_an_election_cycle_driven_by_the_mails_a_member_receives(
    site,
    page,
    office_group,
    office_user,
    alpha_member,
    beta_member,
    gamma_member,
    alpha,
    beta,
    gamma,
    alice,
    charlie,
    dora,
):
    charlie.language = "de"
    charlie.save(update_fields=["language"])
    now = timezone.now()
    election = services.election_create(
        year=now.year,
        title="",
        nomination_opens=now - timedelta(minutes=5),
        nomination_closes=now + timedelta(days=1),
        voting_opens=now + timedelta(days=2),
        voting_closes=now + timedelta(days=3),
        by=office_user,
    )

    # Nominations open: each member hears of their own group's nominations, once.
    send_community_notices()
    send_community_notices()
    (opened,) = mails_to(alice.email)
    assert "Nominations are open" in opened.subject
    assert opened.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (german,) = mails_to(charlie.email)
    assert "Nominierung" in german.subject or "Nominierungen" in german.subject, german.subject
    assert len(mails_to(dora.email)) == 1

    page.goto(link_in(opened, site))
    sign_in(page, alice)
    expect(page).to_have_url(
        re.compile(rf"/o/{alpha.slug}/community/elections/{election.year}/nominate/")
    )
    options = page.locator('select[name="candidate"] option')
    own = [o for o in options.all() if re.search("alice", o.inner_text(), re.I)]
    page.locator('select[name="candidate"]').select_option(own[0].get_attribute("value"))
    page.screenshot(path=SHOTS.format("nominate"), full_page=True)
    seen = len(mail.outbox)
    page.get_by_role("button", name="Nominate").click()

    # The nominee is asked by mail to accept; the link leads to the nomination.
    (asked,) = mails_to(alice.email, since=seen)
    page.goto(link_in(asked, site))
    page.get_by_role("link", name="Your nomination").click()
    page.get_by_role("button", name="Accept the nomination").click()
    expect(page.get_by_text(re.compile("accepted", re.I)).first).to_be_visible()

    # Voting opens: the owners hear it; the ballot is reviewed, confirmed, cast.
    # Voting has just opened (the reminder is days away).
    now = timezone.now()
    election.nomination_opens, election.nomination_closes = (
        now - timedelta(days=2),
        now - timedelta(days=1),
    )
    election.voting_opens, election.voting_closes = (
        now - timedelta(minutes=5),
        now + timedelta(days=4),
    )
    election.save()
    seen = len(mail.outbox)
    send_community_notices()
    (voting,) = mails_to(alice.email, since=seen)
    assert "Voting is open" in voting.subject
    page.goto(link_in(voting, site))
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("ballot", re.I))
    page.get_by_label(re.compile("alice", re.I)).check()
    page.get_by_role("button", name="Review the ballot").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your ballot")
    assert BallotCast.objects.count() == 0  # not cast before it is confirmed
    page.screenshot(path=SHOTS.format("confirm"), full_page=True)
    page.get_by_role("button", name="Cast the ballot").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your ballot has been cast")
    assert BallotCast.objects.filter(organization=alpha).count() == 1

    # The reminder reaches the organizations that have not voted, never Alpha.
    seen = len(mail.outbox)
    election.voting_opens = timezone.now() - timedelta(days=2)
    election.voting_closes = timezone.now() + timedelta(days=1)
    election.save()
    send_community_notices()
    reminded = {m.to[0] for m in mail.outbox[seen:]}
    assert reminded == {charlie.email, dora.email}
    (reminder,) = mails_to(charlie.email, since=seen)

    # Charlie's mail client unsubscribes with one click (RFC 8058): no sign-in, no cookie.
    unsubscribe = reminder.extra_headers["List-Unsubscribe"].strip("<>")
    answer = page.request.post(unsubscribe, form={"List-Unsubscribe": "One-Click"})
    assert answer.ok
    assert (
        NotificationPreference.objects.get(user=charlie, kind="community.voting_reminder").delivery
        == Delivery.OFF
    )

    # Results: the elected hears it personally, the other members get the results page.
    at_phase(election, "closed")
    services.election_tally(election=election, by=office_user)
    seen = len(mail.outbox)
    services.results_publish(election=election, by=office_user)
    (elected,) = mails_to(alice.email, since=seen)
    assert "You were elected" in elected.subject
    (results,) = mails_to(dora.email, since=seen)
    page.goto(link_in(results, site))
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(election.year))
    expect(page.locator("main")).to_contain_text(re.compile("alice", re.I))
    page.screenshot(path=SHOTS.format("results"), full_page=True)
