"""The settings page, the one-click unsubscribe link (RFC 8058) and the office's record."""

import pytest
from django.core import mail
from django.test import Client

from cpo_portal.notifications.kinds import DIGEST
from cpo_portal.notifications.models import Delivery, Notice, NotificationPreference
from cpo_portal.notifications.services import unsubscribe_token, unsubscribe_url
from tests.factories import UserFactory

from .conftest import KIND

pytestmark = pytest.mark.django_db


def _activity():
    from django_scopes import scopes_disabled

    from cpo_portal.activity.models import ActivityEntry

    with scopes_disabled():
        return ActivityEntry.objects.all()


SETTINGS = "/accounts/notifications/"


def _delivery(user, kind=KIND):
    return (
        NotificationPreference.objects.filter(user=user, kind=kind)
        .values_list("delivery", flat=True)
        .first()
    )


# --- The settings page -------------------------------------------------------------------


def test_settings_page_needs_a_sign_in(client):
    response = client.get(SETTINGS)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_settings_page_lists_each_kind_under_its_group_with_the_current_choice(
    client, news_kind, alice
):
    NotificationPreference.objects.create(user=alice, kind=KIND, delivery=Delivery.DIGEST)
    client.force_login(alice)
    page = client.get(SETTINGS).content.decode()
    assert "CPO Community" in page  # the group heading
    assert "Test news" in page and "News for the tests." in page
    assert f'name="{KIND}" value="digest" required id="id_{KIND}_1" checked' in page
    for label in ("E-mail now", "Weekly digest", "Off"):
        assert label in page


def test_settings_page_saves_the_choices(client, news_kind, alice):
    from cpo_portal.notifications.kinds import all_kinds

    client.force_login(alice)
    # The page posts a choice for every kind the apps registered.
    choices = {k.key: str(k.default) for k in all_kinds()}
    response = client.post(SETTINGS, {**choices, KIND: "off"}, follow=True)
    assert response.redirect_chain[-1][0] == SETTINGS
    assert _delivery(alice) == Delivery.OFF
    assert "Your notification settings have been saved." in response.content.decode()
    assert _activity().filter(verb="notifications.preferences_saved").exists()


def test_settings_page_refuses_an_unknown_choice(client, news_kind, alice):
    client.force_login(alice)
    response = client.post(SETTINGS, {KIND: "sometimes"})
    assert response.status_code == 200
    assert response.context["form"].errors[KIND]
    assert _delivery(alice) is None


def test_settings_page_speaks_german(client, news_kind, alice):
    alice.language = "de"
    alice.save(update_fields=["language"])
    client.force_login(alice)
    page = client.get(SETTINGS).content.decode()
    assert '<html lang="de">' in page


def test_the_profile_page_and_the_dashboard_link_the_settings(client, alice):
    client.force_login(alice)
    for path in ("/accounts/profile/", "/dashboard/"):
        assert f'href="{SETTINGS}"' in client.get(path).content.decode(), path


# --- One-click unsubscribe ------------------------------------------------------------------


def _path(user, kind=KIND):
    return f"/notifications/unsubscribe/{unsubscribe_token(user=user, kind=kind)}/"


def test_the_link_in_the_mail_is_the_page(news_kind, alice):
    assert unsubscribe_url(user=alice, kind=KIND).endswith(_path(alice))


