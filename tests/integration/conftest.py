"""Fixtures for the integration tests: real PostgreSQL, Redis, a Celery worker and Chromium.

Each real service is optional on a laptop and present in CI. A test that needs a missing
service skips and says which one; the suite-wide conftest turns skips into failures in CI.
"""

import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django_scopes import scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.celery import app as celery_app
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.tenancy.services import organization_create

# Playwright's sync API keeps an event loop running in the main thread, and Django refuses
# ORM calls from a thread with a running loop. The test code itself is synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

BASE_DIR = Path(settings.BASE_DIR)
CHROMIUM = "/usr/bin/chromium"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "psql", "postgis"}
WORKER_START_TIMEOUT = 60.0
RENDER_TIMEOUT = 60.0
RENDER_TASK = "cpo_portal.documents.tasks.render_document"


def database_url_is_postgres() -> bool:
    scheme = urlsplit(os.environ.get("DATABASE_URL", "")).scheme
    return scheme.split("+", 1)[0] in POSTGRES_SCHEMES


def pytest_collection_modifyitems(config, items):
    if database_url_is_postgres():
        return
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason="DATABASE_URL is not PostgreSQL")
    for item in items:
        if item.get_closest_marker("postgres") and item.path.is_relative_to(here):
            item.add_marker(skip)


# --- People and organizations ---------------------------------------------------------


@pytest.fixture
def alice(db):
    return User.objects.create_user(
        email="alice@example.org", password="correct horse 42", full_name="Alice Owner"
    )


@pytest.fixture
def bob(db):
    return User.objects.create_user(
        email="bob@example.org", password="battery staple 42", full_name="Bob Member"
    )


@pytest.fixture
def org(alice):
    return organization_create(by=alice, legal_name="Openness Works GmbH", country="DE")


# --- A real Celery worker ---------------------------------------------------------------


