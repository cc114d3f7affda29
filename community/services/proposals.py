"""Proposals for the CPO: community members submit and discuss them; the Core Team moves
each one through its states.

submitted → under discussion → accepted for the next version | rejected | deferred, and a
deferred proposal may go back under discussion. Every other edge is refused. Accepting,
rejecting and deferring need a rationale: it is what the proposer and the public read.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError, TransitionNotAllowed
from cpo_portal.tenancy.models import Organization
from cpo_portal.tenancy.selectors import membership_for

from ..models import Proposal, ProposalComment, ProposalKind, ProposalStatus
from ..selectors import is_community_member, is_core_team_member

__all__ = [
    "PROPOSAL_EDGES",
    "proposal_comment",
    "proposal_submit",
    "proposal_transition",
]

S = ProposalStatus
PROPOSAL_EDGES: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.DISCUSSION}),
    S.DISCUSSION: frozenset({S.ACCEPTED, S.REJECTED, S.DEFERRED}),
    S.DEFERRED: frozenset({S.DISCUSSION}),
    S.ACCEPTED: frozenset(),
    S.REJECTED: frozenset(),
}
# Decisions the public reads: each needs its reason.
NEEDS_RATIONALE = frozenset({S.ACCEPTED, S.REJECTED, S.DEFERRED})
# Once decided for good, the discussion is closed.
CLOSED = frozenset({S.ACCEPTED, S.REJECTED})


def _require_community_member(organization: Organization, user: Any) -> None:
    """Any person of a community member organization (owner, admin or member)."""
    if not getattr(user, "is_authenticated", False):
        raise DomainError(_("Please sign in first."))
    if membership_for(organization=organization, user=user) is None:
        raise DomainError(_("You are not a member of this organization."))
    if not is_community_member(organization):
        raise DomainError(
            _(
                "Only CPO Community members (approved signees with a verified prostep ivip "
                "membership) can do this."
            ),
            code="not_community_member",
        )


def _published_criteria(criteria: Any) -> list[Any]:
    """The criteria must be of the catalogue in force: a proposal concerns what is public."""
    from criteria.selectors import current_published_version

    criteria = list(criteria or [])
    if not criteria:
        return []
    version = current_published_version()
    if version is None or any(c.version_id != version.pk for c in criteria):
        raise DomainError(
            _("Link only criteria of the published catalogue."), code="criteria_not_published"
        )
    return criteria


@transaction.atomic
def proposal_submit(
    *,
    organization: Organization,
    by: Any,
    kind: str,
    title: str,
    rationale: str,
    criteria: Any = (),
) -> Proposal:
    """A community member organization proposes a change to the CPO."""
    _require_community_member(organization, by)
    if kind not in ProposalKind.values:
        raise DomainError(_("Choose what kind of proposal this is."), code="kind")
    linked = _published_criteria(criteria)
    proposal = Proposal(
        organization=organization,
        kind=kind,
        title=(title or "").strip(),
        rationale=(rationale or "").strip(),
        submitted_by=by,
        status=S.SUBMITTED,
    )
    proposal.full_clean(exclude=["criteria"])
    proposal.save()
    if linked:
        proposal.criteria.set(linked)
    activity_record(
        actor=by,
        organization=organization,
        verb="proposal.submitted",
        target=proposal,
        data={"kind": kind, "criteria": [c.code for c in linked]},
    )
    return proposal


@transaction.atomic
def proposal_comment(
    *, proposal: Proposal, organization: Organization, by: Any, body: str
) -> ProposalComment:
    """A person of a community member organization comments on an open proposal."""
    _require_community_member(organization, by)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status in CLOSED:
        raise DomainError(_("The discussion of this proposal is closed."), code="closed")
    comment = ProposalComment(
        proposal=proposal, organization=organization, author=by, body=(body or "").strip()
    )
    comment.full_clean()
    comment.save()
    activity_record(
        actor=by,
        organization=organization,
        verb="proposal.commented",
        target=proposal,
        data={"comment": comment.pk},
    )
    return comment


@transaction.atomic
def proposal_transition(*, proposal: Proposal, to: str, by: Any, rationale: str = "") -> Proposal:
    """The Core Team moves a proposal along one of PROPOSAL_EDGES; anything else is refused."""
    if not is_core_team_member(by):
        raise DomainError(_("Only the CPO Core Team can move proposals."), code="not_core_team")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    before = proposal.status
    if to not in PROPOSAL_EDGES.get(before, frozenset()):
        raise TransitionNotAllowed(
            _("A proposal that is “%(before)s” cannot become “%(after)s”.")
            % {
                "before": S(before).label,
                "after": S(to).label if to in S.values else to,
            },
            code="transition",
        )
    rationale = (rationale or "").strip()
    if to in NEEDS_RATIONALE and not rationale:
        raise DomainError(_("Give the rationale of this decision."), code="rationale")
    proposal.status = to
    fields = ["status", "updated_at"]
    if to in NEEDS_RATIONALE:
        proposal.decision_rationale = rationale
        proposal.decided_by = by
        proposal.decided_at = timezone.now()
        fields += ["decision_rationale", "decided_by", "decided_at"]
    proposal.save(update_fields=fields)
    activity_record(
        actor=by,
        organization=proposal.organization,
        verb="proposal.moved",
        target=proposal,
        data={"before": before, "after": to, "rationale": rationale[:500]},
    )
    return proposal
