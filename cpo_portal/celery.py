"""The Celery application.

Tasks take primary keys and are queued with ``task.delay_on_commit(pk)``: queuing inside
an open transaction lets a worker look for rows that are not yet visible, or never will
be after a rollback. With no broker configured (the embedded default) tasks run eagerly,
in-process.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpo_portal.settings")

app = Celery("cpo_portal", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