def _worker_database_url() -> str:
    """DATABASE_URL, pointed at the database pytest-django created (test_<name>)."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return url._replace(path="/" + quote(connection.settings_dict["NAME"], safe="")).geturl()


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no worker log)"


@dataclass
class WorkerProcess:
    """A `celery worker` subprocess bound to the test database and the test broker."""

    process: subprocess.Popen
    nodename: str
    media_root: Path
    log: Path
    errors_before_test: int = 0

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self) -> str:
        return _tail(self.log)

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(
                f"the Celery worker exited with {self.process.returncode}:\n{self.log_tail()}"
            )

    def queued_messages(self, queue: str = "celery") -> int:
        """Messages waiting in the broker queue, not yet taken by any worker."""
        with celery_app.connection_for_write() as conn:
            return conn.default_channel.queue_declare(queue=queue).message_count

    def tasks_received(self, name: str = RENDER_TASK) -> int:
        """How many `name` tasks the (idle) worker has taken so far (its own counter)."""
        deadline = time.monotonic() + 20.0
        while (count := self._tasks_received_or_busy(name)) is None:
            if time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not answer `inspect stats`:\n{self.log_tail()}")
        return count

    def _tasks_received_or_busy(self, name: str) -> int | None:
        self.check_alive()
        replies = celery_app.control.inspect(destination=[self.nodename], timeout=2.0).stats()
        if not replies or self.nodename not in replies:
            return None  # the solo pool is inside a task and answers afterwards
        return int(replies[self.nodename]["total"].get(name, 0))

    def wait_for_tasks(self, count: int, name: str = RENDER_TASK, timeout: float = 60.0) -> None:
        # The solo pool answers remote control only between tasks, so once the counter
        # shows the task it has also finished running; no answer means it is still busy.
        deadline = time.monotonic() + timeout
        while (self._tasks_received_or_busy(name) or 0) < count:
            if time.monotonic() > deadline:
                pytest.fail(f"the worker did not run {name} {count} times:\n{self.log_tail()}")
            time.sleep(0.2)

    def task_errors(self) -> int:
        """Tasks that crashed or asked for a retry, from the worker's log.

        Nothing here is transient: a retry means a bug, and waiting for the backoff would
        only turn it into a timeout.
        """
        text = self.log.read_text(errors="replace")
        return text.count(" raised unexpected: ") + text.count(" retry: Retry in ")

    def wait_for_document(self, pk: int, timeout: float = RENDER_TIMEOUT) -> Document:
        """Poll the database (the truth) until the document is ready."""
        deadline = time.monotonic() + timeout
        while True:
            with scopes_disabled():
                document = Document.objects.get(pk=pk)
            if document.status == DocumentStatus.READY:
                return document
            if document.status == DocumentStatus.FAILED:
                pytest.fail(f"document {pk} failed: {document.last_error}\n{self.log_tail()}")
            self.check_alive()
            if self.task_errors() > self.errors_before_test:
                pytest.fail(f"a task failed in the worker:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"document {pk} still {document.status} after {timeout:.0f} s:\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.2)


def _ping(nodename: str) -> bool:
    replies = celery_app.control.ping(destination=[nodename], timeout=1.0)
    return any(nodename in reply for reply in replies)


@pytest.fixture(scope="session")
def celery_worker_process(request, tmp_path_factory):
    """One worker for the whole session; its PID is kept and it is stopped at teardown."""
    broker = settings.CELERY_BROKER_URL
    if not broker:
        pytest.skip("REDIS_URL is not set: there is no broker for a real Celery worker")
    if not database_url_is_postgres():
        pytest.skip(
            "DATABASE_URL is not PostgreSQL: a worker process cannot share pytest's "
            "in-memory SQLite test database"
        )
    # Requested here, after the skips, so the worker is stopped before the test database
    # is dropped (PostgreSQL refuses to drop a database with open connections).
    request.getfixturevalue("django_db_setup")
    assert connection.vendor == "postgresql"
    assert connection.settings_dict["NAME"].startswith("test_")

    base = tmp_path_factory.mktemp("celery-worker")
    media_root = base / "media"
    media_root.mkdir()
    log_path = base / "worker.log"
    host = os.uname().nodename
    nodename = f"integration-{uuid.uuid4().hex[:8]}@{host}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cpo_portal.settings",
        "CPO_TESTING": "true",
        "DATABASE_URL": _worker_database_url(),
        "REDIS_URL": os.environ.get("REDIS_URL", broker),
        "CELERY_BROKER_URL": broker,
        "MEDIA_ROOT": str(media_root),
        "PYTHONUNBUFFERED": "1",
    }
    # Messages left over from an earlier run point at rows of a database that is gone.
    celery_app.control.purge()
    command = [
        *(sys.executable, "-m", "celery", "-A", "cpo_portal", "worker"),
        *("--pool=solo", "--concurrency=1", "-Q", "celery"),
        *("--without-heartbeat", "--without-gossip", "--without-mingle"),
        *("-l", "info", "-n", nodename),
        *("--include", "tests.integration.worker_hooks"),
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
    worker = WorkerProcess(process=process, nodename=nodename, media_root=media_root, log=log_path)
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while not _ping(nodename):
            worker.check_alive()
            if time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not answer ping:\n{worker.log_tail()}")
        yield worker
    finally:
        process.terminate()  # SIGTERM: warm shutdown, unacked messages go back to the queue
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _declare_task_queue() -> None:
    # The suite clears the cache between tests; a Redis cache on the broker's database
    # clears the broker's queue bindings with it, and the producer would not declare them
    # again on a connection it already used. Declaring is idempotent.
    with celery_app.connection_for_write() as conn:
        celery_app.amqp.queues[celery_app.conf.task_default_queue](conn.default_channel).declare()


@pytest.fixture
def worker(celery_worker_process, settings):
    """The session's worker, with this process sending to the broker instead of eagerly."""
    # Celery reads its configuration through django.conf.settings, overrides included.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert celery_app.conf.task_always_eager is False
    _declare_task_queue()
    # One media store for both processes, as the web and worker containers share a volume.
    media_root = str(celery_worker_process.media_root)
    settings.MEDIA_ROOT = media_root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media_root},
        },
    }
    celery_worker_process.errors_before_test = celery_worker_process.task_errors()
    return celery_worker_process


# --- Chromium through Playwright --------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, not a downloaded browser build."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def pdftotext():
    path = shutil.which("pdftotext")
    if path is None:
        pytest.skip("pdftotext is missing (apt install poppler-utils)")
    return path
