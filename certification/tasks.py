"""Thin Celery tasks of certification (daily, idempotent)."""

from celery import shared_task

from .services.certificates import (
    certificate_expiry_reminders_send,
    certificates_expire_due,
    surveillance_reminders_send,
)


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
