"""The certificate PDF against a real `celery worker`, Redis and PostgreSQL: one transaction
with the grant, a broker outage, a worker killed mid-render, two workers on one job."""

import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import ApplicationStatus, Certificate, CertificateSequence
from certification.services import certificates as certificate_services
from certification.services.applications import application_decide
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.celery import app as celery_app
from cpo_portal.documents import services as document_services
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.documents.services import render_document
from tests.certification import conftest as certification

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),  # the worker only sees committed rows
]

alpha_signee = certification.alpha_signee
lead = certification.lead
office2 = certification.office2
draft = certification.draft
submitted = certification.submitted
accepted = certification.accepted
assigned = certification.assigned
in_audit = certification.in_audit
reported = certification.reported


@pytest.fixture
def through_services():
    """The real stack: every certification stage through the services, tasks and mails."""
    return True


SWEEP_TASK = settings.CELERY_BEAT_SCHEDULE["documents-sweep-stuck"]["task"]
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


# --- Helpers ------------------------------------------------------------------------------


def grant(application, office):
    return application_decide(
        application=application, decision="grant", rationale="All criteria met.", by=office
    )


def certificate_documents(certificate=None):
    with scopes_disabled():
        documents = Document.objects.filter(kind="certificate")
        if certificate is not None:
            documents = documents.filter(owner_id=str(certificate.pk))
        return list(documents)


def the_certificate(application):
    with scopes_disabled():
        return Certificate.objects.get(application=application)


def the_document(certificate):
    documents = certificate_documents(certificate)
    assert len(documents) == 1, documents
    return documents[0]


def rendered_entries(document):
    with scopes_disabled():
        return ActivityEntry.objects.filter(
            verb="document.rendered", target_id=str(document.pk)
        ).count()


def stored_files(media_root: Path, document) -> list[Path]:
    return sorted(media_root.rglob(f"certificate-{document.pk}-*.pdf"))


def assert_signed_file_matches(document, media_root: Path):
    path = media_root / document.file.name
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert b"/ByteRange" in pdf, "the worker stored the PDF without its signature"
    assert document.size == len(pdf)
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    assert stored_files(media_root, document) == [path]


def settled(worker) -> int:
    """Wait until the worker has run everything the fixtures queued (a signee's statement
    PDF, say); return its task counter."""
    deadline = time.monotonic() + 30
    taken = -1
    while True:
        assert time.monotonic() < deadline, worker.log_tail()
        if worker.queued_messages() == 0:
            now = worker.tasks_received()  # answered between tasks only (solo pool)
            if now == taken:
                return now
            taken = now
        time.sleep(0.5)


def backdate(document, minutes=60):
    """As if DOCUMENT_STUCK_AFTER_SECONDS had passed since the document last moved."""
    with scopes_disabled():
        Document.objects.filter(pk=document.pk).update(
            status_changed_at=timezone.now() - timedelta(minutes=minutes)
        )


