"""Surveillance audits fall due every scheme interval: reminders ahead, a list when overdue.

The daily task sends each reminder once (a unique row per certificate, kind and due date),
so a rerun, or two beat processes by mistake, send nothing twice.
"""

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled

from cpo_portal.activity.services import activity_record
from cpo_portal.mail import (
    StrOrPromise,
    lazy_format,
    mail_on_commit,
    office_emails,
    organization_admin_emails,
)

from ..models import Certificate, CertificateStatus, SurveillanceReminder

REMINDER_DAYS = (60, 30, 7)


def _kind_for(days_left: int) -> str | None:
    if days_left < 0:
        return "overdue"
    for days in sorted(REMINDER_DAYS):
        if days_left <= days:
            return str(days)
    return None


def _send(certificate: Certificate, kind: str, due: date) -> None:
    subject: StrOrPromise
    if kind == "overdue":
        subject = lazy_format(
            gettext_lazy("Surveillance audit overdue: %(number)s"), number=certificate.number
        )
    else:
        subject = lazy_format(
            gettext_lazy("Surveillance audit of %(number)s due in %(days)s days"),
            number=certificate.number,
            days=kind,
        )
    recipients = [*organization_admin_emails(certificate.organization), *office_emails()]
    mail_on_commit(
        subject=subject,
        template="certification/email/surveillance_reminder.txt",
        context={"certificate": certificate, "kind": kind, "due": due},
        to=recipients,
    )


def surveillance_reminders_send(*, today: date | None = None) -> int:
    """Send the reminders that are due today (60, 30, 7 days ahead, and once when overdue)."""
    today = today or timezone.now().date()
    sent = 0
    with scopes_disabled():
        candidates = list(
            Certificate.objects.filter(
                status=CertificateStatus.ACTIVE, next_surveillance_due__isnull=False
            ).select_related("organization")
        )
    for certificate in candidates:
        due = certificate.next_surveillance_due
        assert due is not None
        kind = _kind_for((due - today).days)
        if kind is None:
            continue
        try:
            with transaction.atomic(), scope(organization=certificate.organization):
                SurveillanceReminder.objects.create(certificate=certificate, kind=kind, due=due)
                _send(certificate, kind, due)
                activity_record(
                    actor=None,
                    organization=certificate.organization,
                    verb="certificate.surveillance_reminder",
                    target=certificate,
                    data={"kind": kind, "due": str(due)},
                )
        except IntegrityError:
            continue  # already sent
        sent += 1
    return sent


def overdue_surveillance(*, today: date | None = None) -> list[Certificate]:
    """Valid certificates whose surveillance audit is overdue: the office's suspension list."""
    today = today or timezone.now().date()
    with scopes_disabled():
        return list(
            Certificate.objects.filter(
                status=CertificateStatus.ACTIVE, next_surveillance_due__lt=today
            )
            .select_related("organization")
            .order_by("next_surveillance_due", "number")
        )


__all__: list[Any] = ["overdue_surveillance", "surveillance_reminders_send"]
