"""The document pipeline: request, render (idempotent, atomic replace), fail, sweep.

pending → rendering → ready | failed. A re-render goes back to pending; the file it
replaces stays in place until the new one is committed. The render task sits here, beside
its service; the periodic sweep is in tasks.py.
"""

import hashlib
import logging
import uuid
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.activity.services import activity_record
from cpo_portal.celery import TransactionAwareTask
from cpo_portal.errors import DomainError
from cpo_portal.tenancy.models import Organization

from .models import Document, DocumentStatus
from .registry import get_kind
from .rendering import html_to_pdf, render_html

log = logging.getLogger(__name__)

# Errors worth another try: storage hiccups, a database that went away, timeouts.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OSError, DatabaseError, TimeoutError)


class TransientRenderError(Exception):
    """Rendering failed for a reason that may pass; the task retries with backoff."""


def _queue(document: Document) -> None:
    # After commit, and robust: with the broker down the committed request stands (the
    # sweeper queues the pending document later), and the caller's other on-commit work
    # (e-mails) still runs.
    render_document.delay(document.pk)


@transaction.atomic
def document_request(
    *,
    kind: str,
    owner: models.Model,
    title: str,
    organization: Organization | None,
    language: str = "en",
    by: User | None = None,
) -> Document:
    """Create a pending document and queue its rendering after commit."""
    get_kind(kind)  # an unknown kind fails here, in the request, not later in a worker
    now = timezone.now()
    document = Document(
        kind=kind,
        owner=owner,
        organization=organization,
        title=title[:200],
        language=language,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        status=DocumentStatus.PENDING,
        status_changed_at=now,
    )
    document.save()
    activity_record(
        actor=by,
        organization=organization,
        verb="document.requested",
        target=document,
        data={"kind": kind},
    )
    _queue(document)
    return document


@transaction.atomic
def document_rerender(*, document: Document, by: User | None = None) -> Document:
    """Render again (e.g. after a template fix); the current file is served until then."""
    with scopes_disabled():
        document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status in (DocumentStatus.PENDING, DocumentStatus.RENDERING):
        raise DomainError(_("This document is already being rendered."))
    document.status = DocumentStatus.PENDING
    document.attempts = 0
    document.status_changed_at = timezone.now()
    document.save(update_fields=["status", "attempts", "status_changed_at"])
    activity_record(
        actor=by,
        organization=document.organization,
        verb="document.rerender_requested",
        target=document,
    )
    _queue(document)
    return document


def _claim(document_id: int) -> Document | None:
    """Mark the document as rendering; None when there is nothing (left) to do."""
    with transaction.atomic(), scopes_disabled():
        document = (
            # of=self: PostgreSQL cannot lock the nullable side of the outer join.
            Document.objects.select_for_update(of=("self",))
            .select_related("organization")
            .filter(pk=document_id)
            .first()
        )
        # Only pending documents are claimed: a second message for a document another
        # worker is rendering, or has finished, does nothing.
        if document is None or document.status != DocumentStatus.PENDING:
            return None
        document.status = DocumentStatus.RENDERING
        document.attempts += 1
        document.status_changed_at = timezone.now()
        document.save(update_fields=["status", "attempts", "status_changed_at"])
        return document


def _store(document: Document, pdf: bytes) -> None:
    digest = hashlib.sha256(pdf).hexdigest()
    stem = f"{document.kind}-{document.pk}-{uuid.uuid4().hex[:8]}.pdf"
    new_name = default_storage.save(document_upload_name(document, stem), ContentFile(pdf))
    try:
        with transaction.atomic(), scopes_disabled():
            locked = Document.objects.select_for_update().get(pk=document.pk)
            old_name = locked.file.name
            locked.file.name = new_name
            locked.sha256 = digest
            locked.size = len(pdf)
            locked.status = DocumentStatus.READY
            locked.last_error = ""
            locked.rendered_at = locked.status_changed_at = timezone.now()
            locked.save(
                update_fields=[
                    "file",
                    "sha256",
                    "size",
                    "status",
                    "last_error",
                    "rendered_at",
                    "status_changed_at",
                ]
            )
            if old_name and old_name != new_name:
                transaction.on_commit(lambda: default_storage.delete(old_name))
            activity_record(
                actor=None,
                organization=locked.organization,
                verb="document.rendered",
                target=locked,
                data={"sha256": digest, "attempt": locked.attempts},
            )
    except BaseException:
        default_storage.delete(new_name)  # never leave an orphan behind a failed commit
        raise


