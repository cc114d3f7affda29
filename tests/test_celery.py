"""The base task that queues after commit (cpo_portal/celery.py): inside a transaction the
task waits for the commit, is dropped by a rollback, and a broker that is down at commit
costs the job (its caller keeps what is left to do), never the committed request."""

import logging

import pytest
from celery.app.task import Task
from django.db import transaction
from kombu.exceptions import OperationalError

from cpo_portal.celery import TransactionAwareTask, app

ran: list[int] = []


@app.task(base=TransactionAwareTask, name="tests.test_celery.record")
def record(number: int) -> int:
    ran.append(number)
    return number


@pytest.fixture(autouse=True)
def _nothing_ran():
    ran.clear()
    yield
    ran.clear()


def test_outside_a_transaction_the_task_is_queued_at_once(transactional_db):
    result = record.delay(1)
    assert ran == [1]
    assert result.id


@pytest.mark.django_db
def test_inside_a_transaction_the_task_waits_for_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = record.delay(2)
        assert ran == []
    assert len(callbacks) == 1
    assert ran == [2]
    assert result.id  # chosen before it was queued


@pytest.mark.django_db(transaction=True)
def test_a_rollback_queues_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        record.delay(3)
        raise RuntimeError("rolled back")
    assert ran == []


@pytest.mark.django_db(transaction=True)
def test_a_broker_down_at_commit_is_logged_and_the_other_work_still_runs(monkeypatch, caplog):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", broker_down)
    after = []
    with caplog.at_level(logging.ERROR), transaction.atomic():
        record.delay(4)
        transaction.on_commit(lambda: after.append("mail"))
    assert ran == []
    assert after == ["mail"]
    assert "Connection refused" in caplog.text
