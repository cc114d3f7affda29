"""cpo_portal.mail: every e-mail is queued, goes out in each recipient's language, and an
SMTP outage never turns a saved change into an error."""

import base64
import json
import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import translation
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from cpo_portal import mail as portal_mail
from cpo_portal.mail import lazy_format, mail_on_commit
from cpo_portal.tenancy.models import Invitation
from criteria.interchange import parse
from criteria.services.catalogue import catalogue_import
from signees.models import Signee, SigneeStatus
from tests.signees.helpers import MINI_CATALOGUE, sign

pytestmark = pytest.mark.django_db

BACKEND = "tests.test_mail.FlakyBackend"


@pytest.fixture
def signed(alpha, alice):
    """Alpha signed the CPO (as in tests/signees), pending the office's review."""
    catalogue_import(data=parse(MINI_CATALOGUE), by=None, publish=True)
    return sign(alpha, alice).signee


class FlakyBackend(BaseEmailBackend):
    """An SMTP server that is down for the next `down_for` deliveries, then up again."""

    down_for = 0
    attempts = 0

    def send_messages(self, email_messages):
        FlakyBackend.attempts += 1
        if FlakyBackend.down_for:
            FlakyBackend.down_for -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        mail.outbox.extend(email_messages)
        return len(email_messages)


@pytest.fixture
def smtp(settings):
    settings.EMAIL_BACKEND = BACKEND
    FlakyBackend.down_for = 0
    FlakyBackend.attempts = 0
    yield FlakyBackend
    FlakyBackend.down_for = 0


def _speaks(user, language):
    user.language = language
    user.save(update_fields=["language"])
    return user


def _send(**kwargs):
    fields = {
        "subject": lazy_format(gettext_lazy("Audit resumed: %(org)s"), org="Alpha"),
        "template": "community/membership/email/membership.txt",
        "context": {
            "membership": None,
            "message": gettext_lazy(
                "The corrective-action phase has ended; the auditors continue the audit."
            ),
        },
        **kwargs,
    }
    mail_on_commit(**fields)


# --- Language --------------------------------------------------------------------------


def test_each_recipient_reads_the_mail_in_their_own_language(
    alice, bob, django_capture_on_commit_callbacks
):
    _speaks(alice, "de")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        _send(to=[alice.email, bob.email])

    by_recipient = {tuple(m.to): m for m in mail.outbox}
    assert sorted(by_recipient) == [(alice.email,), (bob.email,)]
    german, english = by_recipient[(alice.email,)], by_recipient[(bob.email,)]
    assert german.subject == "Audit fortgesetzt: Alpha"
    assert "Die Phase der Korrekturmaßnahmen ist beendet" in german.body
    assert english.subject == "Audit resumed: Alpha"
    assert "The corrective-action phase has ended" in english.body


def test_recipients_are_matched_to_users_whatever_the_case_of_the_address(
    alice, django_capture_on_commit_callbacks
):
    _speaks(alice, "de")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        _send(to=["Alice@Example.org"])

    [message] = mail.outbox
    assert message.subject == "Audit fortgesetzt: Alpha"


def test_an_unknown_address_gets_the_language_given_or_else_that_of_the_sender(
    django_capture_on_commit_callbacks,
):
    with translation.override("de"), django_capture_on_commit_callbacks(execute=True):
        _send(to=["guest@example.org"])
        _send(to=["other@example.org"], language="en")

    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects == {
        "guest@example.org": "Audit fortgesetzt: Alpha",
        "other@example.org": "Audit resumed: Alpha",
    }


