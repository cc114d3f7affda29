"""The election's notices (cpo_portal/notifications): nominations open per group, voting open
and the reminder to vote (the hourly task, each person once), the results (on publishing).

Who hears it and who does not, by their choice (off: recorded, no mail; digest: no mail
now) and in their language."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community.services.elections import elections_notify_due, results_publish
from community.tasks import send_community_notices
from cpo_portal.notifications.models import Delivery, Notice, NotificationPreference
from cpo_portal.tenancy.models import Role
from tests.community.factories import ElectionFactory
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(alpha_member, beta_member, gamma_member, stranger_org):
    """Alpha (alice owner, bob member) and Beta (charlie) are IT vendors, Gamma (dora) an IT
    customer; the stranger's organization is no community member."""


def _run(capture, **kwargs):
    with capture(execute=True):
        return elections_notify_due(**kwargs)


def _mails_to(mailoutbox):
    return {address: message for message in mailoutbox for address in message.to}


def _prefer(user, kind, delivery):
    NotificationPreference.objects.create(user=user, kind=kind, delivery=delivery)


def test_nominations_open_tells_each_member_of_their_own_group_once(
    members, alpha, gamma, mailoutbox, django_capture_on_commit_callbacks
):
    election = ElectionFactory(nominating=True)

    told = _run(django_capture_on_commit_callbacks)

    mails = _mails_to(mailoutbox)
    assert told["nominations_open"] == 4
    assert set(mails) == {
        "alice@example.org",
        "bob@example.org",
        "charlie@example.org",
        "dora@example.org",
    }
    vendor, customer = mails["bob@example.org"], mails["dora@example.org"]
    assert election.title in vendor.subject
    assert "IT vendor group elects 5 members" in vendor.body
    assert f"/o/{alpha.slug}/community/elections/{election.year}/nominate/" in vendor.body
    assert "IT customer group elects 4 members" in customer.body
    assert f"/o/{gamma.slug}/community/elections/{election.year}/nominate/" in customer.body
    # The one-click unsubscribe of every notice.
    assert vendor.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    mailoutbox.clear()
    assert _run(django_capture_on_commit_callbacks)["nominations_open"] == 0
    assert send_community_notices.delay().get()["nominations_open"] == 0
    assert mailoutbox == []
    assert Notice.objects.filter(kind="community.nominations_open").count() == 4


def test_nominations_open_honours_each_persons_choice_and_language(
    members, bob, charlie, dora, mailoutbox, django_capture_on_commit_callbacks
):
    ElectionFactory(nominating=True)
    _prefer(bob, "community.nominations_open", Delivery.OFF)
    _prefer(charlie, "community.nominations_open", Delivery.DIGEST)
    dora.language = "de"
    dora.save(update_fields=["language"])

    _run(django_capture_on_commit_callbacks)

    mails = _mails_to(mailoutbox)
    assert set(mails) == {"alice@example.org", "dora@example.org"}
    notices = {n.user_id: n for n in Notice.objects.filter(kind="community.nominations_open")}
    assert (notices[bob.pk].delivery, notices[bob.pk].sent_at) == (Delivery.OFF, None)
    assert (notices[charlie.pk].delivery, notices[charlie.pk].sent_at) == (Delivery.DIGEST, None)
    assert notices[dora.pk].language == "de"
    assert "IT-Kunde" in mails["dora@example.org"].body


def test_nothing_before_or_after_the_windows(
    members, mailoutbox, django_capture_on_commit_callbacks
):
    ElectionFactory(nominating=True, at=timezone.now() + timedelta(days=3))  # opens in 2 days
    ElectionFactory(closed=True, at=timezone.now() - timedelta(days=400))  # last year's

    assert _run(django_capture_on_commit_callbacks) == {
        "nominations_open": 0,
        "voting_open": 0,
        "voting_reminder": 0,
    }
    assert mailoutbox == []


def test_voting_open_tells_who_may_cast_the_ballot_of_organizations_yet_to_vote(
    members, alpha, beta, bob, charlie, mailoutbox, django_capture_on_commit_callbacks
):
    election = ElectionFactory(voting=True, voters=[(beta, charlie)])
    # The reminder is due from a day before voting closes (3 days, not in the first day).
    two_hours_ago = timezone.now() - timedelta(hours=2)

    told = _run(django_capture_on_commit_callbacks, at=two_hours_ago)

    # Owners and admins cast the ballot; bob is a plain member; Beta has voted.
    assert told == {"nominations_open": 0, "voting_open": 2, "voting_reminder": 0}
    mails = _mails_to(mailoutbox)
    assert set(mails) == {"alice@example.org", "dora@example.org"}
    assert f"/o/{alpha.slug}/community/elections/{election.year}/ballot/" in (
        mails["alice@example.org"].body
    )
    assert "Voting is open" in mails["alice@example.org"].subject

    # An admin made later hears it at the next run; nobody else hears it twice.
    admin = MembershipFactory(organization=alpha, role=Role.ADMIN).user
    mailoutbox.clear()
    assert _run(django_capture_on_commit_callbacks, at=two_hours_ago)["voting_open"] == 1
    assert [m.to for m in mailoutbox] == [[admin.email]]


def test_voting_reminder_only_to_organizations_that_have_not_voted_and_once(
    members, beta, charlie, dora, mailoutbox, django_capture_on_commit_callbacks
):
    election = ElectionFactory(voting=True, voters=[(beta, charlie)])
    _run(django_capture_on_commit_callbacks, at=timezone.now() - timedelta(hours=2))
    _prefer(dora, "community.voting_reminder", Delivery.OFF)
    mailoutbox.clear()

    told = _run(django_capture_on_commit_callbacks)

    assert told == {"nominations_open": 0, "voting_open": 0, "voting_reminder": 2}
    assert [m.to for m in mailoutbox] == [["alice@example.org"]]
    reminder = mailoutbox[0]
    assert election.title in reminder.subject
    assert "Alpha has not cast its ballot" in reminder.body
    assert "Beta" not in reminder.body  # nothing about who voted, let alone how
    assert not Notice.objects.filter(kind="community.voting_reminder", user=charlie).exists()
    assert Notice.objects.get(kind="community.voting_reminder", user=dora).delivery == Delivery.OFF

    mailoutbox.clear()
    assert _run(django_capture_on_commit_callbacks)["voting_reminder"] == 0
    assert mailoutbox == []


def test_results_tell_the_elected_personally_and_every_member(
    members,
    alpha,
    beta,
    alice,
    charlie,
    office_user,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    election = ElectionFactory(tallied=True, candidates=[(alice, alpha)], voters=[(beta, charlie)])
    charlie.language = "de"
    charlie.save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True):
        results_publish(election=election, by=office_user)

    mails = _mails_to(mailoutbox)
    assert set(mails) == {
        "alice@example.org",
        "bob@example.org",
        "charlie@example.org",
        "dora@example.org",
    }
    elected = mails["alice@example.org"]
    assert "You were elected" in elected.subject
    assert f"term {election.year}" in elected.body
    assert "IT vendor group (Alpha)" in elected.body
    results = mails["bob@example.org"]
    assert results.subject == f"Results of the {election.title}"
    assert f"/community/elections/{election.year}/" in results.body
    assert Notice.objects.get(kind="community.results", user=charlie).language == "de"
    assert Notice.objects.filter(kind="community.results").count() == 4  # alice once
