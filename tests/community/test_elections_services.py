"""Every rule of the Core Team election, through the services: nomination, answers,
voting, the secrecy of the ballot, tallying with ties, tie resolution and publishing."""

import hashlib
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import ForeignKey
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from community.models import (
    Ballot,
    BallotCast,
    BallotVote,
    Candidate,
    CandidateStatus,
    Election,
    ElectionResult,
    TieResolution,
)
from community.selectors.elections import published_core_team
from community.services import elections as elections_services
from community.services import elections as services
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError
from cpo_portal.guards import require_office
from cpo_portal.tenancy.services import organization_create
from tests.community.factories import CandidateFactory
from tests.community.helpers import at_phase, member
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def entries(**lookup):
    with scopes_disabled():
        return list(ActivityEntry.objects.filter(**lookup))


def nominate(election, org, user, by, candidate_org=None):
    return services.candidate_nominate(
        election=election,
        nominating_organization=org,
        candidate_user=user,
        candidate_organization=candidate_org or org,
        by=by,
    )


def refused(code=None):
    """pytest.raises for a DomainError, optionally with its code."""
    return pytest.raises(DomainError) if code is None else _Raises(code)


class _Raises:
    def __init__(self, code):
        self.code = code
        self.inner = pytest.raises(DomainError)

    def __enter__(self):
        self.info = self.inner.__enter__()
        return self.info

    def __exit__(self, *exc):
        result = self.inner.__exit__(*exc)
        assert self.info.value.code == self.code, self.info.value
        return result


@pytest.fixture
def outsider_org(charlie):
    """An organization that has not signed and is no community member."""
    return organization_create(by=charlie, legal_name="Delta", country="DE")


# --- Nomination -------------------------------------------------------------------------


def test_self_nomination_and_nominating_another_member_of_the_group(
    election, alpha_member, beta_member, alpha, beta, alice, charlie
):
    own = nominate(election, alpha, alice, alice)
    other = nominate(election, alpha, charlie, alice, candidate_org=beta)
    assert (own.group, own.status) == ("it_vendor", CandidateStatus.NOMINATED)
    assert (other.organization, other.nominated_by_organization) == (beta, alpha)
    assert len(entries(verb="election.nominated")) == 2


def test_nominating_across_groups_is_refused(
    election, alpha_member, gamma_member, alpha, gamma, alice, dora
):
    with refused("other_group"):
        nominate(election, alpha, dora, alice, candidate_org=gamma)
    assert not Candidate.objects.exists()


def test_a_non_member_organization_cannot_nominate(election, outsider_org, charlie):
    with refused("not_community_member"):
        nominate(election, outsider_org, charlie, charlie)
    assert not Candidate.objects.exists()


def test_a_person_of_a_non_member_organization_cannot_be_nominated(
    election, alpha_member, alpha, alice, outsider_org, charlie
):
    with refused():
        nominate(election, alpha, charlie, alice, candidate_org=outsider_org)
    assert not Candidate.objects.exists()


def test_the_person_must_belong_to_the_organization(
    election, alpha_member, beta_member, alpha, beta, alice, charlie
):
    with refused():
        nominate(election, alpha, alice, alice, candidate_org=beta)
    with refused():
        nominate(election, alpha, charlie, alice, candidate_org=alpha)
    assert not Candidate.objects.exists()


@pytest.mark.parametrize("phase", ["voting", "closed"])
def test_nominating_outside_the_window_is_refused(election, alpha_member, alpha, alice, phase):
    at_phase(election, phase)
    with refused("window"):
        nominate(election, alpha, alice, alice)


def test_nominating_before_the_window_is_refused(election, alpha_member, alpha, alice):
    Election.objects.filter(pk=election.pk).update(
        nomination_opens=timezone.now() + timedelta(hours=1)
    )
    election.refresh_from_db()
    with refused("window"):
        nominate(election, alpha, alice, alice)


def test_a_duplicate_nomination_is_refused(
    election, alpha_member, beta_member, alpha, beta, alice, charlie
):
    nominate(election, alpha, alice, alice)
    with refused():
        nominate(election, beta, alice, charlie, candidate_org=alpha)
    assert Candidate.objects.count() == 1


def test_a_plain_member_cannot_nominate(election, alpha_member, alpha, bob):
    with refused():
        nominate(election, alpha, bob, bob)
    assert not Candidate.objects.exists()


