"""ProposalFactory writes what proposal_submit and proposal_transition write: at one frozen
instant the services build the proposal, its row and criteria are read and deleted, and the
factory builds it again; every column must match (the id aside). The activity log is the
services' alone."""

from datetime import UTC, datetime

import pytest
import time_machine

from community.models import Proposal, ProposalStatus
from community.services import proposals as services
from tests.community.factories import ProposalFactory

pytestmark = pytest.mark.django_db

INSTANT = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)
S = ProposalStatus
# Each trait: the moves of the Core Team after submitting.
TRAITS = {
    "submitted": [],
    "discussion": [S.DISCUSSION],
    "accepted": [S.DISCUSSION, S.ACCEPTED],
    "rejected": [S.DISCUSSION, S.REJECTED],
    "deferred": [S.DISCUSSION, S.DEFERRED],
}


def _state(proposal):
    proposal = Proposal.objects.get(pk=proposal.pk)
    return {
        "proposal": {
            f.attname: getattr(proposal, f.attname)
            for f in Proposal._meta.concrete_fields
            if f.attname != "id"
        },
        "criteria": sorted(proposal.criteria.values_list("pk", flat=True)),
    }


@pytest.mark.parametrize("trait", TRAITS)
def test_each_proposal_trait_is_what_the_services_leave(
    trait, core_team, alpha, alice, bob, catalogue
):
    criteria = list(catalogue.criteria.order_by("code")[:2])
    with time_machine.travel(INSTANT, tick=False):
        proposal = services.proposal_submit(
            organization=alpha,
            by=bob,
            kind="change",
            title="Clarify 2.1.1",
            rationale="It is ambiguous.",
            criteria=criteria,
        )
        for to in TRAITS[trait]:
            proposal = services.proposal_transition(
                proposal=proposal, to=to, by=alice, rationale="Because"
            )
        expected = _state(proposal)
        Proposal.objects.all().delete()
        decided = {"decided_by": alice} if trait in ("accepted", "rejected", "deferred") else {}
        built = _state(
            ProposalFactory(
                organization=alpha, submitted_by=bob, criteria=criteria, **decided, **{trait: True}
            )
        )

    assert built == expected
    assert built["proposal"]["status"] == trait and len(built["criteria"]) == 2


def test_the_owner_submits_by_default(alpha, alice):
    assert ProposalFactory(organization=alpha).submitted_by == alice
