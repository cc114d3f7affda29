"""factory_boy factories of the community app: a membership, an election, a candidate, a
conference and a proposal in a given state.

For tests that need the state only as a precondition. They write the rows the services would
leave behind, without the activity log, the mails or the locks; a test of a transition, its
log entry or its mails goes through the service. tests/community/test_*_factories.py hold
each trait against the services' result.

    AssociationMembershipFactory(verified=True, organization=alpha, verified_by=office_user)
    ElectionFactory(voting=True, candidates=[(alice, alpha)])
    ElectionFactory(published=True, candidates=[(alice, alpha)], voters=[(beta, charlie)])
    CandidateFactory(election=election, user=bob, organization=alpha, declined=True)
    ConferenceFactory(open=True, capacity=1)
    ProposalFactory(accepted=True, organization=alpha, submitted_by=bob, decided_by=alice)

A membership, a candidacy and a ballot need community members: the organizations are
approved signees first (tests/community/helpers.member, or SigneeFactory(approved=True)).
"""

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

import factory
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from community.models import (
    AssociationMembership,
    Ballot,
    BallotCast,
    BallotVote,
    Candidate,
    CandidateStatus,
    Conference,
    Election,
    ElectionResult,
    MembershipStatus,
    Proposal,
    ProposalKind,
    ProposalStatus,
)
from community.selectors.membership import community_group_of, community_member_organizations
from cpo_portal.tenancy.models import Membership, Organization, Role
from criteria.groups import SigneeGroup
from tests.factories import OrganizationFactory

DAY = timedelta(days=1)

# The election's windows (nomination opens, closes, voting opens, closes) around now, per
# phase: tests/community/helpers.at_phase moves an election's windows with the same offsets.
PHASE_OFFSETS: dict[str, tuple[timedelta, timedelta, timedelta, timedelta]] = {
    "nomination": (-DAY, DAY, 2 * DAY, 3 * DAY),
    "voting": (-3 * DAY, -2 * DAY, -DAY, DAY),
    "closed": (-4 * DAY, -3 * DAY, -2 * DAY, -DAY),
}


def _today() -> date:
    return timezone.localdate()


def owner_of(organization: Organization) -> Any:
    """The organization's owner (who declares, signs and submits by default), or None."""
    with scope(organization=organization):
        owner = (
            Membership.objects.filter(organization=organization, role=Role.OWNER)
            .select_related("user")
            .first()
        )
    return owner.user if owner else None


# --- Association membership --------------------------------------------------------------


class AssociationMembershipFactory(factory.django.DjangoModelFactory):
    """A prostep ivip membership as membership_declare leaves it: declared by the owner.

    Traits (the path the services would take):
    - declared: membership_declare (the default).
    - verified: membership_declare, membership_verify by `verified_by` until `valid_until`
      (a year ahead unless given).
    - rejected: membership_declare, membership_reject by the office with `status_reason`.
    - lapsed: verified, then memberships_lapse_due once `valid_until` (yesterday) has passed.

    Every timestamp is the one instant `declared_at` (timezone.now()).
    """

    class Meta:
        model = AssociationMembership

    class Params:
        declared = factory.Trait(status=MembershipStatus.DECLARED)
        verified = factory.Trait(
            status=MembershipStatus.VERIFIED,
            valid_until=factory.LazyFunction(lambda: _today() + timedelta(days=365)),
            verified_at=factory.SelfAttribute("declared_at"),
        )
        rejected = factory.Trait(
            status=MembershipStatus.REJECTED, status_reason="Not in our records"
        )
        lapsed = factory.Trait(
            status=MembershipStatus.LAPSED,
            valid_until=factory.LazyFunction(lambda: _today() - DAY),
            verified_at=factory.SelfAttribute("declared_at"),
        )

    organization = factory.SubFactory(OrganizationFactory)
    number = factory.LazyAttribute(lambda o: f"PI-{o.organization.pk:04d}")
    member_since = factory.LazyFunction(lambda: _today() - timedelta(days=400))
    status = MembershipStatus.DECLARED
    valid_until = None
    status_reason = ""
    declared_by = factory.LazyAttribute(lambda o: owner_of(o.organization))
    declared_at = factory.LazyFunction(timezone.now)
    # Who verified it (None: nobody yet; the services record the office user).
    verified_by = None
    verified_at = None
    lapse_warned_for = None

    @classmethod
    def _create(cls, model_class: type[models.Model], *args: Any, **kwargs: Any) -> Any:
        # AssociationMembership.objects is scoped: creating one needs its organization's scope.
        with scope(organization=kwargs["organization"]):
            return super()._create(model_class, *args, **kwargs)