def test_only_the_nominee_answers(election, alpha_member, alpha, alice, bob, charlie, office_user):
    candidate = nominate(election, alpha, bob, alice)
    for intruder in (alice, charlie, office_user):
        with refused():
            services.candidate_answer(candidate=candidate, accept=True, by=intruder)
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.NOMINATED
    services.candidate_answer(candidate=candidate, accept=True, by=bob, statement="Openness!")
    candidate.refresh_from_db()
    assert (candidate.status, candidate.statement) == (CandidateStatus.ACCEPTED, "Openness!")
    services.candidate_answer(candidate=candidate, accept=False, by=bob)
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.DECLINED
    assert candidate.statement == "Openness!"  # an empty statement keeps the old one


def test_answering_after_nominations_close_is_refused(election, alpha_member, alpha, alice):
    candidate = nominate(election, alpha, alice, alice)
    at_phase(election, "voting")
    with refused("window"):
        services.candidate_answer(candidate=candidate, accept=True, by=alice)


# --- Voting -----------------------------------------------------------------------------


def cast(election, org, by, **choices):
    return services.ballot_cast(election=election, organization=org, choices=choices, by=by)


def nothing_written():
    return BallotCast.objects.count() == Ballot.objects.count() == BallotVote.objects.count() == 0


@pytest.fixture
def voting(election, alpha_member, beta_member, gamma_member, alpha, beta, gamma, alice, bob):
    """alice accepted her nomination, bob (nominated by alice) declined; voting is open."""
    a = CandidateFactory(
        election=election, user=alice, nominated_by_organization=alpha, accepted=True
    )
    declined = CandidateFactory(
        election=election,
        user=bob,
        nominated_by_organization=alpha,
        nominated_by=alice,
        declined=True,
    )
    at_phase(election, "voting")
    return {"alice": a, "declined": declined}


def test_a_member_organization_casts_one_ballot(voting, election, gamma, dora):
    code = cast(election, gamma, dora, it_vendor=[voting["alice"].pk])
    assert len(code) == 19 and code.count("-") == 3
    assert BallotCast.objects.filter(organization=gamma).count() == 1
    (ballot,) = Ballot.objects.all()
    assert [v.candidate_id for v in ballot.votes.all()] == [voting["alice"].pk]
    assert services.ballot_for_receipt(election, code.lower()) == ballot


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: code.replace("-", ""),  # without dashes
        lambda code: code.replace("-", " "),  # groups separated by spaces
        lambda code: code.replace("-", "").lower(),  # lower case, one block
        lambda code: f"  {code.lower().replace('-', ' - ')}\n",  # as copied from a mail
        lambda code: code.replace("-", "–"),  # dashes turned into en dashes by a word processor
        lambda code: " ".join(code.replace("-", "")),  # every character spaced out
    ],
    ids=["no-dashes", "spaces", "lower-block", "copied", "en-dashes", "spaced-out"],
)
def test_a_receipt_code_is_found_however_it_is_typed(voting, election, gamma, dora, typed):
    code = cast(election, gamma, dora, it_vendor=[voting["alice"].pk])
    (ballot,) = Ballot.objects.all()
    assert services.ballot_for_receipt(election, typed(code)) == ballot


@pytest.mark.parametrize(
    "wrong",
    ["", "   ", "----", "0000-0000-0000-0000", "1A2B-3C4D-5E6F", "ZZZZ-ZZZZ-ZZZZ-ZZZZ"],
)
def test_a_wrong_or_incomplete_receipt_code_finds_nothing(voting, election, gamma, dora, wrong):
    code = cast(election, gamma, dora, it_vendor=[voting["alice"].pk])
    assert services.ballot_for_receipt(election, wrong) is None
    assert services.ballot_for_receipt(election, code[:-1]) is None
    assert services.ballot_for_receipt(election, code + "0") is None


def test_an_empty_ballot_is_a_ballot(voting, election, gamma, dora):
    cast(election, gamma, dora)
    assert Ballot.objects.count() == 1 and BallotVote.objects.count() == 0


def test_voting_twice_is_refused(voting, election, gamma, dora):
    cast(election, gamma, dora, it_vendor=[voting["alice"].pk])
    with refused("already_voted"):
        cast(election, gamma, dora, it_vendor=[])
    assert BallotCast.objects.count() == Ballot.objects.count() == 1


