"""The embedded default runs the periodic jobs too: `make run` starts the scheduler of
cpo_portal/scheduler.py beside the server. Time is a fake clock here; nobody sleeps."""

import shutil
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from cpo_portal import scheduler as embedded
from cpo_portal.documents.models import Document
from cpo_portal.scheduler import AlreadyRunning, Scheduler, SchedulerLock, serve
from cpo_portal.tenancy.services import organization_create
from tests.factories import UserFactory

BASE_DIR = Path(__file__).resolve().parent.parent
MAKE = shutil.which("make") or "make"
START = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)  # a Monday, before the morning jobs


class Clock:
    def __init__(self, now=START):
        self.now = now

    def __call__(self):
        return self.now

    def travel(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def ran():
    return []


@pytest.fixture
def make_scheduler(settings, tmp_path, clock, ran):
    def build(run_task=None):
        def record(name, args, kwargs):
            ran.append(name.rsplit(".", 1)[-1])
            return True

        return Scheduler(
            schedule=dict(settings.CELERY_BEAT_SCHEDULE),
            state_file=tmp_path / "periodic-jobs.json",
            clock=clock,
            run_task=run_task or record,
        )

    return build


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


def test_the_schedule_holds_every_periodic_job(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks == {
        "cpo_portal.documents.tasks.sweep_stuck_documents",
        "signees.tasks.send_statement_reminders",
        "certification.tasks.expire_certificates",
        "certification.tasks.send_surveillance_reminders",
        "certification.tasks.send_expiry_reminders",
        "certification.tasks.deadlines_backfill",
        "certification.tasks.deadlines_remind",
        "community.tasks.lapse_memberships",
        "cpo_portal.notifications.tasks.send_digests",
        "community.tasks.send_community_notices",
    }


def test_the_first_start_catches_up_then_the_clock_decides(make_scheduler, clock, ran):
    scheduler = make_scheduler()
    scheduler.run_due()
    assert sorted(ran) == sorted(
        [
            "sweep_stuck_documents",
            "send_statement_reminders",
            "expire_certificates",
            "send_surveillance_reminders",
            "send_expiry_reminders",
            "deadlines_backfill",
            "deadlines_remind",
            "lapse_memberships",
            "send_digests",
            "send_community_notices",
        ]
    )
    ran.clear()
    clock.travel(minutes=1)
    assert scheduler.run_due() == []
    clock.travel(minutes=4)  # 05:05: the sweeper runs every five minutes
    scheduler.run_due()
    assert ran == ["sweep_stuck_documents"]
    ran.clear()
    clock.travel(hours=1, minutes=30)  # 06:35: the morning's reminders
    scheduler.run_due()
    assert ran == [
        "sweep_stuck_documents",
        "send_statement_reminders",
        "send_surveillance_reminders",
        "send_expiry_reminders",
        "deadlines_backfill",
        "deadlines_remind",
        "send_digests",  # Monday 07:00 in Berlin
        "send_community_notices",  # hourly, at a quarter past
    ]
    ran.clear()
    clock.travel(hours=18)  # 00:35 the next day: expiry and lapsed memberships
    scheduler.run_due()
    assert ran == [
        "sweep_stuck_documents",
        "expire_certificates",
        "lapse_memberships",
        "send_community_notices",
    ]
    # The scheduler naps until the next job, at most a minute.
    assert 1.0 <= scheduler.seconds_until_next() <= 60.0


def test_a_restart_runs_nothing_twice_and_catches_up_once(make_scheduler, clock, ran, settings):
    make_scheduler().run_due()
    ran.clear()
    clock.travel(minutes=1)
    assert make_scheduler().run_due() == []  # restarted a minute later: nothing
    clock.travel(days=3)  # stopped for three days: each job once, not three times
    make_scheduler().run_due()
    assert sorted(ran) == sorted(set(ran)) and len(ran) == len(settings.CELERY_BEAT_SCHEDULE)


def test_a_failing_job_does_not_stop_the_others(make_scheduler, ran, settings):
    def flaky(name, args, kwargs):
        ran.append(name)
        if name.endswith("expire_certificates"):
            raise RuntimeError("boom")
        return True

    scheduler = make_scheduler(run_task=flaky)
    assert len(scheduler.run_due()) == len(settings.CELERY_BEAT_SCHEDULE)
    assert len(ran) == len(settings.CELERY_BEAT_SCHEDULE)
    assert scheduler.run_due() == []  # recorded, tried again when next due


def test_serve_runs_until_stopped_or_orphaned(make_scheduler, clock, ran):
    scheduler = make_scheduler()
    stop = threading.Event()
    looks = []

    def parent_alive():
        looks.append(clock())
        return len(looks) < 200

    def wait(seconds):  # no sleeping: the clock moves instead
        clock.travel(seconds=seconds)

    serve(scheduler, stop=stop, parent_alive=parent_alive, wait=wait)
    # Until the parent was gone: the first catch-up, then the sweeper every five minutes.
    assert ran.count("send_statement_reminders") == 1
    assert ran.count("sweep_stuck_documents") >= 2
    ran.clear()
    stop.set()
    serve(scheduler, stop=stop, parent_alive=lambda: True, wait=wait)
    assert ran == []


def test_one_scheduler_per_var_directory(tmp_path):
    first, second = SchedulerLock(tmp_path / "lock"), SchedulerLock(tmp_path / "lock")
    first.acquire()
    with pytest.raises(AlreadyRunning):
        second.acquire()
    first.release()
    second.acquire()
    second.release()


# --- the command ---------------------------------------------------------------------------


def test_not_started_with_a_broker_or_under_the_tests_unless_asked(settings, var_dir, capsys):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    call_command("run_periodic_jobs", "--once")
    assert "broker is configured" in capsys.readouterr().out
    settings.CELERY_BROKER_URL = ""
    assert settings.TESTING
    call_command("run_periodic_jobs", "--once")
    assert "test settings" in capsys.readouterr().out
    assert not (var_dir / "periodic-jobs.json").exists()


def test_a_second_scheduler_does_not_run_the_jobs_again(var_dir, capsys):
    lock = SchedulerLock(embedded.lock_path())
    lock.acquire()
    try:
        call_command("run_periodic_jobs", "--once", "--force")
    finally:
        lock.release()
    assert "another scheduler" in capsys.readouterr().out
    assert not (var_dir / "periodic-jobs.json").exists()


# Transactional: the scheduler's process is never inside a transaction, and it closes
# connections between jobs as a long-lived process must (PostgreSQL would lose the test's).
@pytest.mark.django_db(transaction=True)
def test_the_jobs_really_run_in_process(var_dir, capsys, settings, monkeypatch):
    """The real tasks, through the command: a document stuck for good is marked failed by
    the sweeper (each job is idempotent, so a second run changes nothing)."""
    owner = UserFactory()
    organization = organization_create(by=owner, legal_name="Sweep GmbH", country="DE")
    long_ago = timezone.now() - timedelta(days=1)
    with scopes_disabled():
        document = Document.objects.create(
            kind="organization_activity",
            owner=organization,
            organization=organization,
            title="Stuck",
            status="rendering",
            status_changed_at=long_ago,
            attempts=settings.DOCUMENT_MAX_ATTEMPTS,
        )
    call_command("run_periodic_jobs", "--once", "--force")
    assert f"Ran {len(settings.CELERY_BEAT_SCHEDULE)} periodic job(s)" in capsys.readouterr().out
    with scopes_disabled():
        document.refresh_from_db()
    assert document.status == "failed"
    assert (var_dir / "periodic-jobs.json").exists()
    call_command("run_periodic_jobs", "--once", "--force")
    assert "Ran 0 periodic job(s)" in capsys.readouterr().out


def test_make_run_starts_the_scheduler_beside_the_server_and_stops_it():
    output = subprocess.run(
        [MAKE, "--no-print-directory", "-n", "run"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if "manage.py run_periodic_jobs &" in line)
    assert "trap 'kill $jobs" in lines[start + 1]
    assert "manage.py runserver" in lines[start + 2]
    assert "DEBUG=true" in lines[start]  # the same embedded settings as the server
