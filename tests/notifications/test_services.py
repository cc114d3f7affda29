"""notify(): each person by their choice (now, digest, off), in their language, once per key,
with the footer and the one-click unsubscribe headers."""

import pytest
from django.conf import settings
from django.core import mail

from cpo_portal.notifications.models import Delivery, Notice, NotificationPreference
from cpo_portal.notifications.services import (
    notification_preferences_save,
    notification_unsubscribe,
    unsubscribe_token,
)
from tests.factories import UserFactory

from .conftest import KIND

pytestmark = pytest.mark.django_db


def _activity():
    from django_scopes import scopes_disabled

    from cpo_portal.activity.models import ActivityEntry

    with scopes_disabled():
        return ActivityEntry.objects.all()


def _choose(user, delivery, kind=KIND):
    NotificationPreference.objects.create(user=user, kind=kind, delivery=delivery)


def test_notify_honours_now_digest_and_off(send_news, alice, bob, charlie):
    _choose(bob, Delivery.DIGEST)
    _choose(charlie, Delivery.OFF)
    assert send_news([alice, bob, charlie]) == 3
    assert [m.to for m in mail.outbox] == [[alice.email]]
    notices = {n.user: n for n in Notice.objects.all()}
    assert notices[alice].delivery == Delivery.NOW and notices[alice].sent_at is not None
    assert notices[bob].delivery == Delivery.DIGEST and notices[bob].sent_at is None
    assert notices[charlie].delivery == Delivery.OFF and notices[charlie].sent_at is None
    # The record says where it went and what it said, even when nothing was sent.
    assert notices[charlie].email == charlie.email
    assert notices[charlie].subject == "Welcome, CPO."
    assert notices[charlie].url.endswith("/community/")


def test_each_person_hears_in_their_language(send_news, alice, bob):
    bob.language = "de"
    bob.save(update_fields=["language"])
    send_news([alice, bob])
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address[bob.email].subject == "Willkommen, CPO."
    assert by_address[bob.email].body.startswith("Guten Tag,")
    assert by_address[alice.email].subject == "Welcome, CPO."
    assert by_address[alice.email].body.startswith("Hello,")
    assert Notice.objects.get(user=bob).language == "de"


def test_a_key_tells_each_person_once(send_news, alice, bob):
    assert send_news([alice], key="news:1") == 1
    assert send_news([alice, bob], key="news:1") == 1  # only bob is new
    assert send_news([alice], key="news:2") == 1  # another subject: told again
    assert Notice.objects.filter(user=alice).count() == 2
    assert len(mail.outbox) == 3


def test_inactive_people_and_people_without_an_address_are_skipped(send_news, alice):
    gone = UserFactory(is_active=False)
    assert send_news([alice, gone]) == 1
    assert not Notice.objects.filter(user=gone).exists()


def test_an_unregistered_kind_fails_loudly(alice):
    from cpo_portal.notifications.services import notify

    with pytest.raises(KeyError):
        notify(kind="tests.nobody", users=[alice], subject="x", template="x.txt")


def test_every_mail_has_the_footer_and_the_one_click_headers(send_news, alice):
    send_news([alice])
    [message] = mail.outbox
    token = unsubscribe_token(user=alice, kind=KIND)
    assert f"/notifications/unsubscribe/{token}/" in message.body
    assert "/accounts/notifications/" in message.body
    assert '"Test news" is switched on' in message.body
    site = settings.SITE_URL.rstrip("/")
    assert message.extra_headers["List-Unsubscribe"] == (
        f"<{site}/notifications/unsubscribe/{token}/>"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_preferences_save_records_the_choices_and_the_activity(news_kind, alice):
    notification_preferences_save(user=alice, choices={KIND: Delivery.DIGEST}, by=alice)
    assert NotificationPreference.objects.get(user=alice, kind=KIND).delivery == Delivery.DIGEST
    entry = _activity().get(verb="notifications.preferences_saved")
    assert entry.actor == alice and entry.data == {"choices": {KIND: "digest"}}


def test_unsubscribing_twice_records_once(news_kind, alice):
    assert notification_unsubscribe(user=alice, kind=KIND) == [KIND]
    assert notification_unsubscribe(user=alice, kind=KIND) == []
    assert _activity().filter(verb="notifications.unsubscribed").count() == 1


def test_the_digest_link_turns_off_only_what_comes_by_digest(news_kind, alice):
    from cpo_portal.notifications import kinds
    from cpo_portal.notifications.kinds import DIGEST

    kinds.register_kind(
        key="tests.other", group="Tests", order=998, label="Other", description="Other."
    )
    try:
        _choose(alice, Delivery.DIGEST)
        assert notification_unsubscribe(user=alice, kind=DIGEST) == [KIND]
        preferences = dict(
            NotificationPreference.objects.filter(user=alice).values_list("kind", "delivery")
        )
        assert preferences == {KIND: Delivery.OFF}  # "tests.other" keeps its default (now)
    finally:
        kinds._kinds.pop("tests.other", None)