def test_too_many_votes_for_a_group_are_refused(voting, election, beta, charlie, gamma, dora):
    b = CandidateFactory(
        election=election, user=charlie, nominated_by_organization=beta, accepted=True
    )
    Election.objects.filter(pk=election.pk).update(seats_it_vendor=1)
    election.refresh_from_db()
    with refused("too_many"):
        cast(election, gamma, dora, it_vendor=[voting["alice"].pk, b.pk])
    assert nothing_written()
    # The same candidate twice is one approval, not two.
    cast(election, gamma, dora, it_vendor=[b.pk, b.pk])
    assert BallotVote.objects.count() == 1


def test_a_candidate_of_another_election_is_refused(
    voting, election, office_user, alpha, alice, gamma, dora
):
    now = timezone.now()
    later = services.election_create(
        year=election.year + 1,
        title="",
        nomination_opens=now - timedelta(days=1),
        nomination_closes=now + timedelta(days=1),
        voting_opens=now + timedelta(days=2),
        voting_closes=now + timedelta(days=3),
        by=office_user,
    )
    foreign = Candidate.objects.create(
        election=later,
        group="it_vendor",
        user=UserFactory(),
        organization=alpha,
        nominated_by_organization=alpha,
        status=CandidateStatus.ACCEPTED,
    )
    with refused("unknown_candidate"):
        cast(election, gamma, dora, it_vendor=[foreign.pk])
    assert nothing_written()


def test_declined_and_unanswered_candidates_are_not_on_the_ballot(
    voting, election, alpha, gamma, dora
):
    pending = Candidate.objects.create(
        election=election,
        group="it_vendor",
        user=UserFactory(),
        organization=alpha,
        nominated_by_organization=alpha,
    )
    for candidate in (voting["declined"], pending):
        with refused("unknown_candidate"):
            cast(election, gamma, dora, it_vendor=[candidate.pk])
    assert nothing_written()


def test_a_candidate_under_the_wrong_group_or_garbage_is_refused(voting, election, gamma, dora):
    with refused("unknown_candidate"):
        cast(election, gamma, dora, it_customer=[voting["alice"].pk])
    with refused():
        cast(election, gamma, dora, it_vendor=["x"])
    with refused():
        cast(election, gamma, dora, nonsense=[voting["alice"].pk])
    assert nothing_written()


@pytest.mark.parametrize("phase", ["nomination", "closed"])
def test_voting_outside_the_window_is_refused(voting, election, gamma, dora, phase):
    at_phase(election, phase)
    with refused("window"):
        cast(election, gamma, dora, it_vendor=[voting["alice"].pk])
    assert nothing_written()


def test_a_non_member_organization_cannot_vote(voting, election, outsider_org, charlie):
    with refused("not_community_member"):
        cast(election, outsider_org, charlie, it_vendor=[voting["alice"].pk])
    assert nothing_written()


def test_a_lapsed_member_cannot_vote(voting, election, gamma, dora):

    from community.models import AssociationMembership

    with scopes_disabled():
        AssociationMembership.objects.filter(organization=gamma).update(
            valid_until=timezone.localdate() - timedelta(days=1)
        )
    with refused("not_community_member"):
        cast(election, gamma, dora, it_vendor=[voting["alice"].pk])


def test_a_plain_member_cannot_vote(voting, election, alpha, bob):
    with refused():
        cast(election, alpha, bob, it_vendor=[voting["alice"].pk])
    assert nothing_written()


def test_an_outsider_cannot_vote_for_an_organization(voting, election, gamma, charlie):
    with refused():
        cast(election, gamma, charlie, it_vendor=[voting["alice"].pk])
    assert nothing_written()


# --- Secrecy ----------------------------------------------------------------------------

# No column name may contain one of these words (split at underscores).
FORBIDDEN = {"organization", "org", "user", "cast", "time", "at", "date", "created", "by", "voter"}


def _columns(model):
    with connection.cursor() as cursor:
        return [
            c.name
            for c in connection.introspection.get_table_description(cursor, model._meta.db_table)
        ]


