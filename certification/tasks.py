"""Thin Celery tasks of certification (daily, idempotent)."""

from celery import shared_task

from .services import deadlines as deadline_services
from .services.certificates import (
    certificate_expiry_reminders_send,
    certificates_expire_due,
    surveillance_reminders_send,
)
from .services.complaints import complaints_remind


@shared_task
def expire_certificates() -> int:
    """Daily: certificates whose validity has ended become expired."""
    return certificates_expire_due()


@shared_task
def send_surveillance_reminders() -> int:
    """Daily: surveillance reminders 60, 30 and 7 days ahead, and once when overdue."""
    return surveillance_reminders_send()


@shared_task
def send_expiry_reminders() -> int:
    """Daily: the end of a certificate's validity, 180, 90 and 30 days ahead, with the way
    to recertify it."""
    return certificate_expiry_reminders_send()


# --- Deadlines ----------------------------------------------------------------------------------


@shared_task
def deadlines_backfill() -> int:
    """Daily, before the reminders: the cases under way without a deadline for their current
    step (those older than deadlines) get one, due by the policy from today."""
    return deadline_services.deadlines_backfill()


@shared_task
def deadlines_remind() -> int:
    """Daily: reminders before and on the due date, escalation to the office once overdue,
    each sent once."""
    # Complaints (complaints): their due dates follow the same daily round.
    return deadline_services.deadlines_remind() + complaints_remind()
