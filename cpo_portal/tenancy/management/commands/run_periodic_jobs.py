"""`make run`'s stand-in for Celery beat: the periodic jobs, in-process (cpo_portal.scheduler).

    python manage.py run_periodic_jobs          # until stopped (make run stops it with the server)
    python manage.py run_periodic_jobs --once   # what is due now, then exit

It refuses to run where a broker is configured (`celery beat` schedules there) and under the
test settings, unless --force. It ends by itself when the process that started it is gone.
"""

import os
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from cpo_portal.scheduler import (
    AlreadyRunning,
    SchedulerLock,
    embedded_scheduler,
    lock_path,
    serve,
)
from cpo_portal.scheduler import refusal as scheduler_refusal


class Command(BaseCommand):
    help = "Run the periodic jobs of the beat schedule in-process (the embedded default)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="run the due jobs, then exit")
        parser.add_argument(
            "--force", action="store_true", help="run even with a broker or under the tests"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reason = scheduler_refusal()
        if reason and not options["force"]:
            self.stdout.write(f"Periodic jobs not started. {reason}")
            return
        lock = SchedulerLock(lock_path())
        try:
            lock.acquire()
        except AlreadyRunning:
            self.stdout.write("Periodic jobs not started: another scheduler runs them already.")
            return
        try:
            self._run(once=options["once"])
        finally:
            lock.release()

    def _run(self, *, once: bool) -> None:
        scheduler = embedded_scheduler()
        if once:
            ran = scheduler.run_due()
            self.stdout.write(f"Ran {len(ran)} periodic job(s): {', '.join(ran) or '-'}")
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, lambda *_: stop.set())
        parent = os.getppid()
        self.stdout.write(f"Periodic jobs: {', '.join(scheduler.schedule)} (Ctrl-C to stop)")
        serve(
            scheduler,
            stop=stop,
            # Reparented: the shell of `make run` is gone.
            parent_alive=lambda: os.getppid() == parent,
            report=lambda name: self.stdout.write(f"Periodic job run: {name}"),
        )
        self.stdout.write("Periodic jobs stopped.")
