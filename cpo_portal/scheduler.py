"""The periodic jobs of Celery beat, for the embedded default that has no broker.

Production runs `celery beat` beside the workers (docker-compose.yml). Without a broker
there is no beat, and the daily jobs (expiry, reminders, surveillance) and the document
sweeper would never run, so `make run` starts `manage.py run_periodic_jobs` beside the
development server and stops it with it. The scheduler reads the same CELERY_BEAT_SCHEDULE
and runs each due task in its own process, one after another.

A separate process rather than a thread in the server: runserver's autoreloader runs the
project twice (a watcher and the server, which is restarted on every saved file), and a
thread would start, and catch up, in each of them; a job that fails or hangs cannot disturb
a page being served; and nothing starts in a shell, a migration or a test run.

It keeps when each job last ran in `var/periodic-jobs.json`, so a restart catches up what
fell due meanwhile and runs nothing twice (the first start runs everything once: every job
is idempotent). A lock file lets only one scheduler run per `var/` (a second `make run`, or
one started by hand, waits its turn instead of running the jobs twice).
"""

import copy
import fcntl
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from celery.schedules import BaseSchedule, maybe_schedule
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from cpo_portal.celery import app

logger = logging.getLogger(__name__)

# The longest nap between two looks at the schedule: the clock may jump (a laptop's sleep).
MAX_SLEEP_SECONDS = 60.0
# How often a waiting scheduler checks that `make run` (its parent) is still there.
PARENT_CHECK_SECONDS = 2.0


def state_path() -> Path:
    return Path(settings.VAR_DIR) / "periodic-jobs.json"


def lock_path() -> Path:
    return Path(settings.VAR_DIR) / "periodic-jobs.lock"


class AlreadyRunning(Exception):
    """Another scheduler holds the lock of this `var/`."""


class SchedulerLock:
    """An exclusive, non-blocking lock on a file; the operating system frees it when the
    process ends, however it ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise AlreadyRunning(str(self.path)) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def _run_task(name: str, args: Iterable[Any], kwargs: dict[str, Any]) -> bool:
    """Run one task in this process, as a worker would; False when it failed."""

    app.loader.import_default_modules()  # the tasks of every app (autodiscovery)
    # A long-lived process: a connection the database dropped meanwhile is not reused.
    close_old_connections()
    try:
        result = app.tasks[name].apply(args=tuple(args), kwargs=kwargs)
    finally:
        close_old_connections()
    if result.failed():
        logger.error("Periodic job %s failed:\n%s", name, result.traceback)
        return False
    logger.info("Periodic job %s done: %r", name, result.result)
    return True


@dataclass
class Scheduler:
    """Which entries of a beat schedule are due by `clock`, and running them."""

    schedule: dict[str, dict[str, Any]]
    state_file: Path
    clock: Callable[[], datetime] = timezone.now
    run_task: Callable[[str, Iterable[Any], dict[str, Any]], bool] = _run_task
    last_run: dict[str, datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.last_run = self._load()

    def _load(self) -> dict[str, datetime]:
        try:
            raw = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}
        loaded = {}
        for name, value in raw.items() if isinstance(raw, dict) else ():
            try:
                loaded[name] = datetime.fromisoformat(value)
            except (TypeError, ValueError):
                continue
        return loaded

    def _save(self) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.state_file.with_suffix(".tmp")
        partial.write_text(
            json.dumps({name: at.isoformat() for name, at in sorted(self.last_run.items())})
        )
        partial.replace(self.state_file)  # atomic: a killed process leaves the old state

    def _timing(self, entry: dict[str, Any]) -> BaseSchedule:
        # A number of seconds, a timedelta or a crontab: a celery schedule in each case.
        timing: Any = copy.copy(maybe_schedule(entry["schedule"], app=app))
        timing.nowfun = self.clock  # the schedule asks our clock (tests travel in time)
        return timing

    def _state(self, name: str) -> tuple[bool, float]:
        # Never run: long ago, so that the first start catches everything up once.
        last = self.last_run.get(name) or self.clock() - timedelta(days=3650)
        due, next_in = self._timing(self.schedule[name]).is_due(last)
        return bool(due), float(next_in)

    def due(self) -> list[str]:
        return [name for name in self.schedule if self._state(name)[0]]

    def run_due(self) -> list[str]:
        """Run every job that is due now, in the schedule's order; their names."""
        ran = []
        for name in self.due():
            entry = self.schedule[name]
            try:
                self.run_task(entry["task"], entry.get("args", ()), entry.get("kwargs", {}))
            except Exception:  # a broken job must not stop the others
                logger.exception("Periodic job %s could not run", name)
            # Recorded even when it failed, as beat does: it is tried again when next due.
            self.last_run[name] = self.clock()
            self._save()
            ran.append(name)
        return ran

    def seconds_until_next(self) -> float:
        waits = [self._state(name)[1] for name in self.schedule]
        return max(1.0, min([MAX_SLEEP_SECONDS, *waits]))


def serve(
    scheduler: Scheduler,
    *,
    stop: threading.Event,
    parent_alive: Callable[[], bool],
    wait: Callable[[float], object] | None = None,
    report: Callable[[str], object] = lambda name: None,
) -> None:
    """Run due jobs, nap until the next one, again; until `stop` is set or the parent is
    gone (`make run` ended, however it ended)."""
    wait = wait or stop.wait
    while not stop.is_set() and parent_alive():
        for name in scheduler.run_due():
            report(name)
        nap, waited = scheduler.seconds_until_next(), 0.0
        while waited < nap and not stop.is_set() and parent_alive():
            step = min(PARENT_CHECK_SECONDS, nap - waited)
            wait(step)
            waited += step


def embedded_scheduler(clock: Callable[[], datetime] = timezone.now) -> Scheduler:
    return Scheduler(
        schedule=dict(settings.CELERY_BEAT_SCHEDULE), state_file=state_path(), clock=clock
    )


def refusal() -> str | None:
    """Why the embedded scheduler must not run here, or None."""
    if settings.CELERY_BROKER_URL:
        return "A Celery broker is configured: run `celery -A cpo_portal beat` instead."
    if settings.TESTING:
        return "The test settings are active: nothing runs unless asked (--force)."
    return None
