"""The secret ballot on PostgreSQL: the record of voting and the ballot are written in
different transactions, the count rewrites the ballot tables (CLUSTER), and two casts for
the same organization at the same moment give exactly one ballot."""

import threading

import pytest
from django.db import connection, connections

from community import services
from community.models import Ballot, BallotCast, BallotVote
from cpo_portal.errors import DomainError
from tests.community import conftest as community
from tests.community.conftest import at_phase

# conftest.py skips `postgres` tests when DATABASE_URL is not PostgreSQL.
pytestmark = pytest.mark.postgres

# The community fixtures, reused.
catalogue = community.catalogue
alpha_member = community.alpha_member
beta_member = community.beta_member
dora = community.dora
gamma = community.gamma
gamma_member = community.gamma_member
election = community.election


@pytest.fixture
def voting(election, alpha_member, beta_member, gamma_member, alpha, beta, alice, charlie):
    candidates = []
    for org, user in ((alpha, alice), (beta, charlie)):
        candidate = services.candidate_nominate(
            election=election,
            nominating_organization=org,
            candidate_user=user,
            candidate_organization=org,
            by=user,
        )
        candidates.append(services.candidate_answer(candidate=candidate, accept=True, by=user))
    at_phase(election, "voting")
    return candidates


def xmins(model):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT xmin::text FROM "{model._meta.db_table}"')  # fixed table name
        return {row[0] for row in cursor.fetchall()}


def clustered_on_primary_key(model) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisclustered FROM pg_index i "
            "JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE t.relname = %s AND i.indisprimary",
            [model._meta.db_table],
        )
        return bool(cursor.fetchone()[0])


def relfilenode(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relfilenode FROM pg_class WHERE relname = %s", [model._meta.db_table]
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_record_of_voting_and_the_ballot_come_from_different_transactions(
    voting, election, gamma, dora, alpha, alice, office_user
):
    assert connection.vendor == "postgresql"
    services.ballot_cast(
        election=election, organization=gamma, choices={"it_vendor": [voting[0].pk]}, by=dora
    )
    services.ballot_cast(
        election=election,
        organization=alpha,
        choices={"it_vendor": [voting[0].pk, voting[1].pk]},
        by=alice,
    )
    casts, ballots, votes = xmins(BallotCast), xmins(Ballot), xmins(BallotVote)
    assert len(casts) == 2 and len(ballots) == 2
    # No transaction wrote both a record of voting and a ballot (or its votes).
    assert casts.isdisjoint(ballots) and casts.isdisjoint(votes)

    before = (relfilenode(Ballot), relfilenode(BallotVote))
    assert not clustered_on_primary_key(Ballot)
    at_phase(election, "closed")
    services.election_tally(election=election, by=office_user)
    # The tally rewrote both ballot tables in the order of their random keys.
    assert clustered_on_primary_key(Ballot) and clustered_on_primary_key(BallotVote)
    assert (relfilenode(Ballot), relfilenode(BallotVote)) != before
    assert before[0] != relfilenode(Ballot) and before[1] != relfilenode(BallotVote)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT id FROM "{Ballot._meta.db_table}"')  # physical order
        physical = [row[0] for row in cursor.fetchall()]
    assert physical == sorted(physical)
    assert xmins(BallotCast).isdisjoint(xmins(Ballot))


def _cast_at_once(election, organization, user, choices, count=2):
    """`count` threads cast for the same organization, released together."""
    start = threading.Barrier(count)
    outcomes: list[dict] = [{} for _ in range(count)]

    def target(outcome):
        try:
            start.wait(10)
            outcome["result"] = services.ballot_cast(
                election=election, organization=organization, choices=choices, by=user
            )
        except Exception as exc:
            outcome["error"] = exc
        finally:
            connections.close_all()  # this thread's connections only

    threads = [threading.Thread(target=target, args=(o,), daemon=True) for o in outcomes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_votes_give_exactly_one_ballot(
    voting, election, gamma, dora, alpha, alice, beta, charlie
):
    rounds = [(gamma, dora), (alpha, alice), (beta, charlie)]
    for organization, user in rounds:
        outcomes = _cast_at_once(election, organization, user, {"it_vendor": [voting[0].pk]})
        receipts = [o["result"] for o in outcomes if "result" in o]
        errors = [o["error"] for o in outcomes if "error" in o]
        assert len(receipts) == 1, outcomes
        assert len(errors) == 1, outcomes
        assert isinstance(errors[0], DomainError) and errors[0].code == "already_voted"
        assert BallotCast.objects.filter(organization=organization).count() == 1
    assert Ballot.objects.count() == BallotCast.objects.count() == len(rounds)
    assert BallotVote.objects.count() == len(rounds)