def wait_for_status(pk, status, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        with scopes_disabled():
            document = Document.objects.get(pk=pk)
        if document.status == status:
            return document
        assert time.monotonic() < deadline, f"document {pk} still {document.status}"
        time.sleep(0.1)


@contextmanager
def broker_down():
    """This process's broker connections point at a closed port, as when Redis is gone."""
    saved = (celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool)
    celery_app.conf.broker_url = CLOSED_PORT_BROKER
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool = saved


@contextmanager
def no_render_message(monkeypatch):
    """The document's message is lost (the grant commits, nothing reaches the broker)."""
    with monkeypatch.context() as patch:
        patch.setattr(document_services, "_queue", lambda document: None)
        yield


# --- Extra workers (killed or raced in a test) ---------------------------------------------


@pytest.fixture
def extra_worker(worker):
    """Start more `celery worker` processes on a queue of their own, slowed mid-render;
    each is stopped (by its PID) at teardown."""
    from tests.integration.conftest import BASE_DIR, WorkerProcess, _ping, _worker_database_url

    started: list[WorkerProcess] = []

    def start(*, delay: float, queue: str) -> WorkerProcess:
        log_path = worker.media_root.parent / f"extra-{uuid.uuid4().hex[:8]}.log"
        nodename = f"extra-{uuid.uuid4().hex[:8]}@{os.uname().nodename}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cpo_portal.settings",
            "CPO_TESTING": "true",
            "DATABASE_URL": _worker_database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "MEDIA_ROOT": str(worker.media_root),
            "CPO_TEST_RENDER_DELAY": str(delay),
            "PYTHONUNBUFFERED": "1",
        }
        command = [
            *(sys.executable, "-m", "celery", "-A", "cpo_portal", "worker"),
            *("--pool=solo", "--concurrency=1", "-Q", queue),
            *("--without-heartbeat", "--without-gossip", "--without-mingle"),
            *("-l", "info", "-n", nodename),
            *("--include", "tests.integration.worker_hooks,tests.integration.slow_render_hooks"),
        ]
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        extra = WorkerProcess(
            process=process, nodename=nodename, media_root=worker.media_root, log=log_path
        )
        started.append(extra)
        deadline = time.monotonic() + 60
        while not _ping(nodename):
            extra.check_alive()
            assert time.monotonic() < deadline, extra.log_tail()
        return extra

    yield start
    for extra in started:
        if extra.process.poll() is None:
            extra.process.terminate()
            try:
                extra.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                extra.process.kill()
                extra.process.wait(timeout=10)
    # Whatever a killed worker left unacknowledged goes nowhere: nobody consumes its queue.


# --- (1) The certificate and its pending PDF commit together --------------------------------


def test_failure_after_issuance_leaves_neither_certificate_nor_document(
    worker, reported, office2, monkeypatch
):
    taken_before = settled(worker)
    real_request = certificate_services.document_request
    requested = []

    def request_then_fail(**kwargs):
        requested.append(real_request(**kwargs))  # the Document row exists, then ...
        raise RuntimeError("storage exploded")

    monkeypatch.setattr(certificate_services, "document_request", request_then_fail)
    with pytest.raises(RuntimeError, match="storage exploded"):
        grant(reported, office2)
    monkeypatch.undo()

    assert len(requested) == 1, "the failure must come after the document was requested"
    with scopes_disabled():
        assert not Certificate.objects.exists()
        assert not Document.objects.filter(pk=requested[0].pk).exists()
        assert CertificateSequence.objects.filter(last__gt=0).count() == 0
    assert certificate_documents() == []
    reported.refresh_from_db()
    assert reported.status == ApplicationStatus.REPORT_SUBMITTED
    # The render message was never sent: it waits for a commit that did not happen.
    time.sleep(1.0)
    assert worker.queued_messages() == 0
    assert worker.tasks_received() == taken_before

    # The retried grant gets the number the failed one did not consume, and its PDF.
    grant(reported, office2)
    certificate = the_certificate(reported)
    assert certificate.number == f"CPO-O-{certificate.issued_on.year}-0001"
    document = worker.wait_for_document(the_document(certificate).pk)
    assert_signed_file_matches(document, worker.media_root)
    assert rendered_entries(document) == 1


# --- (2) Broker down: the grant stands, the sweeper renders after recovery ------------------


def test_broker_down_the_grant_succeeds_and_the_sweeper_renders_after_recovery(
    worker, reported, office2
):
    taken_before = settled(worker)
    with broker_down():
        started = time.monotonic()
        grant(reported, office2)  # no exception: the decision and the certificate commit
        assert time.monotonic() - started < 30

    reported.refresh_from_db()
    assert reported.status == ApplicationStatus.DECIDED
    certificate = the_certificate(reported)
    assert certificate.status == "active"
    document = the_document(certificate)
    assert document.status == DocumentStatus.PENDING
    time.sleep(1.0)
    assert worker.tasks_received() == taken_before, "a message reached the worker anyway"

    # Recovery: the broker is back; the beat's sweep finds the document once it is stale.
    backdate(document)
    celery_app.send_task(SWEEP_TASK)

    document = worker.wait_for_document(document.pk)
    assert document.attempts == 1
    assert_signed_file_matches(document, worker.media_root)
    assert rendered_entries(document) == 1


