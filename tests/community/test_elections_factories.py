"""ElectionFactory and CandidateFactory write what the election services write.

Frozen in time, the services build an election (created at INSTANT, each step at the start
of its window: nominations when they open, ballots when voting opens, the count and the
publication at INSTANT); its rows are read and deleted, and the factory builds it again at
INSTANT. Every column of the election, its candidates, records of voting, results, and the
content of its ballots must match (ids and receipt hashes aside: both are random). The
activity log and the mails are the services' alone.
"""

from datetime import UTC, datetime

import pytest
import time_machine

from community.models import (
    Ballot,
    BallotCast,
    BallotVote,
    Candidate,
    Election,
    ElectionResult,
    TieResolution,
)
from community.selectors.elections import is_core_team_member, published_core_team
from community.services import elections as services
from tests.community.factories import PHASE_OFFSETS, CandidateFactory, ElectionFactory

pytestmark = pytest.mark.django_db

INSTANT = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)
# Rows rebuilt by the factory: their ids and the ids pointing at them differ.
IDS = {"id", "election_id", "candidate_id", "ballot_id", "receipt_hash"}
# Each trait's window phase, and whether votes are counted / published.
PHASE_SHOWN = {
    "nominating": "nomination",
    "voting": "voting",
    "closed": "closed",
    "tallied": "closed",
    "published": "published",
}
TRAITS = {
    "nominating": ("nomination", False, False),
    "voting": ("voting", False, False),
    "closed": ("closed", False, False),
    "tallied": ("closed", True, False),
    "published": ("closed", True, True),
}


def _columns(row):
    return {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if f.attname not in IDS
    }


def _state(election):
    """Every column the portal could read of the election, its ballots by their content."""
    election = Election.objects.get(pk=election.pk)
    user_of = dict(Candidate.objects.filter(election=election).values_list("pk", "user_id"))
    return {
        "election": _columns(election),
        "candidates": [
            _columns(c) for c in Candidate.objects.filter(election=election).order_by("pk")
        ],
        "casts": [_columns(c) for c in BallotCast.objects.filter(election=election)],
        "ballots": sorted(
            sorted(user_of[v.candidate_id] for v in ballot.votes.all())
            for ballot in Ballot.objects.filter(election=election)
        ),
        "results": [
            {**_columns(r), "user_id": user_of[r.candidate_id]}
            for r in ElectionResult.objects.filter(election=election).order_by("pk")
        ],
        "tie_resolutions": TieResolution.objects.filter(election=election).count(),
    }


def _forget(election):
    BallotVote.objects.filter(ballot__election=election).delete()
    Ballot.objects.filter(election=election).delete()
    ElectionResult.objects.filter(election=election).delete()
    Candidate.objects.filter(election=election).delete()
    Election.objects.filter(pk=election.pk).delete()


def _through_the_services(trait, candidates, voters, office_user):
    phase, tallied, published = TRAITS[trait]
    opens, closes, voting_opens, voting_closes = (INSTANT + o for o in PHASE_OFFSETS[phase])
    with time_machine.travel(INSTANT, tick=False):
        election = services.election_create(
            year=INSTANT.year,
            title="",
            nomination_opens=opens,
            nomination_closes=closes,
            voting_opens=voting_opens,
            voting_closes=voting_closes,
            by=office_user,
        )
    ids = {}
    with time_machine.travel(opens, tick=False):
        for user, organization in candidates:
            candidate = services.candidate_nominate(
                election=election,
                nominating_organization=organization,
                candidate_user=user,
                candidate_organization=organization,
                by=user,
            )
            services.candidate_answer(candidate=candidate, accept=True, by=user)
            ids.setdefault(candidate.group, []).append(candidate.pk)
    if voters:
        with time_machine.travel(voting_opens, tick=False):
            for organization, user in voters:
                services.ballot_cast(
                    election=election, organization=organization, choices=ids, by=user
                )
    with time_machine.travel(INSTANT, tick=False):
        if tallied:
            services.election_tally(election=election, by=office_user)
        if published:
            services.results_publish(election=election, by=office_user)
    return election


@pytest.mark.parametrize("trait", TRAITS)
def test_each_election_trait_is_what_the_services_leave(
    trait,
    alpha_member,
    beta_member,
    gamma_member,
    alpha,
    beta,
    gamma,
    alice,
    charlie,
    dora,
    office_user,
):
    candidates = [(alice, alpha), (dora, gamma)]
    voters = [(beta, charlie), (gamma, dora)] if trait != "nominating" else []
    election = _through_the_services(trait, candidates, voters, office_user)
    expected = _state(election)
    _forget(election)
    with time_machine.travel(INSTANT, tick=False):
        built = ElectionFactory(
            created_by=office_user, candidates=candidates, voters=voters, **{trait: True}
        )
        assert services.phase(built) == PHASE_SHOWN[trait]
    state = _state(built)

    assert state == expected
    assert state["election"]["title"] == f"Core Team election {INSTANT.year}"
    assert len(state["candidates"]) == 2
    if TRAITS[trait][1]:
        assert (state["election"]["ballots_count"], state["election"]["eligible_count"]) == (2, 3)
        assert [r["elected"] for r in state["results"]] == [True, True]


def test_the_published_election_is_the_core_team(core_team, alice, bob, charlie):
    election, results = published_core_team()
    assert election == core_team
    assert [r.candidate.user for r in results] == [alice]
    assert is_core_team_member(alice)
    assert not is_core_team_member(bob) and not is_core_team_member(charlie)


def _nominated(election, alpha, alice, bob):
    return services.candidate_nominate(
        election=election,
        nominating_organization=alpha,
        candidate_user=bob,
        candidate_organization=alpha,
        by=alice,
    )


@pytest.mark.parametrize("trait", ["nominated", "accepted", "declined"])
def test_each_candidate_trait_is_what_the_services_leave(trait, alpha_member, alpha, alice, bob):
    with time_machine.travel(INSTANT, tick=False):
        election = ElectionFactory()
        candidate = services.candidate_nominate(
            election=election,
            nominating_organization=alpha,
            candidate_user=bob,
            candidate_organization=alpha,
            by=alice,
        )
        if trait != "nominated":
            services.candidate_answer(candidate=candidate, accept=trait == "accepted", by=bob)
        expected = [_columns(c) for c in Candidate.objects.all()]
        Candidate.objects.all().delete()
        CandidateFactory(
            election=election,
            user=bob,
            nominated_by_organization=alpha,
            nominated_by=alice,
            **{trait: True},
        )
        built = [_columns(c) for c in Candidate.objects.all()]

    assert built == expected
    assert built[0]["status"] == trait and built[0]["group"] == "it_vendor"


def test_a_candidate_of_a_non_member_organization_is_refused(election, catalogue, alpha, alice):
    with pytest.raises(ValueError, match="no community member"):
        CandidateFactory(election=election, user=alice, nominated_by_organization=alpha)


def test_more_candidates_than_seats_are_left_to_the_services(
    alpha_member, beta_member, alpha, beta, alice, bob, charlie
):
    with pytest.raises(ValueError, match="More candidates than seats"):
        ElectionFactory(
            tallied=True,
            seats_it_vendor=1,
            candidates=[(alice, alpha), (charlie, beta)],
        )


def test_no_ballots_before_voting_opens(alpha_member, beta_member, alpha, beta, alice, charlie):
    with pytest.raises(ValueError, match="once voting has opened"):
        ElectionFactory(candidates=[(alice, alpha)], voters=[(beta, charlie)])