@pytest.mark.parametrize(
    ("model", "fields"),
    [(Ballot, {"id", "election", "receipt_hash"}), (BallotVote, {"id", "ballot", "candidate"})],
)
def test_ballot_tables_hold_nothing_about_who_or_when(model, fields):
    assert {f.name for f in model._meta.concrete_fields} == fields
    assert model._meta.pk.get_internal_type() == "UUIDField"
    for field in model._meta.concrete_fields:
        assert field.get_internal_type() not in ("DateTimeField", "DateField", "TimeField")
        if isinstance(field, ForeignKey):
            assert field.related_model._meta.label in (
                "community.Election",
                "community.Ballot",
                "community.Candidate",
            )
    columns = _columns(model)
    assert set(columns) == {f.column for f in model._meta.concrete_fields}
    for column in columns:
        assert not FORBIDDEN & set(column.split("_")), column


def test_the_record_of_voting_does_not_point_at_a_ballot():
    related = {
        f.related_model._meta.label
        for f in BallotCast._meta.concrete_fields
        if isinstance(f, ForeignKey)
    }
    assert related == {"community.Election", "tenancy.Organization", "accounts.User"}
    assert not any("ballot" in c or "receipt" in c for c in _columns(BallotCast))


def test_rows_of_a_cast_do_not_link_to_the_organization(voting, election, gamma, dora):
    code = cast(election, gamma, dora, it_vendor=[voting["alice"].pk])
    (ballot,) = Ballot.objects.values()
    (vote,) = BallotVote.objects.values()
    (record,) = BallotCast.objects.values()
    # Random keys, and nothing of the record of voting appears in the ballot's rows.
    assert str(ballot["id"]) != str(record["id"]) and ballot["id"].version == 4
    assert vote["id"].version == 4
    values = {str(v) for row in (ballot, vote) for v in row.values()}
    assert str(gamma.pk) not in values - {str(election.pk), str(voting["alice"].pk)}
    assert str(dora.pk) not in values - {str(election.pk), str(voting["alice"].pk)}
    # Only the hash of the receipt code is stored.
    assert code not in json.dumps(ballot, default=str)


def test_the_activity_log_records_only_that_the_organization_voted(voting, election, gamma, dora):
    cast(election, gamma, dora, it_vendor=[voting["alice"].pk])
    (entry,) = entries(verb="election.voted")
    assert entry.data == {"election": election.year}
    assert entry.target_id in (None, "")
    text = json.dumps(entry.data) + (entry.target_repr or "")
    assert str(voting["alice"].pk) not in text.replace(str(election.year), "")
    assert "alice" not in text.lower() and "candidate" not in text.lower()
    # No entry of any verb points at a ballot or a vote.
    assert not entries(target_type__model__in=["ballot", "ballotvote"])


def _member_voters(count, office_user):
    """`count` community member organizations (IT customers), each with its owner."""
    voters = []
    for index in range(count):
        owner = UserFactory(email=f"voter{index}@example.org")
        organization = organization_create(by=owner, legal_name=f"Voter {index}", country="DE")
        member(organization, owner, office_user, group="it_customer")
        voters.append((organization, owner))
    return voters


def _stored_order(model=Ballot):
    """The rows of a ballot table as the database keeps them: (position, key, receipt or
    candidate). The position is the row's address (PostgreSQL) or its rowid (SQLite), which
    follow the order of insertion on a table that only grows."""
    position = {"postgresql": "ctid", "sqlite": "rowid"}[connection.vendor]
    other = "receipt_hash" if model is Ballot else "candidate_id"
    with connection.cursor() as cursor:
        # Fixed table and column names.
        cursor.execute(
            f'SELECT {position}, id, {other} FROM "{model._meta.db_table}" ORDER BY {position}'
        )
        return [tuple(str(value) for value in row) for row in cursor.fetchall()]


def _digest(code):
    return hashlib.sha256(code.encode()).hexdigest()


# Twenty casts: a random order equals the casting order with a chance of 1 in 20!, so a
# failure is a leak, not bad luck. (This is the SQLite proof; on PostgreSQL, where freed
# space may be reused, tests/integration/test_community_postgresql.py reads a fresh table.)
ORDERED_CASTS = 20


