"""Proposals for the CPO: community members submit and discuss them; the Core Team moves
each one through its states.

submitted → under discussion → accepted for the next version | rejected | deferred, and a
deferred proposal may go back under discussion. Every other edge is refused. Accepting,
rejecting and deferring need a rationale: it is what the proposer and the public read.
"""

from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cpo_portal.accounts.models import User
from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError
from cpo_portal.mail import lazy_format
from cpo_portal.notifications.services import notify
from cpo_portal.states import check_transition
from cpo_portal.tenancy.models import Organization
from cpo_portal.tenancy.selectors import membership_for
from criteria.models import Criterion
from criteria.selectors.catalogue import current_published_version

from ..models import (
    PROPOSAL_CLOSED,
    PROPOSAL_EDGES,
    PROPOSAL_NEEDS_RATIONALE,
    Proposal,
    ProposalComment,
    ProposalKind,
    ProposalStatus,
)
from ..selectors.elections import is_core_team_member, published_core_team
from ..selectors.membership import is_community_member

S = ProposalStatus


def _require_community_member(organization: Organization, user: User | None) -> None:
    """Any person of a community member organization (owner, admin or member)."""
    if user is None or not user.is_authenticated:
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


def _published_criteria(criteria: Iterable[Criterion] | None) -> list[Criterion]:
    """The criteria must be of the catalogue in force: a proposal concerns what is public."""
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
    by: User | None,
    kind: str,
    title: str,
    rationale: str,
    criteria: Iterable[Criterion] = (),
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
    _core_team, elected = published_core_team()
    notify(
        kind="community.proposal_new",
        users=[r.candidate.user for r in elected if r.candidate.user_id != getattr(by, "pk", None)],
        subject=lazy_format(
            gettext_lazy("New proposal for the CPO: %(title)s"), title=proposal.title
        ),
        template="community/proposals/mail/proposal_new.txt",
        context={"proposal": proposal, "kind": ProposalKind(kind).label},
        url=_proposal_url(proposal),
        key=f"proposal:{proposal.pk}:new",
    )
    return proposal


def _proposal_url(proposal: Proposal) -> str:
    return reverse("community:proposal", kwargs={"pk": proposal.pk})


def _proposer(proposal: Proposal, by: User | None) -> list[User]:
    """Who hears of activity on a proposal: its proposer, unless they did it themselves."""
    proposer = proposal.submitted_by
    if proposer is None or proposer.pk == getattr(by, "pk", None):
        return []
    return [proposer]


@transaction.atomic
def proposal_comment(
    *, proposal: Proposal, organization: Organization, by: User | None, body: str
) -> ProposalComment:
    """A person of a community member organization comments on an open proposal."""
    _require_community_member(organization, by)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status in PROPOSAL_CLOSED:
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
    notify(
        kind="community.proposal_activity",
        users=_proposer(proposal, by),
        subject=lazy_format(
            gettext_lazy("New comment on your proposal: %(title)s"), title=proposal.title
        ),
        template="community/proposals/mail/proposal_commented.txt",
        context={"proposal": proposal, "comment": comment, "author": comment.author},
        url=_proposal_url(proposal),
        key=f"proposal-comment:{comment.pk}",
    )
    return comment


@transaction.atomic
def proposal_transition(
    *, proposal: Proposal, to: str, by: User | None, rationale: str = ""
) -> Proposal:
    """The Core Team moves a proposal along one of PROPOSAL_EDGES; anything else is refused."""
    if not is_core_team_member(by):
        raise DomainError(_("Only the CPO Core Team can move proposals."), code="not_core_team")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    before = proposal.status
    check_transition(
        PROPOSAL_EDGES,
        before,
        to,
        message=_("A proposal that is “%(before)s” cannot become “%(after)s”.")
        % {"before": S(before).label, "after": S(to).label if to in S.values else to},
    )
    rationale = (rationale or "").strip()
    if to in PROPOSAL_NEEDS_RATIONALE and not rationale:
        raise DomainError(_("Give the rationale of this decision."), code="rationale")
    proposal.status = to
    fields = ["status", "updated_at"]
    if to in PROPOSAL_NEEDS_RATIONALE:
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
    notify(
        kind="community.proposal_activity",
        users=_proposer(proposal, by),
        subject=lazy_format(
            gettext_lazy("Your proposal “%(title)s”: %(status)s"),
            title=proposal.title,
            status=S(to).label,
        ),
        template="community/proposals/mail/proposal_moved.txt",
        context={
            "proposal": proposal,
            "status": S(to).label,
            "rationale": rationale if to in PROPOSAL_NEEDS_RATIONALE else "",
        },
        url=_proposal_url(proposal),
    )
    return proposal
