"""The Celery application, and the base class of tasks that are queued after commit.

Tasks take primary keys and are queued after the transaction that made their rows commits:
queuing inside an open transaction lets a worker look for rows that are not yet visible, or
never will be after a rollback. A task declared with ``base=TransactionAwareTask`` does that
by itself (its ``delay()`` inside an atomic block waits for the commit); other tasks use
``task.delay_on_commit(pk)``. With no broker configured (the embedded default) tasks run
eagerly, in-process.
"""

import os
from typing import Any

from celery import Celery
from celery.contrib.django.task import DjangoTask
from celery.result import AsyncResult
from celery.utils import uuid
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpo_portal.settings")

app = Celery("cpo_portal", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class TransactionAwareTask(DjangoTask[Any, Any]):
    """A task queued only once the surrounding transaction commits (pretix's pattern).

    ``delay()`` / ``apply_async()`` inside an atomic block is deferred to on_commit (nothing is
    queued after a rollback) and robust: a broker that is down at that moment is logged, never
    raised into the request whose change is already committed, nor does it keep the caller's
    other on-commit work (e-mails) from running. The caller keeps what is left to do in the
    database (a pending Document, which the sweeper queues again). Outside a transaction
    (a worker retrying, a command) the task is queued at once, as any task.

    The result's id is chosen here, so a deferred call still answers with its AsyncResult.
    """

    def apply_async(
        self,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
        task_id: str | None = None,
        *more: Any,
        **options: Any,
    ) -> AsyncResult[Any]:
        task_id = task_id or uuid()
        send = super().apply_async

        def queue() -> AsyncResult[Any]:  # a function: on_commit logs a failure by its name
            return send(args, kwargs, task_id, *more, **options)

        if not transaction.get_connection().in_atomic_block:
            return queue()
        transaction.on_commit(queue, robust=True)
        return self.AsyncResult(task_id)
