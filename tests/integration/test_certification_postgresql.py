"""Certification under real concurrency on PostgreSQL: two requests racing for the same
score or the same lead-auditor seat. Exactly one wins; the other is refused clearly."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django_scopes import scopes_disabled

from certification.models import (
    ApplicationEvent,
    ApplicationStatus,
    AssignmentRole,
    AssignmentStatus,
    AuditorAssignment,
    Score,
    ScoreChange,
)
from certification.services.auditors import auditor_assign
from certification.services.audits import ScoreConflict, score_save
from cpo_portal.errors import DomainError
from tests.certification import conftest as certification
from tests.certification.helpers import criteria_of

# conftest.py skips `postgres` tests when DATABASE_URL is not PostgreSQL.
pytestmark = pytest.mark.postgres

# The certification fixtures (catalogue, signee, auditors, the stage fixtures), reused.
alpha_signee = certification.alpha_signee
lead = certification.lead
co_user = certification.co_user
co = certification.co
draft = certification.draft
submitted = certification.submitted
accepted = certification.accepted
assigned = certification.assigned
in_audit = certification.in_audit


@pytest.fixture
def through_services():
    """The real stack: every certification stage through the services, tasks and mails."""
    return True


def in_thread(fn, *args, start=None):
    """Run fn on its own thread, hence its own database connection; return its outcome."""
    outcome: dict = {}

    def target():
        try:
            if start is not None:
                start.wait(10)
            outcome["result"] = fn(*args)
        except Exception as exc:
            outcome["error"] = exc
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


def sessions_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def wait_until_blocked(thread, outcome):
    deadline = time.monotonic() + 10
    while sessions_waiting_for_a_lock() < 1:
        assert thread.is_alive(), outcome
        assert time.monotonic() < deadline, "the second request never waited for the lock"
        time.sleep(0.05)


def save(application, criterion, user, rating, rationale, version=0):
    return score_save(
        application_id=application.pk,
        criterion_id=criterion.pk,
        rating=rating,
        rationale=rationale,
        expected_version=version,
        by=user,
    )


@pytest.fixture
def with_co(in_audit, co, office_user):
    auditor_assign(application=in_audit, auditor=co, role="co", by=office_user)
    return in_audit


def score_state(application, criterion):
    with scopes_disabled():
        score = Score.objects.get(application=application, criterion=criterion)
        changes = list(
            ScoreChange.objects.filter(score=score).values_list("version", "rating", "by__email")
        )
    return score, changes


@pytest.mark.django_db(transaction=True)
def test_second_save_waits_for_the_first_and_gets_a_conflict(with_co, auditor_user, co_user):
    criterion = criteria_of(with_co, "should")[0]
    holding, release = threading.Event(), threading.Event()

    def lead_saves_and_holds():
        with transaction.atomic():
            saved = save(with_co, criterion, auditor_user, "partially", "Lead's view")
            holding.set()
            release.wait(15)
        return saved

    first, first_outcome = in_thread(lead_saves_and_holds)
    assert holding.wait(10), first_outcome
    second, second_outcome = in_thread(save, with_co, criterion, co_user, "fulfilled", "Co's view")
    # The co-auditor's save must wait on the row lock, not read the old version and win too.
    wait_until_blocked(second, second_outcome)
    release.set()
    first.join(10)
    second.join(10)

    assert "error" not in first_outcome, first_outcome
    error = second_outcome.get("error")
    assert isinstance(error, ScoreConflict), second_outcome
    assert (error.current.rating, error.current.rationale, error.current.version) == (
        "partially",
        "Lead's view",
        1,
    )
    score, changes = score_state(with_co, criterion)
    assert (score.rating, score.version, score.updated_by) == ("partially", 1, auditor_user)
    assert changes == [(1, "partially", "auditor@example.org")]


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_from_the_same_version_exactly_one_wins(with_co, auditor_user, co_user):
    # One that needs no evidence: "fulfilled" is then a plain save for both auditors.
    criterion = [c for c in criteria_of(with_co, "should") if not c.evidence_required][1]
    start = threading.Event()
    runs = [
        in_thread(save, with_co, criterion, auditor_user, "not_fulfilled", "Lead", start=start),
        in_thread(save, with_co, criterion, co_user, "fulfilled", "", start=start),
    ]
    start.set()
    for thread, _outcome in runs:
        thread.join(15)

    outcomes = [outcome for _thread, outcome in runs]
    winners = [o["result"] for o in outcomes if "result" in o]
    losers = [o["error"] for o in outcomes if "error" in o]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert isinstance(losers[0], ScoreConflict)
    assert losers[0].current.version == 1
    assert losers[0].current.rating == winners[0].rating
    score, changes = score_state(with_co, criterion)
    assert (score.version, score.rating) == (1, winners[0].rating)
    assert len(changes) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_lead_assignments_one_wins(accepted, lead, co, office_user):
    start = threading.Event()
    runs = [
        in_thread(
            lambda auditor=auditor: auditor_assign(
                application=accepted, auditor=auditor, role="lead", by=office_user
            ),
            start=start,
        )
        for auditor in (lead, co)
    ]
    start.set()
    for thread, _outcome in runs:
        thread.join(15)

    outcomes = [outcome for _thread, outcome in runs]
    winners = [o["result"] for o in outcomes if "result" in o]
    losers = [o["error"] for o in outcomes if "error" in o]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert isinstance(losers[0], DomainError)
    with scopes_disabled():
        active = list(
            AuditorAssignment.objects.filter(
                application=accepted, role=AssignmentRole.LEAD, status=AssignmentStatus.ACTIVE
            )
        )
        assigns = ApplicationEvent.objects.filter(application=accepted, action="assign").count()
    assert [a.pk for a in active] == [winners[0].pk]
    assert assigns == 1
    accepted.refresh_from_db()
    assert accepted.status == ApplicationStatus.AUDITOR_ASSIGNED


@pytest.mark.django_db(transaction=True)
def test_second_lead_assignment_waits_for_the_first(accepted, lead, co, office_user):
    holding, release = threading.Event(), threading.Event()

    def assign_and_hold():
        with transaction.atomic():
            assignment = auditor_assign(
                application=accepted, auditor=lead, role="lead", by=office_user
            )
            holding.set()
            release.wait(15)
        return assignment

    first, first_outcome = in_thread(assign_and_hold)
    assert holding.wait(10), first_outcome
    second, second_outcome = in_thread(
        lambda: auditor_assign(application=accepted, auditor=co, role="lead", by=office_user)
    )
    wait_until_blocked(second, second_outcome)
    release.set()
    first.join(10)
    second.join(10)

    assert "error" not in first_outcome, first_outcome
    assert isinstance(second_outcome.get("error"), DomainError), second_outcome
    with scopes_disabled():
        leads = list(
            AuditorAssignment.objects.filter(
                application=accepted, status=AssignmentStatus.ACTIVE
            ).values_list("auditor__user__email", "role")
        )
    assert leads == [("auditor@example.org", "lead")]
