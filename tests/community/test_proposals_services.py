"""Proposals: who may submit, comment and move them; every edge of the state machine;
refusals write nothing."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django_scopes import scopes_disabled

from community.models import PROPOSAL_EDGES, Proposal, ProposalComment, ProposalStatus
from community.selectors.proposals import accepted_proposals_for_next_version
from community.services import proposals as services
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError, TransitionNotAllowed
from criteria.demo import demo_catalogue_data
from criteria.services.catalogue import catalogue_create_draft, catalogue_import
from tests.community.factories import ProposalFactory

S = ProposalStatus


def _activity(**lookup):
    with scopes_disabled():
        return ActivityEntry.objects.filter(**lookup).count()


def _submit(organization, by, **extra):
    fields = {"kind": "change", "title": "Clarify 2.1.1", "rationale": "It is ambiguous."}
    return services.proposal_submit(organization=organization, by=by, **{**fields, **extra})


@pytest.fixture
def proposal(alpha_member, alpha, bob):
    """Submitted by bob (a plain member of Alpha), as _submit would."""
    return ProposalFactory(organization=alpha, submitted_by=bob)


# --- Submitting ---------------------------------------------------------------------------


def test_any_person_of_a_community_member_organization_submits(
    alpha_member, alpha, alice, bob, catalogue
):
    criteria = list(catalogue.criteria.order_by("code")[:2])
    by_owner = _submit(alpha, alice, criteria=criteria)
    by_member = _submit(alpha, bob, kind="editorial")
    assert by_owner.status == by_member.status == S.SUBMITTED
    assert sorted(c.code for c in by_owner.criteria.all()) == ["2.1.1", "2.1.2"]
    assert _activity(verb="proposal.submitted", organization=alpha) == 2


@pytest.mark.parametrize(
    "case",
    [
        "not_community_member",
        "not_a_member_of_the_org",
        "anonymous",
        "draft_criterion",
        "kind",
        "empty_title",
    ],
)
def test_refused_submissions_write_nothing(
    case, catalogue, alpha_member, alpha, alice, charlie, stranger, stranger_org
):
    organization, by, extra = alpha, alice, {}
    if case == "not_community_member":
        organization, by = stranger_org, stranger
    elif case == "not_a_member_of_the_org":
        by = charlie
    elif case == "anonymous":
        by = AnonymousUser()
    elif case == "draft_criterion":
        draft = catalogue_create_draft(source=catalogue, code="t-2", by=None)
        extra = {"criteria": list(draft.criteria.all()[:1])}
    elif case == "kind":
        extra = {"kind": "bogus"}
    elif case == "empty_title":
        extra = {"title": "   "}
    before = _activity()
    with pytest.raises(ValidationError):
        _submit(organization, by, **extra)
    assert not Proposal.objects.exists()
    assert _activity() == before


def test_a_lapsed_membership_ends_the_right_to_submit(alpha_member, alpha, alice):
    from community.models import AssociationMembership

    with scopes_disabled():
        AssociationMembership.objects.filter(organization=alpha).update(status="lapsed")
    with pytest.raises(DomainError):
        _submit(alpha, alice)
    assert not Proposal.objects.exists()


# --- Comments -----------------------------------------------------------------------------


def test_community_members_comment_outsiders_do_not(
    proposal, beta_member, beta, charlie, stranger, stranger_org, alpha
):
    comment = services.proposal_comment(
        proposal=proposal, organization=beta, by=charlie, body=" Agreed. "
    )
    assert comment.body == "Agreed." and comment.organization == beta
    for organization, by in ((stranger_org, stranger), (alpha, charlie)):
        with pytest.raises(DomainError):
            services.proposal_comment(proposal=proposal, organization=organization, by=by, body="x")
    with pytest.raises(ValidationError):
        services.proposal_comment(proposal=proposal, organization=beta, by=charlie, body="  ")
    assert ProposalComment.objects.count() == 1
    assert _activity(verb="proposal.commented") == 1


def test_the_discussion_closes_with_the_decision(proposal, core_team, alice, alpha):
    services.proposal_transition(proposal=proposal, to=S.DISCUSSION, by=alice)
    services.proposal_transition(
        proposal=proposal, to=S.REJECTED, by=alice, rationale="Out of scope"
    )
    with pytest.raises(DomainError):
        services.proposal_comment(proposal=proposal, organization=alpha, by=alice, body="Late")
    assert not ProposalComment.objects.exists()


# --- Transitions --------------------------------------------------------------------------


def test_only_the_core_team_moves_proposals(proposal, core_team, bob, charlie, office_user):
    before = _activity()
    for user in (bob, charlie, office_user):
        with pytest.raises(DomainError):
            services.proposal_transition(proposal=proposal, to=S.DISCUSSION, by=user)
    proposal.refresh_from_db()
    assert proposal.status == S.SUBMITTED
    assert _activity() == before


def test_every_edge_of_the_state_machine(proposal, core_team, alice):
    allowed = {
        (S.SUBMITTED, S.DISCUSSION),
        (S.DISCUSSION, S.ACCEPTED),
        (S.DISCUSSION, S.REJECTED),
        (S.DISCUSSION, S.DEFERRED),
        (S.DEFERRED, S.DISCUSSION),
    }
    assert {(a, b) for a, targets in PROPOSAL_EDGES.items() for b in targets} == allowed
    for before in S.values:
        for after in [*S.values, "bogus"]:
            Proposal.objects.filter(pk=proposal.pk).update(status=before, decision_rationale="")
            proposal.refresh_from_db()
            entries = _activity(verb="proposal.moved")
            if (before, after) in allowed:
                moved = services.proposal_transition(
                    proposal=proposal, to=after, by=alice, rationale="Because"
                )
                assert moved.status == after
                assert _activity(verb="proposal.moved") == entries + 1
            else:
                with pytest.raises(TransitionNotAllowed):
                    services.proposal_transition(
                        proposal=proposal, to=after, by=alice, rationale="Because"
                    )
                proposal.refresh_from_db()
                assert proposal.status == before
                assert _activity(verb="proposal.moved") == entries


@pytest.mark.parametrize("decision", [S.ACCEPTED, S.REJECTED, S.DEFERRED])
def test_a_decision_needs_its_rationale(decision, proposal, core_team, alice):
    services.proposal_transition(proposal=proposal, to=S.DISCUSSION, by=alice)
    with pytest.raises(DomainError) as exc:
        services.proposal_transition(proposal=proposal, to=decision, by=alice, rationale="  ")
    assert exc.value.code == "rationale"
    proposal.refresh_from_db()
    assert proposal.status == S.DISCUSSION and proposal.decided_at is None
    decided = services.proposal_transition(
        proposal=proposal, to=decision, by=alice, rationale="Reason"
    )
    assert (decided.decision_rationale, decided.decided_by) == ("Reason", alice)
    assert decided.decided_at is not None


def test_deferred_goes_back_under_discussion(proposal, core_team, alice):
    services.proposal_transition(proposal=proposal, to=S.DISCUSSION, by=alice)
    services.proposal_transition(proposal=proposal, to=S.DEFERRED, by=alice, rationale="Later")
    again = services.proposal_transition(proposal=proposal, to=S.DISCUSSION, by=alice)
    assert again.status == S.DISCUSSION


def test_accepted_proposals_are_listed_for_the_next_version(
    proposal, core_team, alice, alpha, catalogue
):
    other = _submit(alpha, alice, title="Another")
    for p in (proposal, other):
        services.proposal_transition(proposal=p, to=S.DISCUSSION, by=alice)
    services.proposal_transition(proposal=proposal, to=S.ACCEPTED, by=alice, rationale="Yes")
    assert accepted_proposals_for_next_version() == [proposal]
    # Once a newer version is published, those were the work of that version.
    catalogue_import(data={**demo_catalogue_data(), "version": "demo-2"}, by=None, publish=True)
    assert accepted_proposals_for_next_version() == []
