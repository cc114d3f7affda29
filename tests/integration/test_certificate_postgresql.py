"""Certificate numbers on PostgreSQL: concurrent grants get gapless, unique numbers per type
and year; a rolled-back grant gives its number back; a new year starts again at 0001."""

import threading
import time
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import Certificate, CertificateSequence
from criteria.models import SchemeKind
from tests.certification import conftest as certification
from tests.certification.helpers import audit_to_report, certificate_of, decide, new_application

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

alpha_signee = certification.alpha_signee
beta_signee = certification.beta_signee
lead = certification.lead
office2 = certification.office2


@pytest.fixture
def through_services():
    """The real stack: every certification stage through the services, tasks and mails."""
    return True


CONCURRENT_GRANTS = 5


class Rollback(Exception):
    pass


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
        assert time.monotonic() < deadline, "the second grant never waited for the lock"
        time.sleep(0.05)


@pytest.fixture
def ready_to_grant(alpha_signee, alpha, alice, lead, auditor_user, office_user):
    """`ready_to_grant(n, kind=…)`: n applications of Alpha with submitted audit reports."""

    def make(count, kind=SchemeKind.ORGANIZATIONAL, organization=alpha, owner=alice):
        return [
            audit_to_report(
                new_application(organization, owner, kind=kind),
                company_user=owner,
                auditor=lead,
                auditor_user=auditor_user,
                office=office_user,
            )
            for _ in range(count)
        ]

    return make


def numbers(kind=None):
    with scopes_disabled():
        certificates = Certificate.objects.all()
        if kind:
            certificates = certificates.filter(kind=kind)
        return sorted(certificates.values_list("number", flat=True))


def sequence_last(kind, year):
    row = CertificateSequence.objects.filter(kind=kind, year=year).first()
    return row.last if row else 0


def expected(prefix, year, count, start=1):
    return [f"CPO-{prefix}-{year}-{n:04d}" for n in range(start, start + count)]


def test_concurrent_grants_get_gapless_unique_numbers(ready_to_grant, office2):
    applications = ready_to_grant(CONCURRENT_GRANTS)
    year = timezone.now().year
    start = threading.Event()
    runs = [in_thread(decide, application, office2, start=start) for application in applications]
    start.set()
    for thread, _outcome in runs:
        thread.join(60)

    outcomes = [outcome for _thread, outcome in runs]
    assert all("result" in outcome for outcome in outcomes), outcomes
    assert numbers() == expected("O", year, CONCURRENT_GRANTS)
    assert sequence_last(SchemeKind.ORGANIZATIONAL, year) == CONCURRENT_GRANTS
    # Each application got its own certificate.
    assert len({certificate_of(a).pk for a in applications}) == CONCURRENT_GRANTS


def test_a_rolled_back_grant_does_not_consume_a_number(ready_to_grant, office2):
    first, second = ready_to_grant(2)
    year = timezone.now().year

    with pytest.raises(Rollback), transaction.atomic():
        decide(first, office2)
        assert numbers() == expected("O", year, 1)
        raise Rollback

    assert numbers() == []
    assert sequence_last(SchemeKind.ORGANIZATIONAL, year) == 0
    decide(second, office2)
    decide(first, office2)
    assert [certificate_of(a).number for a in (second, first)] == expected("O", year, 2)


def test_a_grant_waiting_for_one_that_rolls_back_gets_its_number(ready_to_grant, office2):
    holder, waiter = ready_to_grant(2)
    year = timezone.now().year
    holding, release = threading.Event(), threading.Event()

    def grant_hold_and_roll_back():
        with transaction.atomic():
            certificate = certificate_of(decide(holder, office2))
            holding.set()
            release.wait(15)
            raise Rollback(certificate.number)

    first, first_outcome = in_thread(grant_hold_and_roll_back)
    assert holding.wait(20), first_outcome
    second, second_outcome = in_thread(decide, waiter, office2)
    # The year's first number is held by the open transaction: the second grant waits ...
    wait_until_blocked(second, second_outcome)
    release.set()
    first.join(15)
    second.join(15)

    # ... and gets that very number once the first grant rolled back.
    assert isinstance(first_outcome.get("error"), Rollback), first_outcome
    assert str(first_outcome["error"]) == expected("O", year, 1)[0]
    assert "result" in second_outcome, second_outcome
    assert numbers() == expected("O", year, 1)
    assert certificate_of(waiter).number == expected("O", year, 1)[0]
    assert sequence_last(SchemeKind.ORGANIZATIONAL, year) == 1


def test_organizational_and_product_sequences_are_independent(
    ready_to_grant, office2, beta_signee, beta, charlie
):
    year = timezone.now().year
    (organizational,) = ready_to_grant(1)
    decide(organizational, office2)
    (beta_organizational,) = ready_to_grant(1, organization=beta, owner=charlie)
    decide(beta_organizational, office2)

    products = ready_to_grant(2, kind=SchemeKind.PRODUCT)
    start = threading.Event()
    runs = [in_thread(decide, application, office2, start=start) for application in products]
    start.set()
    for thread, _outcome in runs:
        thread.join(60)
    assert all("result" in outcome for _thread, outcome in runs), runs
    (another,) = ready_to_grant(1)
    decide(another, office2)

    assert numbers(SchemeKind.ORGANIZATIONAL) == expected("O", year, 3)
    assert numbers(SchemeKind.PRODUCT) == expected("P", year, 2)
    assert sequence_last(SchemeKind.ORGANIZATIONAL, year) == 3
    assert sequence_last(SchemeKind.PRODUCT, year) == 2


def test_a_new_year_starts_again_at_0001(ready_to_grant, office2):
    applications = ready_to_grant(4)

    def grant_at(moment, application):
        with time_machine.travel(moment, tick=False):
            decide(application, office2)
        return certificate_of(application)

    new_years_eve = datetime(2031, 12, 31, 22, 30, tzinfo=UTC)
    new_year = datetime(2032, 1, 1, 0, 30, tzinfo=UTC)
    issued = [
        grant_at(new_years_eve, applications[0]),
        grant_at(new_years_eve, applications[1]),
        grant_at(new_year, applications[2]),
        grant_at(new_year, applications[3]),
    ]

    assert [c.number for c in issued] == [
        "CPO-O-2031-0001",
        "CPO-O-2031-0002",
        "CPO-O-2032-0001",
        "CPO-O-2032-0002",
    ]
    assert [c.issued_on.year for c in issued] == [2031, 2031, 2032, 2032]
    assert sequence_last(SchemeKind.ORGANIZATIONAL, 2031) == 2
    assert sequence_last(SchemeKind.ORGANIZATIONAL, 2032) == 2
