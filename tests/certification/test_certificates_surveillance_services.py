"""Surveillance audits: reminders 60, 30 and 7 days ahead and once when overdue, each sent
once (time travel through the daily task), the overdue list, and the audit's decision."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django_scopes import scopes_disabled

from certification import tasks
from certification.models import Application, AuditType, SurveillanceReminder
from certification.selectors.certificates import overdue_surveillance
from certification.services.certificates import (
    add_months,
    surveillance_open,
    surveillance_reminders_send,
)
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError
from tests.certification.helpers import (
    audit_to_report,
    decide,
    refreshed,
    set_fields,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """send(today): run the daily reminders as of `today`, mails delivered; the count."""

    def run(today):
        with django_capture_on_commit_callbacks(execute=True):
            return surveillance_reminders_send(today=today)

    return run


def reminders(certificate):
    with scopes_disabled():
        return list(
            SurveillanceReminder.objects.filter(certificate=certificate)
            .order_by("sent_at", "pk")
            .values_list("kind", "due")
        )


def test_the_first_surveillance_falls_due_after_the_scheme_interval(certificate):
    months = certificate.scheme.surveillance_months
    assert months == 12
    assert certificate.next_surveillance_due == add_months(certificate.issued_on, months)


def test_reminders_exactly_60_30_and_7_days_ahead_and_once_overdue(certificate, send):
    due = certificate.next_surveillance_due
    mail.outbox.clear()
    sent_on = {}
    for days_left in range(90, -15, -1):
        day = due - timedelta(days=days_left)
        sent = send(day)
        assert send(day) == 0  # a rerun the same day sends nothing
        if sent:
            sent_on[days_left] = sent

    assert sent_on == {60: 1, 30: 1, 7: 1, -1: 1}
    assert reminders(certificate) == [("60", due), ("30", due), ("7", due), ("overdue", due)]
    n = certificate.number
    assert list(dict.fromkeys(m.subject for m in mail.outbox)) == [
        f"Surveillance audit of {n} due in 60 days",
        f"Surveillance audit of {n} due in 30 days",
        f"Surveillance audit of {n} due in 7 days",
        f"Surveillance audit overdue: {n}",
    ]
    assert str(due) in mail.outbox[0].body or due.strftime("%Y") in mail.outbox[0].body
    assert f"/verify/{n}/" in mail.outbox[0].body
    with scopes_disabled():
        assert (
            ActivityEntry.objects.filter(
                verb="certificate.surveillance_reminder", target_id=str(certificate.pk)
            ).count()
            == 4
        )


def test_reminders_go_to_the_company_admins_and_the_office(
    certificate, send, alice, bob, office_user, office2
):
    mail.outbox.clear()
    send(certificate.next_surveillance_due - timedelta(days=60))
    assert sorted(m.to for m in mail.outbox) == sorted(
        [[alice.email], [office_user.email], [office2.email]]
    )  # each told apart; bob is a plain member
    assert len({m.subject for m in mail.outbox}) == 1


def test_a_missed_day_sends_the_nearest_reminder_once(certificate, send):
    due = certificate.next_surveillance_due
    # The task did not run for weeks: 20 days ahead only the 30-day reminder is due.
    assert send(due - timedelta(days=20)) == 1
    assert send(due - timedelta(days=19)) == 0
    assert send(due - timedelta(days=7)) == 1
    assert [kind for kind, _due in reminders(certificate)] == ["30", "7"]


@pytest.mark.parametrize("status", ["suspended", "withdrawn", "expired", "superseded"])
def test_no_reminders_for_certificates_that_are_not_valid(certificate, send, status):
    set_fields(certificate, status=status)
    due = certificate.next_surveillance_due
    for days_left in (60, 30, 7, -1):
        assert send(due - timedelta(days=days_left)) == 0
    assert reminders(certificate) == []


def test_the_beat_task_sends_by_the_clock(certificate, time_machine, settings):
    assert "certification-surveillance-reminders" in settings.CELERY_BEAT_SCHEDULE
    due = certificate.next_surveillance_due
    moment = datetime.combine(due - timedelta(days=30), datetime.min.time(), tzinfo=UTC)
    time_machine.move_to(moment + timedelta(hours=8), tick=False)
    assert tasks.send_surveillance_reminders.delay().get() == 1
    assert tasks.send_surveillance_reminders.delay().get() == 0
    assert reminders(certificate) == [("30", due)]


# --- The overdue list -----------------------------------------------------------------------


def test_overdue_list(certificate, catalogue, alpha):
    due = certificate.next_surveillance_due
    assert overdue_surveillance(today=due) == []
    assert overdue_surveillance(today=due + timedelta(days=1)) == [certificate]
    set_fields(certificate, status="suspended")  # already taken off the market
    assert overdue_surveillance(today=due + timedelta(days=1)) == []


def test_overdue_list_is_ordered_by_due_date(certificate, catalogue, alpha):
    from tests.certification.helpers import make_certificates

    due = certificate.next_surveillance_due
    later, earlier = make_certificates(alpha, catalogue, 2, start=50)
    set_fields(later, next_surveillance_due=due - timedelta(days=1))
    set_fields(earlier, next_surveillance_due=due - timedelta(days=30))
    overdue = overdue_surveillance(today=due + timedelta(days=1))
    assert [c.pk for c in overdue] == [earlier.pk, later.pk, certificate.pk]


# --- The surveillance audit -------------------------------------------------------------------


def surveillance_audit(certificate, *, grant, alice, lead, auditor_user, office_user, office2):
    due = certificate.next_surveillance_due
    application = surveillance_open(
        certificate=certificate,
        by=office_user,
        window_start=due - timedelta(days=30),
        window_end=due - timedelta(days=20),
    )
    assert application.audit_type == AuditType.SURVEILLANCE
    application = audit_to_report(
        application,
        company_user=alice,
        auditor=lead,
        auditor_user=auditor_user,
        office=office_user,
        grant=grant,
    )
    decide(application, office2, "grant" if grant else "deny")
    return refreshed(certificate)


def test_a_passed_surveillance_audit_moves_the_due_date_by_the_interval(
    certificate, send, alice, lead, auditor_user, office_user, office2
):
    due = certificate.next_surveillance_due
    send(due - timedelta(days=60))
    certificate = surveillance_audit(
        certificate,
        grant=True,
        alice=alice,
        lead=lead,
        auditor_user=auditor_user,
        office_user=office_user,
        office2=office2,
    )
    assert certificate.status == "active"
    assert certificate.next_surveillance_due == add_months(due, 12)
    with scopes_disabled():
        assert certificate.events.last().action == "surveillance_passed"
        assert not Application.objects.filter(issued_certificate__isnull=False).exclude(
            audit_type=AuditType.INITIAL
        )
    # Off the overdue list, and the next cycle's reminders come again.
    assert overdue_surveillance(today=due + timedelta(days=1)) == []
    new_due = certificate.next_surveillance_due
    assert send(new_due - timedelta(days=60)) == 1
    assert reminders(certificate) == [("60", due), ("60", new_due)]


def test_a_failed_surveillance_audit_suspends(
    certificate, alice, lead, auditor_user, office_user, office2
):
    due = certificate.next_surveillance_due
    certificate = surveillance_audit(
        certificate,
        grant=False,
        alice=alice,
        lead=lead,
        auditor_user=auditor_user,
        office_user=office_user,
        office2=office2,
    )
    assert certificate.status == "suspended"
    assert certificate.status_reason == "The surveillance audit was not passed."
    assert certificate.next_surveillance_due == due
    with scopes_disabled():
        last = certificate.events.last()
    assert (last.action, last.status_before, last.by) == ("suspend", "active", office2)


def test_only_one_open_surveillance_audit(certificate, office_user):
    due = certificate.next_surveillance_due
    window = {"window_start": due - timedelta(days=30), "window_end": due - timedelta(days=20)}
    surveillance_open(certificate=certificate, by=office_user, **window)
    with pytest.raises(DomainError):
        surveillance_open(certificate=certificate, by=office_user, **window)
    with scopes_disabled():
        assert Application.objects.filter(audit_type=AuditType.SURVEILLANCE).count() == 1