def test_the_stored_order_of_ballots_is_not_the_order_of_voting(voting, election, office_user):
    candidate = voting["alice"]
    receipts = []
    newest_last = []
    for organization, owner in _member_voters(ORDERED_CASTS, office_user):
        receipts.append(cast(election, organization, owner, it_vendor=[candidate.pk]))
        stored = [receipt for _position, _key, receipt in _stored_order()]
        newest_last.append(stored[-1] == _digest(receipts[-1]))
    stored = [receipt for _position, _key, receipt in _stored_order()]
    assert sorted(stored) == sorted(_digest(code) for code in receipts)
    # Appending would put every new ballot last and keep the casting order.
    assert stored != [_digest(code) for code in receipts]
    assert not all(newest_last)


def test_every_receipt_finds_its_ballot_after_the_rewrites(
    voting, election, alpha, alice, beta, charlie, gamma, dora
):
    b = CandidateFactory(
        election=election, user=charlie, nominated_by_organization=beta, accepted=True
    )
    a = voting["alice"]
    choices = {
        cast(election, gamma, dora, it_vendor=[a.pk]): [a.pk],
        cast(election, alpha, alice, it_vendor=[a.pk, b.pk]): [a.pk, b.pk],
        cast(election, beta, charlie): [],
    }
    assert Ballot.objects.count() == 3 and BallotVote.objects.count() == 3
    for code, chosen in choices.items():
        ballot = services.ballot_for_receipt(election, code)
        assert ballot is not None
        assert sorted(v.candidate_id for v in ballot.votes.all()) == sorted(chosen)


def test_a_refused_double_vote_leaves_the_ballots_as_they_were(
    voting, election, gamma, dora, alpha, alice
):
    cast(election, gamma, dora, it_vendor=[voting["alice"].pk])
    cast(election, alpha, alice)
    before = (_stored_order(Ballot), _stored_order(BallotVote), BallotCast.objects.count())
    with refused("already_voted"):
        cast(election, gamma, dora, it_vendor=[])
    assert (_stored_order(Ballot), _stored_order(BallotVote), BallotCast.objects.count()) == before


def test_a_cast_that_fails_midway_writes_nothing(
    voting, election, gamma, dora, alpha, alice, monkeypatch
):
    cast(election, gamma, dora, it_vendor=[voting["alice"].pk])
    before = (_stored_order(Ballot), _stored_order(BallotVote), BallotCast.objects.count())

    def broken(**kwargs):
        raise RuntimeError("the activity log is down")

    # The last write of a cast fails, after the ballots were rewritten.
    monkeypatch.setattr(elections_services, "activity_record", broken)
    with pytest.raises(RuntimeError):
        cast(election, alpha, alice, it_vendor=[voting["alice"].pk])
    assert (_stored_order(Ballot), _stored_order(BallotVote), BallotCast.objects.count()) == before
    assert not BallotCast.objects.filter(organization=alpha).exists()


# --- Tallying ---------------------------------------------------------------------------


def _vote(election, counts):
    """Candidates of the vendor group with `counts` votes each (ballots written directly)."""
    organization = organization_create(by=UserFactory(), legal_name="Candidates", country="DE")
    candidates = [
        Candidate.objects.create(
            election=election,
            group="it_vendor",
            user=UserFactory(full_name=f"Candidate {index}"),
            organization=organization,
            nominated_by_organization=organization,
            status=CandidateStatus.ACCEPTED,
        )
        for index in range(len(counts))
    ]
    for round_ in range(max(counts, default=0)):
        ballot = Ballot.objects.create(election=election, receipt_hash=f"{election.pk}-{round_}")
        BallotVote.objects.bulk_create(
            BallotVote(ballot=ballot, candidate=c)
            for c, n in zip(candidates, counts, strict=True)
            if n > round_
        )
    return candidates


TALLY_TABLES = {
    # name: (seats, votes per candidate, elected, tie, ranks)
    "clear winners": (2, [5, 3, 1], [1, 1, 0], [0, 0, 0], [1, 2, 3]),
    "tie across the last seat": (2, [5, 3, 3, 1], [1, 0, 0, 0], [0, 1, 1, 0], [1, 2, 2, 4]),
    "tie across the only seat": (1, [2, 2, 1], [0, 0, 0], [1, 1, 0], [1, 1, 3]),
    "tie above the cut": (2, [4, 4, 1], [1, 1, 0], [0, 0, 0], [1, 1, 3]),
    "tie above and across": (3, [4, 4, 2, 2], [1, 1, 0, 0], [0, 0, 1, 1], [1, 1, 3, 3]),
    "fewer candidates than seats": (3, [2, 0], [1, 1], [0, 0], [1, 2]),
    "as many candidates as seats": (2, [0, 0], [1, 1], [0, 0], [1, 1]),
    "nobody voted": (1, [0, 0], [0, 0], [1, 1], [1, 1]),
}