# --- Elections ---------------------------------------------------------------------------


def _group_of(organization: Organization) -> str:
    group = community_group_of(organization)
    if group is None:
        raise ValueError(
            f"{organization} is no community member: make it one first (helpers.member)."
        )
    return group


class CandidateFactory(factory.django.DjangoModelFactory):
    """A person nominated by their own organization (self-nomination, as candidate_nominate
    leaves it), in the organization's community group.

    Traits: nominated (the default), accepted, declined (candidate_answer by the nominee).
    `at` is when it happened (now unless given): the nomination and the answer.
    """

    class Meta:
        model = Candidate

    class Params:
        nominated = factory.Trait(status=CandidateStatus.NOMINATED)
        accepted = factory.Trait(
            status=CandidateStatus.ACCEPTED, answered_at=factory.SelfAttribute("at")
        )
        declined = factory.Trait(
            status=CandidateStatus.DECLINED, answered_at=factory.SelfAttribute("at")
        )

    election = factory.SubFactory("tests.community.factories.ElectionFactory")
    group = factory.LazyAttribute(lambda o: _group_of(o.organization))
    user = factory.LazyAttribute(lambda o: owner_of(o.organization))
    organization = factory.LazyAttribute(lambda o: o.nominated_by_organization)
    nominated_by_organization = factory.SubFactory(OrganizationFactory)
    nominated_by = factory.SelfAttribute("user")
    statement = ""
    status = CandidateStatus.NOMINATED
    answered_at = None
    # When it happened (popped in _create: nominated_at is set on insert, auto_now_add).
    at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class: type[models.Model], *args: Any, **kwargs: Any) -> Any:
        at = kwargs.pop("at")
        candidate = super()._create(model_class, *args, **kwargs)
        Candidate.objects.filter(pk=candidate.pk).update(nominated_at=at)
        candidate.nominated_at = at
        return candidate


def _eligible(election: Any) -> int:
    # As election_tally: community member organizations on the day voting closed.
    return community_member_organizations(on=election.voting_closes.date()).count()


def _window(index: int) -> Any:
    return factory.LazyAttribute(lambda o: o.at + PHASE_OFFSETS[o.phase][index])


