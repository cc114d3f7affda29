"""The secret ballot on PostgreSQL, read the way someone with access to the database would
read it: transaction ids (`xmin`), physical row addresses (`ctid`), the catalogue. Nothing
pairs an organization's record of voting with its ballot; failed casts write nothing; casts
at the same moment lose no ballot and give no organization two."""

import hashlib

import pytest
from django.db import connection

from community.models import Ballot, BallotCast, BallotVote
from community.services import elections as elections_services
from community.services import elections as services
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.documents import services as document_services
from cpo_portal.errors import DomainError
from cpo_portal.tenancy.services import organization_create
from tests.community import conftest as community
from tests.community.helpers import at_phase, member
from tests.factories import UserFactory

# conftest.py skips `postgres` tests when DATABASE_URL is not PostgreSQL.
from tests.integration.concurrency import all_at_once

pytestmark = pytest.mark.postgres

# The community fixtures, reused.
alpha_member = community.alpha_member
beta_member = community.beta_member
dora = community.dora
gamma = community.gamma
gamma_member = community.gamma_member
election = community.election

BALLOT_TABLES = (Ballot._meta.db_table, BallotVote._meta.db_table)


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


def _voters(count, office_user, monkeypatch):
    """`count` community member organizations (IT customers), each with its owner."""
    # Their signature PDFs are beside the point and would only cost time.
    monkeypatch.setattr(document_services, "_queue", lambda document: None)
    voters = []
    for index in range(count):
        owner = UserFactory(email=f"voter{index}@example.org")
        organization = organization_create(by=owner, legal_name=f"Voter {index}", country="DE")
        member(organization, owner, office_user, group="it_customer")
        voters.append((organization, owner))
    return voters


def _choices(index, candidates):
    """A different ballot for each voter in turn: none, the first, the second, both."""
    return {"it_vendor": [c.pk for bit, c in enumerate(candidates) if index >> bit & 1]}