def document_upload_name(document: Document, filename: str) -> str:
    return Document._meta.get_field("file").generate_filename(document, filename)


def _fail(document_id: int, error: str, *, final: bool) -> None:
    with transaction.atomic(), scopes_disabled():
        document = Document.objects.select_for_update().get(pk=document_id)
        document.last_error = error[:2000]
        document.status = DocumentStatus.FAILED if final else DocumentStatus.PENDING
        document.status_changed_at = timezone.now()
        document.save(update_fields=["last_error", "status", "status_changed_at"])
        if final:
            activity_record(
                actor=None,
                organization=document.organization,
                verb="document.failed",
                target=document,
                data={"error": error[:500], "attempts": document.attempts},
            )


def document_render(*, document_id: int) -> Document | None:
    """Render one document. Idempotent: a ready or failed document is left alone.

    Raises TransientRenderError when another try may succeed; the document is then back
    in pending. Any other error, or the last allowed attempt, leaves it failed.
    """
    document = _claim(document_id)
    if document is None:
        return None
    kind = get_kind(document.kind)
    try:
        # The context speaks the document's language too: labels and figures built there
        # (choice labels, chart titles) were otherwise in the worker's language.
        with scope(organization=document.organization), translation.override(document.language):
            context = kind.build_context(document)
        html = render_html(
            kind.template, {"document": document, **context}, language=document.language
        )
        pdf = html_to_pdf(html)
        if kind.finish is not None:
            pdf = kind.finish(document, pdf)
        _store(document, pdf)
    except TRANSIENT_ERRORS as exc:
        final = document.attempts >= settings.DOCUMENT_MAX_ATTEMPTS
        log.warning("document %s attempt %s failed: %r", document_id, document.attempts, exc)
        _fail(document_id, repr(exc), final=final)
        if not final:
            raise TransientRenderError(repr(exc)) from exc
        return None
    except Exception as exc:
        log.exception("document %s failed permanently", document_id)
        _fail(document_id, repr(exc), final=True)
        return None
    with scopes_disabled():
        return Document.objects.get(pk=document_id)


# The name it had in tasks.py: messages already queued under it still find the task.
@shared_task(
    bind=True,
    base=TransactionAwareTask,
    name="cpo_portal.documents.tasks.render_document",
    max_retries=4,
    acks_late=True,
)
def render_document(self: Any, document_id: int) -> str:
    """Render one document in a worker; transient failures are retried with backoff."""
    try:
        document = document_render(document_id=document_id)
    except TransientRenderError as exc:
        # Exponential backoff: 10 s, 20 s, 40 s, 80 s.
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc
    return document.status if document else "skipped"


def document_sweep_stuck() -> int:
    """Re-queue documents a lost message or a killed worker left pending or rendering."""
    cutoff = timezone.now() - timedelta(seconds=settings.DOCUMENT_STUCK_AFTER_SECONDS)
    requeued = 0
    with scopes_disabled():
        stuck = list(
            Document.objects.filter(
                status__in=[DocumentStatus.PENDING, DocumentStatus.RENDERING],
                status_changed_at__lt=cutoff,
            ).values_list("pk", flat=True)[:500]
        )
    for pk in stuck:
        with transaction.atomic(), scopes_disabled():
            document = (
                Document.objects.select_for_update()
                .filter(
                    pk=pk,
                    status__in=[DocumentStatus.PENDING, DocumentStatus.RENDERING],
                    status_changed_at__lt=cutoff,
                )
                .first()
            )
            if document is None:
                continue
            if document.attempts >= settings.DOCUMENT_MAX_ATTEMPTS:
                document.status = DocumentStatus.FAILED
                document.last_error = document.last_error or "gave up after repeated stalls"
            else:
                document.status = DocumentStatus.PENDING
            document.status_changed_at = timezone.now()
            document.save(update_fields=["status", "last_error", "status_changed_at"])
            if document.status == DocumentStatus.PENDING:
                _queue(document)
                requeued += 1
    return requeued
