"""The documents' periodic task; the render task sits beside its service (services.py)."""

from celery import shared_task

from .services import document_sweep_stuck


@shared_task
def sweep_stuck_documents() -> int:
    """Every few minutes (beat): documents a lost message or a killed worker left behind."""
    return document_sweep_stuck()