def test_nothing_is_sent_before_commit_or_after_a_rollback(
    alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _send(to=[alice.email])
    assert mail.outbox == []
    assert len(callbacks) == 1


def test_attachments_travel_through_the_queue(alice, django_capture_on_commit_callbacks):
    ics = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    with django_capture_on_commit_callbacks(execute=True):
        _send(to=[alice.email], attachments=[("cpo.ics", ics, "text/calendar")])

    [message] = mail.outbox
    [(name, content, mimetype)] = message.attachments
    assert (name, mimetype) == ("cpo.ics", "text/calendar")
    assert (content.encode() if isinstance(content, str) else content) == ics


def test_the_queued_task_takes_only_serialisable_data(
    alice, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(portal_mail.send_queued_mail, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        portal_mail.queue_mail(
            subject="Hello\nX-Injected: yes",
            body="Body",
            to=[alice.email],
            attachments=[("a.bin", b"\x00\xff", "application/octet-stream")],
        )
    [payload] = queued
    assert payload["to"] == [alice.email]
    assert payload["subject"] == "Hello X-Injected: yes"
    assert payload["attachments"] == [
        ["a.bin", base64.b64encode(b"\x00\xff").decode(), "application/octet-stream"]
    ]
    assert json.loads(json.dumps(payload)) == payload


def test_the_broker_being_down_does_not_fail_the_change_either(
    alice, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(payload):
        raise ConnectionRefusedError("broker")

    monkeypatch.setattr(portal_mail.send_queued_mail, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        portal_mail.queue_mail(subject="Hello", body="Body", to=[alice.email])

    # Sent directly instead.
    assert [m.subject for m in mail.outbox] == ["Hello"]


# --- A state change through a view, in the recipient's language ---------------------------


def test_a_german_company_hears_of_an_english_offices_decision_in_german(
    client, signed, alice, office_user, django_capture_on_commit_callbacks
):
    _speaks(alice, "de")
    _speaks(office_user, "en")
    client.force_login(office_user)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/office/signees/{signed.pk}/approve/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    [message] = [m for m in mail.outbox if alice.email in m.to]
    assert message.subject == "Ihre CPO-Unterzeichnung wurde freigegeben"
    assert "Die CPO-Geschäftsstelle hat die Unterzeichnung" in message.body


# --- SMTP outages ------------------------------------------------------------------------


def _approve_through_the_view(client, office_user, signee, callbacks):
    client.force_login(office_user)
    with callbacks(execute=True):
        return client.post(f"/office/signees/{signee.pk}/approve/")


def _status(signee):
    with scopes_disabled():
        return Signee.objects.get(pk=signee.pk).status


def test_smtp_outage_does_not_fail_the_change_and_the_mail_goes_out_when_it_is_back(
    client, signed, alice, office_user, smtp, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    smtp.down_for = 2  # the first two deliveries fail, the server is back for the third

    response = _approve_through_the_view(
        client, office_user, signed, django_capture_on_commit_callbacks
    )

    assert response.status_code == 302
    assert _status(signed) == SigneeStatus.APPROVED
    assert [m.to for m in mail.outbox] == [[alice.email]]
    assert smtp.attempts == 3


def test_smtp_down_for_good_leaves_the_change_saved_and_logs_the_lost_mail_loudly(
    client, signed, alice, office_user, smtp, django_capture_on_commit_callbacks, caplog
):
    mail.outbox.clear()
    smtp.down_for = 1000

    with caplog.at_level(logging.WARNING, logger="cpo_portal.mail"):
        response = _approve_through_the_view(
            client, office_user, signed, django_capture_on_commit_callbacks
        )

    assert response.status_code == 302
    assert _status(signed) == SigneeStatus.APPROVED
    assert mail.outbox == []
    assert smtp.attempts > 1  # retried
    [final] = [r for r in caplog.records if r.levelno >= logging.CRITICAL]
    assert alice.email in final.getMessage()
    assert "Your CPO signature has been approved" in final.getMessage()


def test_a_refused_recipient_is_not_retried(
    alice, settings, caplog, django_capture_on_commit_callbacks
):
    class Refusing(BaseEmailBackend):
        calls = 0

        def send_messages(self, email_messages):
            Refusing.calls += 1
            raise smtplib.SMTPRecipientsRefused({alice.email: (550, b"No such user")})

    settings.EMAIL_BACKEND = f"{__name__}.Refusing"
    globals()["Refusing"] = Refusing
    with (
        caplog.at_level(logging.ERROR, logger="cpo_portal.mail"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        portal_mail.queue_mail(subject="Hello", body="Body", to=[alice.email])

    assert Refusing.calls == 1
    assert any(alice.email in r.getMessage() for r in caplog.records)


def test_retries_back_off_over_hours_when_a_worker_runs_the_queue():
    task = portal_mail.send_queued_mail
    delays = [portal_mail.retry_delay(n) for n in range(task.max_retries)]
    assert delays[0] <= 60
    assert delays == sorted(delays)
    # Below the Redis broker's visibility timeout (1 h), so a waiting retry is not redelivered.
    assert max(delays) < 3600
    assert 5 * 3600 <= sum(delays) <= 12 * 3600


def test_each_recipient_gets_a_message_of_their_own(django_capture_on_commit_callbacks, make_user):
    """No recipient learns another's address: not in To, Cc or Bcc."""
    first, second = make_user(email="first@example.org"), make_user(email="second@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        mail_on_commit(
            subject="Test",
            template="tenancy/email/invitation.txt",
            context={"invitation": None, "link": "/"},
            to=[first.email, second.email, "third@example.org"],
        )
    assert sorted(m.to for m in mail.outbox) == [
        ["first@example.org"],
        ["second@example.org"],
        ["third@example.org"],
    ]
    assert all(not m.cc and not m.bcc for m in mail.outbox)


def test_an_invitation_stands_through_an_smtp_outage(
    client, alpha, alice, smtp, django_capture_on_commit_callbacks
):
    """The invitation mail went out straight from the request: a 500 after the invitation
    was saved. Now it is queued like every mail."""
    mail.outbox.clear()
    smtp.down_for = 2
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/o/alpha/members/", {"email": "dora@example.org", "role": "admin"})

    assert response.status_code == 302
    with scopes_disabled():
        assert Invitation.objects.filter(email="dora@example.org").exists()
    [message] = mail.outbox
    assert message.to == ["dora@example.org"]
    assert "Alpha" in message.subject