def _sql(query, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _xids(table, column="id"):
    """{row key: xmin} of a table: the transaction that wrote each row."""
    # Fixed table and column names from the models.
    return dict(_sql(f'SELECT "{column}", xmin::text::bigint FROM "{table}"'))


def _physical(table):
    """The rows of a table as stored, in storage order: (ctid, xmin, every column)."""
    return _sql(f'SELECT ctid::text, xmin::text, t.* FROM "{table}" t ORDER BY ctid')


def _ballots_sharing_or_near(cast_xid, ballot_xids, distance):
    return {pk for pk, xid in ballot_xids.items() if abs(xid - cast_xid) <= distance}


def _assert_receipts_find_their_ballots(election, receipts):
    for code, chosen in receipts.items():
        ballot = services.ballot_for_receipt(election, code)
        assert ballot is not None, code
        assert sorted(v.candidate_id for v in ballot.votes.all()) == sorted(chosen["it_vendor"])


CASTS = 20


@pytest.mark.django_db(transaction=True)
def test_a_database_reader_cannot_pair_a_voter_with_a_ballot(
    voting, election, office_user, monkeypatch
):
    assert connection.vendor == "postgresql"
    voters = _voters(CASTS, office_user, monkeypatch)
    receipts = {}
    cast_xids = []
    for index, (organization, owner) in enumerate(voters):
        choices = _choices(index, voting)
        receipts[
            services.ballot_cast(
                election=election, organization=organization, choices=choices, by=owner
            )
        ] = choices
        cast_xid = _xids(BallotCast._meta.db_table, "organization_id")[organization.pk]
        cast_xids.append((organization.pk, cast_xid))
        # After every cast, every ballot and vote was written by that cast's transaction.
        assert set(_xids(Ballot._meta.db_table).values()) == {cast_xid}
        assert set(_xids(BallotVote._meta.db_table).values()) <= {cast_xid}

    ballot_xids = _xids(Ballot._meta.db_table)
    assert len(ballot_xids) == CASTS and len({xid for _org, xid in cast_xids}) == CASTS
    # The reader pairs each record of voting with the ballots written by the same or a
    # neighbouring transaction (the old leak: the ballot's xmin was the record's + 1).
    # Each voter gets none or every ballot alike: nothing singles out its own.
    for distance in (0, 1, 2):
        for _org, cast_xid in cast_xids:
            near = _ballots_sharing_or_near(cast_xid, ballot_xids, distance)
            assert near in (set(), set(ballot_xids)), (distance, cast_xid)
    # Exactly: the ballots share the latest voter's transaction id, and nobody else's.
    assert set(ballot_xids.values()) == {cast_xids[-1][1]}

    # The log entry of each cast says only that the organization voted, and was written
    # by that cast's own transaction, so it tells nothing the record of voting does not.
    entry_xids = _xids(ActivityEntry._meta.db_table)
    voted = _sql(
        f'SELECT id, organization_id, data::text FROM "{ActivityEntry._meta.db_table}" '
        "WHERE verb = 'election.voted'"
    )
    assert len(voted) == CASTS
    for pk, organization_id, data in voted:
        assert entry_xids[pk] == dict(cast_xids)[organization_id]
        assert data == f'{{"election": {election.year}}}'

    # Storage order is not casting order (a random order matches it with a chance of 1
    # in 20!). Appending would have kept it.
    stored = [
        h for (h,) in _sql(f'SELECT receipt_hash FROM "{Ballot._meta.db_table}" ORDER BY ctid')
    ]
    casting = [hashlib.sha256(code.encode()).hexdigest() for code in receipts]
    assert sorted(stored) == sorted(casting) and stored != casting

    _assert_receipts_find_their_ballots(election, receipts)


@pytest.mark.django_db
def test_the_ballot_tables_reference_no_voter_time_or_sequence():
    ballot, vote = BALLOT_TABLES
    # Foreign keys, as the database enforces them: out of the ballot tables only to the
    # election, the ballot and the candidate; into them only from the votes.
    outgoing = _sql(
        "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid::regclass::text IN (%s, %s)",
        BALLOT_TABLES,
    )
    assert sorted(outgoing) == sorted(
        [
            (ballot, "community_election"),
            (vote, ballot),
            (vote, "community_candidate"),
        ]
    )
    incoming = _sql(
        "SELECT conrelid::regclass::text FROM pg_constraint "
        "WHERE contype = 'f' AND confrelid::regclass::text IN (%s, %s)",
        BALLOT_TABLES,
    )
    assert incoming == [(vote,)]
    # No time, no counter: column types, defaults, identity and generated columns.
    columns = _sql(
        "SELECT table_name, column_name, data_type, column_default, is_identity, is_generated "
        "FROM information_schema.columns WHERE table_name IN (%s, %s)",
        BALLOT_TABLES,
    )
    assert {(table, name) for table, name, *_rest in columns} == {
        (ballot, "id"),
        (ballot, "election_id"),
        (ballot, "receipt_hash"),
        (vote, "id"),
        (vote, "ballot_id"),
        (vote, "candidate_id"),
    }
    for table, name, data_type, default, identity, generated in columns:
        assert "time" not in data_type and "date" not in data_type and "interval" not in data_type
        assert default is None and identity == "NO" and generated == "NEVER", (table, name)
    assert not _sql(
        "SELECT 1 FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
        "WHERE d.refobjid::regclass::text IN (%s, %s)",
        BALLOT_TABLES,
    )
    # No trigger of our own could copy a ballot somewhere else or stamp it.
    assert not _sql(
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid::regclass::text "
        "IN (%s, %s)",
        BALLOT_TABLES,
    )


# In the test's transaction: a cast is then a savepoint, and what it leaves behind (rows,
# their transaction ids and places) shows just the same.
@pytest.mark.django_db
def test_a_failed_cast_leaves_the_ballot_tables_untouched(
    voting, election, gamma, dora, alpha, alice, monkeypatch
):
    services.ballot_cast(
        election=election, organization=gamma, choices={"it_vendor": [voting[0].pk]}, by=dora
    )
    services.ballot_cast(election=election, organization=alpha, choices={}, by=alice)

    def stored():
        return [_physical(table) for table in BALLOT_TABLES], BallotCast.objects.count()

    before = stored()
    with pytest.raises(DomainError) as refused:
        services.ballot_cast(
            election=election, organization=gamma, choices={"it_vendor": []}, by=dora
        )
    assert refused.value.code == "already_voted"
    # Same rows, same transaction ids, same places.
    assert stored() == before

    def broken(**kwargs):
        raise RuntimeError("the activity log is down")

    # The last write of a cast fails, after the ballot tables were rewritten.
    monkeypatch.setattr(elections_services, "activity_record", broken)
    with pytest.raises(RuntimeError):
        services.ballot_cast(
            election=election, organization=voting[1].organization, choices={}, by=voting[1].user
        )
    assert stored() == before


CONCURRENT = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_casts_keep_every_ballot(voting, election, office_user, monkeypatch):
    voters = _voters(CONCURRENT, office_user, monkeypatch)
    choices = [_choices(index, voting) for index in range(CONCURRENT)]

    def cast(organization, owner, chosen):
        return lambda: services.ballot_cast(
            election=election, organization=organization, choices=chosen, by=owner
        )

    outcomes = all_at_once(
        [cast(org, owner, chosen) for (org, owner), chosen in zip(voters, choices, strict=True)]
    )

    assert all("result" in o for o in outcomes), outcomes
    receipts = {o["result"]: chosen for o, chosen in zip(outcomes, choices, strict=True)}
    # Each rewrite read the ballots committed before it: none was dropped.
    assert Ballot.objects.filter(election=election).count() == CONCURRENT
    assert BallotCast.objects.filter(election=election).count() == CONCURRENT
    assert BallotVote.objects.count() == sum(len(c["it_vendor"]) for c in choices)
    _assert_receipts_find_their_ballots(election, receipts)
    # And the last of them wrote every ballot.
    (xid,) = set(_xids(Ballot._meta.db_table).values())
    assert xid in _xids(BallotCast._meta.db_table).values()


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_votes_give_exactly_one_ballot(
    voting, election, gamma, dora, alpha, alice, beta, charlie
):
    rounds = [(gamma, dora), (alpha, alice), (beta, charlie)]
    for organization, user in rounds:
        outcomes = all_at_once(
            [
                lambda organization=organization, user=user: services.ballot_cast(
                    election=election,
                    organization=organization,
                    choices={"it_vendor": [voting[0].pk]},
                    by=user,
                )
            ]
            * 2
        )
        receipts = [o["result"] for o in outcomes if "result" in o]
        errors = [o["error"] for o in outcomes if "error" in o]
        assert len(receipts) == 1, outcomes
        assert len(errors) == 1, outcomes
        assert isinstance(errors[0], DomainError) and errors[0].code == "already_voted"
        assert BallotCast.objects.filter(organization=organization).count() == 1
    assert Ballot.objects.count() == BallotCast.objects.count() == len(rounds)
    assert BallotVote.objects.count() == len(rounds)


def _clustered_on_primary_key(table) -> bool:
    ((clustered,),) = _sql(
        "SELECT i.indisclustered FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
        "WHERE t.relname = %s AND i.indisprimary",
        [table],
    )
    return bool(clustered)


def _relfilenode(table) -> int:
    ((node,),) = _sql("SELECT relfilenode FROM pg_class WHERE relname = %s", [table])
    return node


@pytest.mark.django_db(transaction=True)
def test_the_count_rewrites_the_ballot_tables_in_key_order(
    voting, election, gamma, dora, alpha, alice, office_user
):
    for organization, user in ((gamma, dora), (alpha, alice)):
        services.ballot_cast(
            election=election,
            organization=organization,
            choices={"it_vendor": [voting[0].pk]},
            by=user,
        )
    before = [_relfilenode(table) for table in BALLOT_TABLES]
    at_phase(election, "closed")
    services.election_tally(election=election, by=office_user)
    # The count rewrote both ballot tables (new files) in the order of their random keys.
    assert all(_clustered_on_primary_key(table) for table in BALLOT_TABLES)
    after = [_relfilenode(table) for table in BALLOT_TABLES]
    assert before[0] != after[0] and before[1] != after[1]
    keys = [key for (key,) in _sql(f'SELECT id FROM "{Ballot._meta.db_table}" ORDER BY ctid')]
    assert keys == sorted(keys)
