"""The conference's notices (cpo_portal/notifications): registration open to every person
of a community member organization (on publishing in the window, or by the hourly task),
the reminder a week ahead to confirmed attendees (the waitlist hears nothing)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community.services.conference import conference_publish, conferences_notify_due
from cpo_portal.notifications.models import Delivery, Notice, NotificationPreference
from tests.community.factories import ConferenceFactory
from tests.community.helpers import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(alpha_member, beta_member, stranger_org):
    """Alpha (alice, bob) and Beta (charlie) are community members; the stranger's
    organization is not."""


def _recipients(mailoutbox):
    return sorted(address for message in mailoutbox for address in message.to)


def test_publishing_in_the_window_tells_every_member_once(
    members, bob, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    conference = ConferenceFactory()  # a draft, its registration window open
    bob.language = "de"
    bob.save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True):
        conference_publish(conference=conference, by=office_user)

    assert _recipients(mailoutbox) == [
        "alice@example.org",
        "bob@example.org",
        "charlie@example.org",
    ]
    english = next(m for m in mailoutbox if m.to == ["alice@example.org"])
    german = next(m for m in mailoutbox if m.to == ["bob@example.org"])
    assert english.subject == "Registration is open: CPO Conference"
    assert "Venue: Darmstadt" in english.body
    assert f"/community/conference/{conference.year}/" in english.body
    assert "Veranstaltungsort: Darmstadt" in german.body

    # Unpublished and published again, and the hourly task: nobody hears it twice.
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        conference_publish(conference=conference, by=office_user, published=False)
        conference_publish(conference=conference, by=office_user)
        assert conferences_notify_due()["conference_open"] == 0
    assert mailoutbox == []
    assert Notice.objects.filter(kind="community.conference_open").count() == 3


def test_a_later_window_is_told_by_the_task_when_it_opens(
    members, alice, charlie, mailoutbox, django_capture_on_commit_callbacks
):
    ConferenceFactory(upcoming=True)  # published, registration opens tomorrow
    NotificationPreference.objects.create(
        user=alice, kind="community.conference_open", delivery=Delivery.OFF
    )
    NotificationPreference.objects.create(
        user=charlie, kind="community.conference_open", delivery=Delivery.DIGEST
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert conferences_notify_due()["conference_open"] == 0
        told = conferences_notify_due(at=timezone.now() + timedelta(days=2))

    assert told["conference_open"] == 3
    assert _recipients(mailoutbox) == ["bob@example.org"]
    assert Notice.objects.get(user=alice).delivery == Delivery.OFF
    assert Notice.objects.get(user=charlie).sent_at is None


def test_the_reminder_goes_to_confirmed_attendees_a_week_ahead_once(
    members, alpha, beta, alice, bob, charlie, mailoutbox, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    conference = ConferenceFactory(
        open=True, capacity=2, starts_on=today + timedelta(days=5), ends_on=today + timedelta(6)
    )
    register(conference, alpha, alice, "Alice Owner", "alice@example.org")
    guest = register(conference, alpha, bob, "Gina Guest", "gina@example.org")  # no account
    register(conference, beta, charlie, "Charlie", "charlie@example.org")  # the waitlist
    NotificationPreference.objects.create(
        user=alice, kind="community.conference_open", delivery=Delivery.OFF
    )
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        told = conferences_notify_due()

    assert told["conference_reminder"] == 2
    reminders = [m for m in mailoutbox if m.subject.startswith("Reminder:")]
    assert sorted(a for m in reminders for a in m.to) == ["alice@example.org", "bob@example.org"]
    own = next(m for m in reminders if m.to == ["alice@example.org"])
    relayed = next(m for m in reminders if m.to == ["bob@example.org"])
    assert "you have a seat" in own.body
    assert "You registered Gina Guest" in relayed.body
    assert Notice.objects.get(kind="community.conference_reminder", user=bob).key == (
        f"conference:{conference.pk}:reminder:{guest.pk}"
    )
    assert not Notice.objects.filter(kind="community.conference_reminder", user=charlie).exists()

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert conferences_notify_due()["conference_reminder"] == 0
    assert mailoutbox == []


def test_no_reminder_earlier_than_a_week_ahead(
    members, alpha, alice, mailoutbox, django_capture_on_commit_callbacks
):
    conference = ConferenceFactory(open=True)  # begins in 30 days
    register(conference, alpha, alice, "Alice Owner", "alice@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        assert conferences_notify_due()["conference_reminder"] == 0
    assert not Notice.objects.filter(kind="community.conference_reminder").exists()
