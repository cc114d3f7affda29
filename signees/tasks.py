"""Thin Celery tasks of the signees app."""

from celery import shared_task

from .services.statements import statement_reminders_send


@shared_task
def send_statement_reminders() -> int:
    """Daily: CPO Statement deadline reminders (idempotent: each one is sent once)."""
    return statement_reminders_send()
