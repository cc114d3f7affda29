"""Thin Celery tasks of the notifications app."""

from celery import shared_task

from .services import notices_send_digest


@shared_task
def send_digests() -> int:
    """Weekly (Monday morning): each person's waiting notices in one mail (idempotent)."""
    return notices_send_digest()
