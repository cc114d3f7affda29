"""Thin Celery tasks of the signees app."""

from celery import shared_task

from cpo_portal.celery import TransactionAwareTask
from criteria.models import CatalogueVersion

from .services.statements import catalogue_published_notify, statement_reminders_send


@shared_task
def send_statement_reminders() -> int:
    """Daily: CPO Statement deadline reminders (idempotent: each one is sent once)."""
    return statement_reminders_send()


@shared_task(base=TransactionAwareTask, acks_late=True)
def notify_catalogue_published(version_id: int) -> int:
    """Once a catalogue version is published: notices to signees, invitations to update the
    statements answering an older version (idempotent: each person is told once)."""
    return catalogue_published_notify(version=CatalogueVersion.objects.get(pk=version_id))
