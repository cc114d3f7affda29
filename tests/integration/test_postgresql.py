"""The suite's database is PostgreSQL in CI, and row locks there really hold."""

import threading
import time

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django_scopes import scopes_disabled

from cpo_portal.errors import DomainError
from cpo_portal.tenancy.models import Membership, Role
from cpo_portal.tenancy.services import membership_change_role

# conftest.py skips `postgres` tests when DATABASE_URL is not PostgreSQL.
pytestmark = pytest.mark.postgres


def in_thread(fn, *args):
    """Run fn on its own thread, hence its own database connection; return its outcome."""
    outcome: dict = {}

    def target():
        try:
            outcome["result"] = fn(*args)
        except Exception as exc:
            outcome["error"] = exc
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


def lock_memberships_nowait(organization_id):
    with transaction.atomic(), scopes_disabled():
        return list(
            Membership.objects.select_for_update(nowait=True)
            .filter(organization_id=organization_id)
            .values_list("pk", flat=True)
        )


def sessions_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def add_member(organization, user, role):
    with scopes_disabled():
        return Membership.objects.create(organization=organization, user=user, role=role)


def owners_of(organization):
    with scopes_disabled():
        return set(
            Membership.objects.filter(organization=organization, role=Role.OWNER).values_list(
                "user__email", flat=True
            )
        )


@pytest.mark.django_db
def test_the_database_is_postgresql():
    assert connection.vendor == "postgresql"
    # pytest-django's own database, never the one DATABASE_URL names for real use.
    assert connection.settings_dict["NAME"].startswith("test_")


@pytest.mark.django_db(transaction=True)
def test_role_change_locks_the_memberships_until_commit(alice, bob, org):
    membership = add_member(org, bob, Role.MEMBER)

    with transaction.atomic():
        membership_change_role(membership=membership, role=Role.ADMIN, by=alice)
        thread, outcome = in_thread(lock_memberships_nowait, org.pk)
        thread.join(10)
        error = outcome.get("error")
        assert isinstance(error, DatabaseError), outcome
        assert "could not obtain lock" in str(error)

    thread, outcome = in_thread(lock_memberships_nowait, org.pk)
    thread.join(10)
    assert "error" not in outcome, outcome
    assert len(outcome["result"]) == 2
    with scopes_disabled():
        membership.refresh_from_db()
    assert membership.role == Role.ADMIN


@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_keep_one_owner(alice, bob, org):
    with scopes_disabled():
        alice_membership = Membership.objects.get(organization=org, user=alice)
    bob_membership = add_member(org, bob, Role.OWNER)
    holding, release = threading.Event(), threading.Event()

    def alice_demotes_bob_and_holds():
        with transaction.atomic():
            membership_change_role(membership=bob_membership, role=Role.ADMIN, by=alice)
            holding.set()
            release.wait(15)

    first, first_outcome = in_thread(alice_demotes_bob_and_holds)
    assert holding.wait(10), first_outcome
    second, second_outcome = in_thread(
        lambda: membership_change_role(membership=alice_membership, role=Role.ADMIN, by=bob)
    )
    # Bob's demotion of Alice must wait for Alice's transaction, not race past it.
    deadline = time.monotonic() + 10
    while sessions_waiting_for_a_lock() < 1:
        assert second.is_alive(), second_outcome
        assert time.monotonic() < deadline, "the second role change never waited for the lock"
        time.sleep(0.05)
    release.set()
    first.join(10)
    second.join(10)

    assert "error" not in first_outcome, first_outcome
    error = second_outcome.get("error")
    assert isinstance(error, DomainError), second_outcome
    # The second demotion waited for the first one's lock, then found its author no longer
    # an owner (or, had it been checked first, the last-owner rule): either way it is refused.
    assert "at least one owner" in str(error) or "Only an owner" in str(error)
    assert owners_of(org) == {"alice@example.org"}
