"""One election from nomination to published results, through the services."""

from community.models import Ballot, BallotCast
from community.selectors.elections import published_core_team
from community.services import elections as services
from tests.community.helpers import at_phase


def test_nominate_vote_tally_publish(
    election, alpha_member, beta_member, alpha, beta, alice, charlie, office_user
):
    own = services.candidate_nominate(
        election=election,
        nominating_organization=alpha,
        candidate_user=alice,
        candidate_organization=alpha,
        by=alice,
    )
    services.candidate_answer(candidate=own, accept=True, by=alice)
    at_phase(election, "voting")
    receipt = services.ballot_cast(
        election=election, organization=beta, choices={"it_vendor": [own.pk]}, by=charlie
    )
    assert BallotCast.objects.count() == Ballot.objects.count() == 1
    assert services.ballot_for_receipt(election, receipt) is not None
    at_phase(election, "closed")
    results = services.election_tally(election=election, by=office_user)
    assert [(r.candidate_id, r.votes, r.elected) for r in results["it_vendor"]] == [
        (own.pk, 1, True)
    ]
    services.results_publish(election=election, by=office_user)
    _election, core = published_core_team()
    assert [r.candidate.user for r in core] == [alice]
