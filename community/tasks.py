"""Thin Celery tasks of the community (idempotent: a rerun or an overlapping run is harmless)."""

from celery import shared_task

from .services.conference import conferences_notify_due
from .services.elections import elections_notify_due
from .services.membership import memberships_lapse_due


@shared_task
def lapse_memberships() -> dict[str, int]:
    """Daily: end community rights of lapsed memberships; warn 30 days ahead."""
    return memberships_lapse_due()


@shared_task
def send_community_notices() -> dict[str, int]:
    """Hourly: nominations open, voting open, the reminder to vote, conference registration
    open and the conference reminder; each person is told once (keyed notices)."""
    return {**elections_notify_due(), **conferences_notify_due()}