# --- (3) A worker killed mid-render ---------------------------------------------------------


def test_worker_killed_mid_render_leaves_a_job_the_sweeper_renders_again(
    worker, extra_worker, reported, office2, monkeypatch
):
    queue = f"doomed-{uuid.uuid4().hex[:8]}"
    doomed = extra_worker(delay=120, queue=queue)
    with no_render_message(monkeypatch):
        grant(reported, office2)
    document = the_document(the_certificate(reported))
    render_document.apply_async(args=[document.pk], queue=queue)

    rendering = wait_for_status(document.pk, DocumentStatus.RENDERING)
    assert rendering.attempts == 1
    os.killpg(doomed.process.pid, signal.SIGKILL)  # mid-render, no warm shutdown
    doomed.process.wait(timeout=10)

    time.sleep(0.5)
    with scopes_disabled():
        left = Document.objects.get(pk=document.pk)
    assert left.status == DocumentStatus.RENDERING
    assert not left.file
    assert stored_files(worker.media_root, document) == []

    # Not yet stale: the sweeper leaves it (a worker may still be busy with it).
    celery_app.send_task(SWEEP_TASK)
    sweeps = worker.tasks_received(SWEEP_TASK)
    worker.wait_for_tasks(sweeps, name=SWEEP_TASK)
    time.sleep(0.5)
    with scopes_disabled():
        assert Document.objects.get(pk=document.pk).status == DocumentStatus.RENDERING

    backdate(document)
    celery_app.send_task(SWEEP_TASK)

    document = worker.wait_for_document(document.pk)
    assert document.attempts == 2
    assert_signed_file_matches(document, worker.media_root)
    assert rendered_entries(document) == 1


# --- (4) Two workers on the same job --------------------------------------------------------


def test_two_workers_on_the_same_document_store_one_file(
    worker, extra_worker, reported, office2, monkeypatch
):
    queue = f"second-{uuid.uuid4().hex[:8]}"
    second = extra_worker(delay=3, queue=queue)
    with no_render_message(monkeypatch):
        grant(reported, office2)
    document = the_document(the_certificate(reported))
    taken_first = worker.tasks_received()
    taken_second = second.tasks_received()

    # Two messages for one document at the same moment, one to each worker.
    render_document.apply_async(args=[document.pk], queue=queue)
    render_document.delay(document.pk)

    worker.wait_for_tasks(taken_first + 1)
    second.wait_for_tasks(taken_second + 1)
    document = worker.wait_for_document(document.pk)

    assert document.attempts == 1, "both workers claimed the document"
    assert_signed_file_matches(document, worker.media_root)
    assert rendered_entries(document) == 1
    assert worker.task_errors() == worker.errors_before_test
    assert second.task_errors() == 0


def test_two_workers_one_waiting_for_the_other_store_one_file(
    worker, extra_worker, reported, office2, monkeypatch
):
    queue = f"slow-{uuid.uuid4().hex[:8]}"
    slow = extra_worker(delay=4, queue=queue)
    with no_render_message(monkeypatch):
        grant(reported, office2)
    document = the_document(the_certificate(reported))

    # The slow worker claims the document and is busy rendering it ...
    render_document.apply_async(args=[document.pk], queue=queue)
    wait_for_status(document.pk, DocumentStatus.RENDERING)
    # ... when the session worker gets a second message for the same document.
    taken = worker.tasks_received()
    render_document.delay(document.pk)
    worker.wait_for_tasks(taken + 1)
    with scopes_disabled():
        assert Document.objects.get(pk=document.pk).status == DocumentStatus.RENDERING

    document = slow.wait_for_document(document.pk)
    assert document.attempts == 1
    assert_signed_file_matches(document, worker.media_root)
    assert rendered_entries(document) == 1
    assert slow.task_errors() == 0