@pytest.mark.parametrize("name", TALLY_TABLES)
def test_tally_table(election, office_user, name):
    seats, counts, elected, tie, ranks = TALLY_TABLES[name]
    Election.objects.filter(pk=election.pk).update(seats_it_vendor=seats)
    election.refresh_from_db()
    candidates = _vote(election, counts)
    at_phase(election, "closed")
    results = services.election_tally(election=election, by=office_user)
    by_candidate = {r.candidate_id: r for r in results["it_vendor"]}
    got = [by_candidate[c.pk] for c in candidates]
    assert [r.votes for r in got] == counts
    assert [int(r.elected) for r in got] == elected
    assert [int(r.tie) for r in got] == tie
    assert [r.rank for r in got] == ranks
    assert results["it_customer"] == results["it_service_provider"] == []


def test_tally_only_after_voting_closes_and_only_by_the_office(election, office_user, alice):
    for phase in ("nomination", "voting"):
        at_phase(election, phase)
        with refused():
            services.election_tally(election=election, by=office_user)
    at_phase(election, "closed")
    with refused():
        services.election_tally(election=election, by=alice)
    assert not ElectionResult.objects.exists()


def test_tally_records_turnout(voting, election, gamma, dora, office_user):
    cast(election, gamma, dora, it_vendor=[voting["alice"].pk])
    at_phase(election, "closed")
    services.election_tally(election=election, by=office_user)
    election.refresh_from_db()
    assert (election.ballots_count, election.eligible_count) == (1, 3)
    assert election.tallied_at is not None


def _tally_queries(election, office_user):
    with CaptureQueriesContext(connection) as queries:
        services.election_tally(election=election, by=office_user)
    return [q["sql"] for q in queries.captured_queries]


def test_tally_is_one_query_per_group_whatever_the_number_of_ballots(
    election, office_user, django_assert_num_queries
):
    # Every group has candidates, so each writes its results.
    Election.objects.filter(pk=election.pk).update(
        seats_it_customer=1, seats_it_vendor=1, seats_it_service_provider=1
    )
    election.refresh_from_db()
    candidates = _vote(election, [3, 1])
    for group in ("it_customer", "it_service_provider"):
        Candidate.objects.create(
            election=election,
            group=group,
            user=UserFactory(),
            organization=candidates[0].organization,
            nominated_by_organization=candidates[0].organization,
            status=CandidateStatus.ACCEPTED,
        )
    at_phase(election, "closed")
    # The office's permissions are read once and then cached on the user: not per ballot.
    require_office(office_user)
    few = _tally_queries(election, office_user)
    for index in range(40):
        ballot = Ballot.objects.create(election=election, receipt_hash=f"more-{index}")
        BallotVote.objects.create(ballot=ballot, candidate=candidates[index % 2])
    many = _tally_queries(election, office_user)
    assert len(few) == len(many)
    counting = [sql for sql in many if "COUNT(" in sql.upper() and "community_ballotvote" in sql]
    assert len(counting) == 3  # one per group
    # The fixed overhead, whatever the number of ballots: the savepoint and its release
    # (the test runs in a transaction), lock the election, delete old results, look for
    # old tie resolutions, (on PostgreSQL: deferred checks now, CLUSTER of the two ballot
    # tables), eligible organizations, ballots cast, save the election, the activity log.
    fixed = 2 + 1 + 1 + 1 + (3 if connection.vendor == "postgresql" else 0) + 1 + 1 + 1 + 1
    # Per group: one count and one bulk insert of its results.
    with django_assert_num_queries(fixed + 3 + 3):
        services.election_tally(election=election, by=office_user)


# --- Ties and publishing ----------------------------------------------------------------


