"""A person's notices and settings in the office's export, and gone on erasure."""

import pytest

from cpo_portal.accounts.services.people import person_erase, person_export
from cpo_portal.notifications.models import Delivery, Notice, NotificationPreference

from .conftest import KIND

pytestmark = pytest.mark.django_db


@pytest.fixture
def told(send_news, alice, bob):
    NotificationPreference.objects.create(user=alice, kind=KIND, delivery=Delivery.DIGEST)
    send_news([alice, bob])


def test_the_export_holds_the_persons_settings_and_notices(told, alice, office_user):
    export = person_export(person=alice, by=office_user)["notifications"]
    assert export["settings"][0]["kind"] == KIND
    assert export["settings"][0]["delivery"] == "digest"
    [notice] = export["notices"]
    assert notice["address"] == alice.email
    assert notice["subject"] == "Welcome, CPO."
    assert notice["delivery"] == "digest" and notice["sent"] is None


def test_the_confirmation_page_says_the_notices_go(told, client, alice, office_user):
    client.force_login(office_user)
    page = client.get(f"/office/people/{alice.pk}/erase/").content.decode()
    assert "1 notice sent or recorded for the person." in page
    assert "Their notification settings." in page


def test_erasure_deletes_the_persons_notices_and_settings_only(told, alice, bob, office_user):
    counts = person_erase(person=alice, by=office_user)
    assert counts["notices_deleted"] == 1
    assert counts["notification_settings_deleted"] == 1
    assert not Notice.objects.filter(email="alice@example.org").exists()
    assert not NotificationPreference.objects.filter(user=alice).exists()
    assert Notice.objects.filter(user=bob).count() == 1
