"""The weekly digest: one mail per person with everything waiting, once; on Monday 07:00 in
Berlin, summer and winter."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core import mail

from cpo_portal.notifications.kinds import DIGEST
from cpo_portal.notifications.models import Delivery, Notice, NotificationPreference
from cpo_portal.notifications.services import notices_send_digest, unsubscribe_token
from cpo_portal.notifications.tasks import send_digests
from tests.factories import UserFactory

from .conftest import KIND

pytestmark = pytest.mark.django_db


@pytest.fixture
def by_digest(news_kind):
    def choose(*users):
        for user in users:
            NotificationPreference.objects.create(user=user, kind=KIND, delivery=Delivery.DIGEST)

    return choose


def _send(capture):
    with capture(execute=True):
        return send_digests.delay().get()


def test_the_digest_collects_each_persons_notices_in_one_mail(
    send_news, by_digest, alice, bob, django_capture_on_commit_callbacks
):
    by_digest(alice)
    send_news([alice, bob], subject="First news", text="The first text.")
    send_news([alice], subject="Second news", text="The second text.")
    mail.outbox.clear()  # bob's mail at once

    assert _send(django_capture_on_commit_callbacks) == 1
    [message] = mail.outbox
    assert message.to == [alice.email]
    assert message.subject == "Your weekly digest: 2 notices"
    body = message.body
    assert body.index("== First news ==") < body.index("== Second news ==")  # newest last
    assert "The first text." in body and "The second text." in body
    assert "/community/" in body  # each notice's link
    token = unsubscribe_token(user=alice, kind=DIGEST)
    assert f"/notifications/unsubscribe/{token}/" in body
    assert f"/notifications/unsubscribe/{token}/>" in message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # One signature delimiter, before the footer: mail programs fold away what follows the
    # first "-- " line, and the unsubscribe link must not hide behind a second one.
    assert body.count("\n-- \n") == 1
    assert body.index("\n-- \n") > body.index("The second text.")
    assert not Notice.objects.filter(delivery=Delivery.DIGEST, sent_at__isnull=True).exists()


def test_a_second_run_sends_nothing(
    send_news, by_digest, alice, django_capture_on_commit_callbacks
):
    by_digest(alice)
    send_news([alice])
    assert _send(django_capture_on_commit_callbacks) == 1
    assert _send(django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 1


def test_the_digest_is_in_the_persons_language(
    send_news, by_digest, alice, django_capture_on_commit_callbacks
):
    alice.language = "de"
    alice.save(update_fields=["language"])
    by_digest(alice)
    send_news([alice])
    _send(django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert "Willkommen, CPO." in message.body and "Guten Tag," in message.body


def test_one_persons_failure_does_not_stop_the_others(
    send_news, by_digest, alice, bob, monkeypatch, django_capture_on_commit_callbacks
):
    from cpo_portal.notifications import services

    by_digest(alice, bob)
    send_news([alice, bob])
    real = services.render_to_string

    def broken_for_alice(template, context=None, *args, **kwargs):
        if template.endswith("digest.txt") and context["user"] == alice:
            raise RuntimeError("boom")
        return real(template, context, *args, **kwargs)

    monkeypatch.setattr(services, "render_to_string", broken_for_alice)
    assert _send(django_capture_on_commit_callbacks) == 1
    assert [m.to for m in mail.outbox] == [[bob.email]]
    # Alice's notices wait for the next run.
    assert Notice.objects.get(user=alice).sent_at is None


def test_the_digest_keeps_its_queries_bounded(
    send_news, by_digest, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    people = UserFactory.create_batch(6)
    by_digest(*people)
    send_news(people)
    send_news(people, key="second")
    # Per person: lock the account, read the notices, mark them sent (and the savepoints).
    with django_assert_max_num_queries(1 + 6 * 5):
        assert notices_send_digest() == 6


def test_nothing_waits_for_an_inactive_person(send_news, by_digest, alice):
    by_digest(alice)
    send_news([alice])
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert notices_send_digest() == 0


# --- When it runs -----------------------------------------------------------------------------


def _due_at(now: datetime, last: datetime) -> bool:
    timing = settings.CELERY_BEAT_SCHEDULE["notifications-weekly-digest"]["schedule"]
    timing.nowfun = lambda: now
    return bool(timing.is_due(last)[0])


@pytest.mark.parametrize(
    ("monday_7_berlin", "season"),
    [
        (datetime(2026, 1, 5, 6, 0, tzinfo=UTC), "winter: UTC+1"),
        (datetime(2026, 7, 6, 5, 0, tzinfo=UTC), "summer: UTC+2"),
    ],
)
def test_the_digest_goes_out_on_monday_at_seven_in_berlin(monday_7_berlin, season):
    last_week = monday_7_berlin - timedelta(days=7)
    assert not _due_at(monday_7_berlin - timedelta(minutes=1), last_week), season
    assert _due_at(monday_7_berlin, last_week), season
    # Sent: not again until next Monday.
    assert not _due_at(monday_7_berlin + timedelta(days=6), monday_7_berlin), season
