"""Thin Celery tasks over the document services."""

from celery import shared_task

from .services import TransientRenderError, document_render, document_sweep_stuck


@shared_task(bind=True, max_retries=4, acks_late=True)
def render_document(self, document_id: int) -> str:
    try:
        document = document_render(document_id=document_id)
    except TransientRenderError as exc:
        # Exponential backoff: 10 s, 20 s, 40 s, 80 s.
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc
    return document.status if document else "skipped"


@shared_task
def sweep_stuck_documents() -> int:
    return document_sweep_stuck()
