"""Calls released together on threads of their own (each with its own database connection),
for the tests that race requests against each other on PostgreSQL."""

import threading
import time

from django.db import connections


def all_at_once(calls, timeout=60.0):
    """Run every call on its own thread (hence its own database connection), released
    together; return each one's outcome: {"result": …} or {"error": …}."""
    start = threading.Barrier(len(calls))
    outcomes: list[dict] = [{} for _ in calls]

    def target(call, outcome):
        try:
            start.wait(20)
            outcome["result"] = call()
        except Exception as exc:
            outcome["error"] = exc
        finally:
            connections.close_all()  # this thread's connections only

    threads = [
        threading.Thread(target=target, args=(call, outcome), daemon=True)
        for call, outcome in zip(calls, outcomes, strict=True)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.1, deadline - time.monotonic()))
        assert not thread.is_alive(), "a concurrent call hung"
    return outcomes