class ElectionFactory(factory.django.DjangoModelFactory):
    """The year's Core Team election as election_create leaves it (seats 4/5/3, the default
    title), its windows placed around `at` (now) for its phase.

    Traits (the path the services would take, each step at the start of its window):
    - nominating: election_create; nominations are open (the default).
    - voting: the nomination window is over; voting is open.
    - closed: voting is over, nothing counted yet.
    - tallied: closed and election_tally by the office at `at` (turnout frozen).
    - published: tallied and results_publish at `at`: the elected form the Core Team.

    `candidates=[(user, organization), …]` accepted their self-nomination when nominations
    opened; `voters=[(organization, user), …]` each cast one ballot approving every candidate
    when voting opened. Once tallied, every candidate is elected with the same votes (rank 1):
    give at most a group's seats per group; ties and their resolution go through the services.
    """

    class Meta:
        model = Election
        skip_postgeneration_save = True

    class Params:
        at = factory.LazyFunction(timezone.now)
        phase = "nomination"
        nominating = factory.Trait(phase="nomination")
        voting = factory.Trait(phase="voting")
        closed = factory.Trait(phase="closed")
        tallied = factory.Trait(
            phase="closed",
            tallied_at=factory.SelfAttribute("at"),
            eligible_count=factory.LazyAttribute(_eligible),
            ballots_count=factory.LazyAttribute(lambda o: len(o.voters)),
        )
        published = factory.Trait(tallied=True, results_published_at=factory.SelfAttribute("at"))

    year = factory.LazyAttribute(lambda o: o.at.year)
    title = factory.LazyAttribute(lambda o: _("Core Team election %(year)s") % {"year": o.year})
    nomination_opens = _window(0)
    nomination_closes = _window(1)
    voting_opens = _window(2)
    voting_closes = _window(3)
    tallied_at = None
    results_published_at = None
    eligible_count = None
    ballots_count = None
    created_by = None
    # Popped in _create (not fields of Election).
    candidates: Sequence[tuple[Any, Organization]] = ()
    voters: Sequence[tuple[Organization, Any]] = ()

    @classmethod
    def _create(cls, model_class: type[models.Model], *args: Any, **kwargs: Any) -> Any:
        people = list(kwargs.pop("candidates"))
        voters = list(kwargs.pop("voters"))
        election = super()._create(model_class, *args, **kwargs)
        if voters and timezone.now() < election.voting_opens:
            raise ValueError("Ballots are cast once voting has opened: voting=True or later.")
        candidates = [
            CandidateFactory(
                election=election,
                user=user,
                nominated_by_organization=organization,
                accepted=True,
                at=election.nomination_opens,
            )
            for user, organization in people
        ]
        for organization, user in voters:
            _ballot(election, organization, user, candidates)
        if election.tallied_at is not None:
            _results(election, candidates, votes=len(voters))
        return election


def _ballot(
    election: Election, organization: Organization, user: Any, candidates: Iterable[Candidate]
) -> None:
    """What ballot_cast writes: the record of voting and a ballot approving `candidates`
    under the hash of a receipt code nobody keeps."""
    BallotCast.objects.create(
        election=election, organization=organization, cast_by=user, cast_at=election.voting_opens
    )
    digest = hashlib.sha256(secrets.token_hex(8).upper().encode()).hexdigest()
    ballot = Ballot.objects.create(election=election, receipt_hash=digest)
    BallotVote.objects.bulk_create(BallotVote(ballot=ballot, candidate=c) for c in candidates)


def _results(election: Election, candidates: list[Candidate], *, votes: int) -> None:
    """What election_tally writes when every candidate has the same votes and no group has
    more candidates than seats: all elected, rank 1, no tie."""
    for group in SigneeGroup.values:
        ours = [c for c in candidates if c.group == group]
        if len(ours) > election.seats(group):
            raise ValueError(f"More candidates than seats in {group}: tally through the services.")
        ElectionResult.objects.bulk_create(
            ElectionResult(
                election=election,
                candidate=candidate,
                group=group,
                votes=votes,
                rank=1,
                elected=True,
                tie=False,
            )
            for candidate in ours
        )


# --- Conference --------------------------------------------------------------------------


class ConferenceFactory(factory.django.DjangoModelFactory):
    """The year's conference as conference_save leaves it (version 1, a draft), a month
    ahead, with two seats and its registration window open around `at` (now).

    Traits (conference_publish on top): published; open (published, registration open);
    upcoming (published, registration opens tomorrow); closed (published, registration
    closed yesterday).
    """

    class Meta:
        model = Conference

    class Params:
        at = factory.LazyFunction(timezone.now)
        published = factory.Trait(is_published=True)
        open = factory.Trait(published=True)
        upcoming = factory.Trait(
            published=True, registration_opens=factory.LazyAttribute(lambda o: o.at + DAY)
        )
        closed = factory.Trait(
            published=True,
            registration_opens=factory.LazyAttribute(lambda o: o.at - 10 * DAY),
            registration_closes=factory.LazyAttribute(lambda o: o.at - DAY),
        )

    year = factory.LazyAttribute(lambda o: o.at.year)
    title = "CPO Conference"
    starts_on = factory.LazyAttribute(lambda o: o.at.date() + 30 * DAY)
    ends_on = factory.LazyAttribute(lambda o: o.at.date() + 31 * DAY)
    venue = "Darmstadt"
    online_url = ""
    agenda = "Welcome\nKeynote"
    capacity = 2
    registration_opens = factory.LazyAttribute(lambda o: o.at - DAY)
    registration_closes = factory.LazyAttribute(lambda o: o.at + 10 * DAY)
    is_published = False
    version = 1