@pytest.fixture
def tied(election, office_user):
    Election.objects.filter(pk=election.pk).update(seats_it_vendor=2)
    election.refresh_from_db()
    candidates = _vote(election, [5, 3, 3, 3])
    at_phase(election, "closed")
    services.election_tally(election=election, by=office_user)
    election.refresh_from_db()
    return candidates


def test_publishing_is_blocked_while_a_tie_is_unresolved(tied, election, office_user):
    with refused("unresolved_tie"):
        services.results_publish(election=election, by=office_user)
    election.refresh_from_db()
    assert election.results_published_at is None


def test_tie_resolution_rules(tied, election, office_user, alice):
    winner, t1, t2, t3 = tied
    resolve = services.tie_resolve
    with refused():  # not the office
        resolve(election=election, group="it_vendor", elected_ids=[t1.pk], note="Lot", by=alice)
    with refused():  # a note is required
        resolve(election=election, group="it_vendor", elected_ids=[t1.pk], note=" ", by=office_user)
    with refused("tie_choice"):  # too many for the one remaining seat
        resolve(
            election=election,
            group="it_vendor",
            elected_ids=[t1.pk, t2.pk],
            note="Lot",
            by=office_user,
        )
    with refused("tie_choice"):  # not one of the tied
        resolve(
            election=election,
            group="it_vendor",
            elected_ids=[winner.pk],
            note="Lot",
            by=office_user,
        )
    with refused("tie_choice"):  # none
        resolve(election=election, group="it_vendor", elected_ids=[], note="Lot", by=office_user)
    with refused():  # no tie there
        resolve(
            election=election, group="it_customer", elected_ids=[t1.pk], note="Lot", by=office_user
        )
    assert not TieResolution.objects.exists()

    resolve(election=election, group="it_vendor", elected_ids=[t2.pk], note="Lot", by=office_user)
    # Corrected before publishing: the earlier choice does not use up the seat.
    resolve(
        election=election,
        group="it_vendor",
        elected_ids=[str(t3.pk)],
        note="Drawn by lot, witnessed",
        by=office_user,
    )
    (resolution,) = TieResolution.objects.all()
    assert [c.pk for c in resolution.elected.all()] == [t3.pk]
    elected = set(
        ElectionResult.objects.filter(elected=True).values_list("candidate_id", flat=True)
    )
    assert elected == {winner.pk, t3.pk}

    services.results_publish(election=election, by=office_user)
    _election, core = published_core_team()
    assert {r.candidate_id for r in core} == {winner.pk, t3.pk}
    with refused():  # after publishing
        resolve(election=election, group="it_vendor", elected_ids=[t1.pk], note="x", by=office_user)
    with refused():
        services.results_publish(election=election, by=office_user)
    with refused():
        services.election_tally(election=election, by=office_user)


def test_ties_are_resolved_only_after_tallying(election, office_user):
    at_phase(election, "closed")
    with refused():
        services.tie_resolve(
            election=election, group="it_vendor", elected_ids=[], note="Lot", by=office_user
        )


def test_counting_again_drops_the_tie_resolution(tied, election, office_user):
    services.tie_resolve(
        election=election, group="it_vendor", elected_ids=[tied[1].pk], note="Lot", by=office_user
    )
    services.election_tally(election=election, by=office_user)
    assert not TieResolution.objects.exists()
    with refused("unresolved_tie"):
        services.results_publish(election=election, by=office_user)


def test_publishing_needs_a_count(election, office_user):
    at_phase(election, "closed")
    with refused():
        services.results_publish(election=election, by=office_user)


def test_election_create_rules(office_user, alice):
    now = timezone.now()
    day = timedelta(days=1)
    windows = {
        "nomination_opens": now,
        "nomination_closes": now + day,
        "voting_opens": now + 2 * day,
        "voting_closes": now + 3 * day,
    }
    with refused():
        services.election_create(year=2031, title="", by=alice, **windows)
    with refused():
        services.election_create(
            year=2031, title="", by=office_user, **{**windows, "voting_opens": now}
        )
    with refused():
        services.election_create(
            year=2031, title="", by=office_user, seats={"it_vendor": 0}, **windows
        )
    election = services.election_create(year=2031, title="", by=office_user, **windows)
    assert (election.seats_it_customer, election.seats_it_vendor) == (4, 5)
    assert election.seats_it_service_provider == 3
    with refused():
        services.election_create(year=2031, title="", by=office_user, **windows)
