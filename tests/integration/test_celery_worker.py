"""Documents rendered by a real `celery worker` process over Redis, against PostgreSQL."""

import hashlib
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from cpo_portal.celery import app as celery_app
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.documents.services import document_request, document_sweep_stuck, render_document

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),  # the worker only sees committed rows
]


def request_activity_pdf(org, user):
    return document_request(
        kind="organization_activity",
        owner=org,
        organization=org,
        title="Activity log",
        by=user,
    )


def assert_file_matches(document):
    with document.file.open("rb") as fh:
        pdf = fh.read()
    assert pdf.startswith(b"%PDF-")
    assert document.size == len(pdf)
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()


def rendered_entries(document):
    with scopes_disabled():
        return ActivityEntry.objects.filter(
            verb="document.rendered", target_id=str(document.pk)
        ).count()


def stuck_document(org, *, status, minutes_ago):
    """A row as a killed worker leaves it: claimed, never finished, never re-queued."""
    document = Document(
        kind="organization_activity",
        owner=org,
        organization=org,
        title="Activity log",
        status=status,
        attempts=1,
        status_changed_at=timezone.now() - timedelta(minutes=minutes_ago),
    )
    document.save()
    return document


def test_document_is_queued_on_commit_and_rendered_by_the_worker(worker, alice, org):
    taken_before = worker.tasks_received()

    with transaction.atomic():
        document = request_activity_pdf(org, alice)
        assert connection.run_on_commit, "the render task must wait for the commit"
        time.sleep(1.0)  # time enough for a message sent too early to reach the worker
        assert worker.queued_messages() == 0, "a message was sent before the commit"
        assert worker.tasks_received() == taken_before, "the worker ran before the commit"
        with scopes_disabled():
            assert Document.objects.get(pk=document.pk).status == DocumentStatus.PENDING

    document = worker.wait_for_document(document.pk)

    assert worker.tasks_received() == taken_before + 1
    assert document.attempts == 1
    assert document.rendered_at is not None
    assert document.file.name.startswith(f"documents/org-{org.pk}/organization_activity/")
    assert (worker.media_root / document.file.name).is_file()
    assert_file_matches(document)
    assert rendered_entries(document) == 1


def test_second_message_for_a_ready_document_does_nothing(worker, alice, org):
    document = worker.wait_for_document(request_activity_pdf(org, alice).pk)
    taken = worker.tasks_received()
    files_before = sorted(p.name for p in worker.media_root.rglob("*.pdf"))

    render_document.delay(document.pk)
    worker.wait_for_tasks(taken + 1)

    with scopes_disabled():
        again = Document.objects.get(pk=document.pk)
    assert again.status == DocumentStatus.READY
    assert again.file.name == document.file.name
    assert again.sha256 == document.sha256
    assert again.attempts == document.attempts
    assert again.rendered_at == document.rendered_at
    assert sorted(p.name for p in worker.media_root.rglob("*.pdf")) == files_before
    assert rendered_entries(document) == 1


def test_sweeper_requeues_a_stuck_document_and_the_worker_finishes_it(worker, org):
    document = stuck_document(org, status=DocumentStatus.RENDERING, minutes_ago=60)
    recent = stuck_document(org, status=DocumentStatus.RENDERING, minutes_ago=1)

    assert document_sweep_stuck() == 1

    document = worker.wait_for_document(document.pk)
    assert document.attempts == 2
    assert_file_matches(document)
    with scopes_disabled():
        # Still within DOCUMENT_STUCK_AFTER_SECONDS: a worker may be rendering it right now.
        assert Document.objects.get(pk=recent.pk).status == DocumentStatus.RENDERING


def test_beat_schedule_sweep_runs_in_the_worker(worker, org):
    document = stuck_document(org, status=DocumentStatus.PENDING, minutes_ago=60)
    sweep = settings.CELERY_BEAT_SCHEDULE["documents-sweep-stuck"]["task"]

    # What beat does: send the scheduled task by name, for any worker to pick up.
    celery_app.send_task(sweep)

    document = worker.wait_for_document(document.pk)
    assert document.attempts == 2
    assert_file_matches(document)


def test_healthz_checks_the_real_broker(worker, client, settings):
    checks = client.get("/healthz").json()["checks"]
    assert checks["broker"]["ok"] is True
    assert "ms" in checks["broker"]


def test_healthz_is_503_when_the_broker_is_down(worker, client, settings):
    from cpo_portal.celery import app

    # A closed port on loopback: the broker check fails fast and says so.
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = settings.CELERY_BROKER_URL
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False