# --- Proposals ---------------------------------------------------------------------------


def _decided(status: str) -> factory.Trait:
    return factory.Trait(
        status=status,
        decision_rationale="Because",
        decided_at=factory.LazyFunction(timezone.now),
    )


class ProposalFactory(factory.django.DjangoModelFactory):
    """A proposal as proposal_submit leaves it: submitted by the organization's owner.

    Traits (proposal_transition by the Core Team on top): submitted (the default),
    discussion, accepted, rejected, deferred (each decision with `decision_rationale` by
    `decided_by`, now). `criteria=[…]` links criteria of the published catalogue.
    """

    class Meta:
        model = Proposal
        skip_postgeneration_save = True

    class Params:
        submitted = factory.Trait(status=ProposalStatus.SUBMITTED)
        discussion = factory.Trait(status=ProposalStatus.DISCUSSION)
        accepted = _decided(ProposalStatus.ACCEPTED)
        rejected = _decided(ProposalStatus.REJECTED)
        deferred = _decided(ProposalStatus.DEFERRED)

    organization = factory.SubFactory(OrganizationFactory)
    kind = ProposalKind.CHANGE
    title = "Clarify 2.1.1"
    rationale = "It is ambiguous."
    status = ProposalStatus.SUBMITTED
    decision_rationale = ""
    decided_by = None
    decided_at = None
    submitted_by = factory.LazyAttribute(lambda o: owner_of(o.organization))

    @factory.post_generation
    def criteria(proposal: Proposal, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            proposal.criteria.set(extracted)


# --- The annual report -------------------------------------------------------------------


def picture(kind: str = "PNG", size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    """A real, small picture (Pillow): what a camera or a logo export would give."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, size, "#1f5f8b" if mode == "RGB" else 80).save(buffer, format=kind)
    return buffer.getvalue()


class AnnualReportFactory(factory.django.DjangoModelFactory):
    """A draft report as report_create leaves it, without its default sections (add them
    with ReportSectionFactory). Traits: ready (marked ready for review by `ready_by`),
    published (by `published_by`, now)."""

    class Meta:
        model = "community.AnnualReport"

    class Params:
        ready = factory.Trait(ready_at=factory.LazyFunction(timezone.now))
        published = factory.Trait(published_at=factory.LazyFunction(timezone.now))

    year = factory.LazyFunction(lambda: timezone.localdate().year)
    title = factory.LazyAttribute(lambda o: f"CPO annual report {o.year}")


class ReportSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "community.ReportSection"

    report = factory.SubFactory(AnnualReportFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Section {n + 1}")
    body = "Some text."


class ReportImageFactory(factory.django.DjangoModelFactory):
    """A picture as report_image_add leaves it (a real PNG under a random name)."""

    class Meta:
        model = "community.ReportImage"

    report = factory.SubFactory(AnnualReportFactory)
    section = None
    file = factory.django.FileField(data=picture(), filename="picture.png")
    content_type = "image/png"
    sha256 = hashlib.sha256(picture()).hexdigest()
    caption = "The Core Team"
    alt_text = "Five people in front of a whiteboard."


class ReportCommentFactory(factory.django.DjangoModelFactory):
    """A review comment; trait resolved (by `resolved_by`, now)."""

    class Meta:
        model = "community.ReportComment"

    class Params:
        resolved = factory.Trait(resolved_at=factory.LazyFunction(timezone.now))

    section = factory.SubFactory(ReportSectionFactory)
    body = "Shorter, please."
