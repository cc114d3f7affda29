"""Thin Celery tasks of the community (daily, idempotent)."""

from celery import shared_task

from .services.membership import memberships_lapse_due


@shared_task
def lapse_memberships() -> dict[str, int]:
    """Daily: end community rights of lapsed memberships; warn 30 days ahead."""
    return memberships_lapse_due()