def test_one_click_post_turns_the_kind_off_without_sign_in_or_csrf_token(news_kind, alice):
    client = Client(enforce_csrf_checks=True)  # a mail client: no cookie, no token
    response = client.post(
        _path(alice),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert _delivery(alice) == Delivery.OFF
    assert "Test news" in response.content.decode()
    assert 'href="/accounts/notifications/"' in response.content.decode()
    entry = _activity().get(verb="notifications.unsubscribed")
    assert entry.actor is None and entry.data["kinds"] == [KIND]


def test_a_get_only_asks(client, news_kind, alice):
    response = client.get(_path(alice))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Unsubscribe from “Test news”?" in page
    assert f'<form method="post" action="{_path(alice)}">' in page
    assert _delivery(alice) is None
    assert not _activity().filter(verb="notifications.unsubscribed").exists()


def test_a_forged_or_damaged_token_is_404_and_changes_nothing(client, news_kind, alice):
    good = unsubscribe_token(user=alice, kind=KIND)
    for token in ("forged", good[:-2] + "xx", good.replace(":", "", 1)):
        assert client.post(f"/notifications/unsubscribe/{token}/").status_code == 404
        assert client.get(f"/notifications/unsubscribe/{token}/").status_code == 404
    assert _delivery(alice) is None


def test_a_token_of_a_kind_nobody_registers_is_404(client, alice):
    assert client.post(_path(alice, kind="tests.gone")).status_code == 404


def test_the_page_is_in_the_persons_language_when_not_signed_in(client, news_kind, alice):
    alice.language = "de"
    alice.save(update_fields=["language"])
    response = client.get(_path(alice))
    assert '<html lang="de">' in response.content.decode()
    assert response["Content-Language"] == "de"


def test_the_digest_link_turns_off_every_kind_received_by_digest(client, news_kind, alice):
    NotificationPreference.objects.create(user=alice, kind=KIND, delivery=Delivery.DIGEST)
    response = client.post(_path(alice, kind=DIGEST))
    assert response.status_code == 200
    assert _delivery(alice) == Delivery.OFF


# --- The office's record ----------------------------------------------------------------------


def _notice(user, **fields):
    values = {
        "user": user,
        "email": user.email,
        "kind": KIND,
        "language": "en",
        "subject": f"News for {user.full_name}",
        "body": "Hello,",
        "delivery": Delivery.NOW,
    }
    return Notice.objects.create(**{**values, **fields})


@pytest.mark.parametrize("who", ["alice", "auditor_user"])
def test_the_office_record_is_the_office_s_only(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/office/notifications/").status_code == 404


def test_the_office_record_sends_visitors_to_sign_in(client):
    response = client.get("/office/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_office_reads_what_was_sent_to_whom(
    client, news_kind, office_user, alice, bob, django_assert_max_num_queries
):
    from django.utils import timezone

    _notice(alice, sent_at=timezone.now())
    _notice(bob, delivery=Delivery.DIGEST)
    for _ in range(30):
        _notice(UserFactory(), delivery=Delivery.OFF)
    client.force_login(office_user)
    with django_assert_max_num_queries(12):
        response = client.get("/office/notifications/")
    page = response.content.decode()
    assert response.status_code == 200
    assert alice.email in page and "Alice Owner" in page
    assert "Test news" in page
    assert "Weekly digest, waiting" in page and "Off: not sent" in page
    # Newest first.
    assert response.context["page"].object_list[0].user != alice


def test_the_office_filters_by_kind_delivery_and_person(client, news_kind, office_user, alice, bob):
    _notice(alice)
    _notice(bob, delivery=Delivery.DIGEST)
    _notice(bob, kind="tests.other", delivery=Delivery.OFF)
    client.force_login(office_user)

    def listed(query):
        page = client.get(f"/office/notifications/?{query}").context["page"]
        return sorted((n.user.email, n.kind, n.delivery) for n in page.object_list)

    assert listed("q=bob") == [
        (bob.email, KIND, "digest"),
        (bob.email, "tests.other", "off"),
    ]
    assert listed("q=Alice") == [(alice.email, KIND, "now")]
    assert listed("status=digest_waiting") == [(bob.email, KIND, "digest")]
    assert listed(f"kind={KIND}&status=now") == [(alice.email, KIND, "now")]
    # An unknown filter value is dropped, never a 500.
    assert len(listed("status=nonsense")) == 3


def test_no_mail_goes_out_from_the_pages(client, news_kind, alice):
    client.post(_path(alice))
    assert mail.outbox == []


def test_a_signed_in_office_member_without_mfa_can_still_unsubscribe(
    client, news_kind, office_user_without_mfa
):
    """The link acts on its token: the MFA and name requirements of a session do not stand
    in the way of someone leaving a mailing."""
    client.force_login(office_user_without_mfa)
    assert client.get(_path(office_user_without_mfa)).status_code == 200
    response = client.post(_path(office_user_without_mfa), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert _delivery(office_user_without_mfa) == Delivery.OFF


def test_a_second_visit_of_the_link_says_it_is_off_and_asks_nothing(client, news_kind, alice):
    client.post(_path(alice), {"List-Unsubscribe": "One-Click"})
    page = client.get(_path(alice)).content.decode()
    assert "Unsubscribed" in page
    assert "Unsubscribe from" not in page


def test_office_only_kinds_are_offered_to_the_office_alone(client, alice, office_user):
    client.force_login(alice)
    assert "Annual report ready for review" not in client.get(SETTINGS).content.decode()
    client.force_login(office_user)
    assert "Annual report ready for review" in client.get(SETTINGS).content.decode()
