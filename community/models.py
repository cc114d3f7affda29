"""The CPO Community: association membership, the conference, Core Team elections,
proposals for the CPO and the annual report.

A *community member* is an approved signee whose prostep ivip membership the office has
verified and which is still current (see selectors.membership.is_community_member).
"""

import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from criteria.groups import SigneeGroup

__all__ = [
    "LAPSE_WARNING_DAYS",
    "PROPOSAL_CLOSED",
    "PROPOSAL_EDGES",
    "PROPOSAL_NEEDS_RATIONALE",
    "AnnualReport",
    "AssociationMembership",
    "Ballot",
    "BallotCast",
    "BallotVote",
    "Candidate",
    "CandidateStatus",
    "Conference",
    "Election",
    "ElectionResult",
    "MembershipImport",
    "MembershipStatus",
    "Proposal",
    "ProposalComment",
    "ProposalKind",
    "ProposalStatus",
    "Registration",
    "RegistrationStatus",
    "ReportComment",
    "ReportImage",
    "ReportSection",
    "SigneeGroup",
    "TieResolution",
]

User = settings.AUTH_USER_MODEL


def _user_fk() -> "models.ForeignKey[Any, Any]":
    return models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )


# --- Association membership --------------------------------------------------------------


class MembershipStatus(models.TextChoices):
    DECLARED = "declared", _("Declared, awaiting verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Not confirmed")
    LAPSED = "lapsed", _("Lapsed")


# The organization is warned this many days before a verified membership lapses.
LAPSE_WARNING_DAYS = 30


class AssociationMembership(models.Model):
    """An organization's membership of the prostep ivip association, as declared and verified."""

    organization = models.OneToOneField(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="association_membership",
        verbose_name=_("organization"),
    )
    number = models.CharField(_("membership number"), max_length=50)
    member_since = models.DateField(_("member since"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MembershipStatus.choices,
        default=MembershipStatus.DECLARED,
        db_index=True,
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True, db_index=True)
    status_reason = models.TextField(_("reason"), blank=True)
    declared_by = _user_fk()
    declared_at = models.DateTimeField(_("declared"))
    verified_by = _user_fk()
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    # The warning that the membership is about to lapse was sent for this valid_until.
    lapse_warned_for = models.DateField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("association membership")
        verbose_name_plural = _("association memberships")

    def __str__(self) -> str:
        return f"{self.organization} ({self.number})"

    def lapse_warning(self) -> int | None:
        """Days left when a verified membership ends within the warning period, else None."""
        if self.status != MembershipStatus.VERIFIED or self.valid_until is None:
            return None
        left = (self.valid_until - timezone.localdate()).days
        return left if 0 <= left <= LAPSE_WARNING_DAYS else None


class MembershipImport(models.Model):
    """The prostep ivip member list as the office uploaded it, with the dry run it was
    shown; applying it verifies exactly what the dry run listed."""

    file_name = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # The rows as read from the file: [{"row": 2, "number": …, "name": …, …}, …]
    rows = models.JSONField(_("rows"), default=list)
    # The dry run: every row's outcome (match, no match, ambiguous, error) with its reason.
    report = models.JSONField(_("dry run"), default=dict)
    created_by = _user_fk()
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    applied_by = _user_fk()
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)

    class Meta:
        verbose_name = _("member list import")
        verbose_name_plural = _("member list imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name


# --- Conference --------------------------------------------------------------------------


class Conference(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    online_url = models.URLField(_("online link"), max_length=500, blank=True)
    agenda = models.TextField(_("agenda (Markdown)"), blank=True, max_length=50000)
    capacity = models.PositiveIntegerField(_("capacity"))
    registration_opens = models.DateTimeField(_("registration opens"))
    registration_closes = models.DateTimeField(_("registration closes"))
    is_published = models.BooleanField(_("published"), default=False)
    # Counts up with every change of the details: a save based on an older one is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("conference")
        verbose_name_plural = _("conferences")
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.title

    def window_state(self) -> str:
        """ "upcoming", "open" or "closed": the registration window as of now."""
        now = timezone.now()
        if now < self.registration_opens:
            return "upcoming"
        return "open" if now < self.registration_closes else "closed"


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waitlist")
    CANCELLED = "cancelled", _("Cancelled")


class Registration(models.Model):
    conference = models.ForeignKey(
        Conference, on_delete=models.CASCADE, related_name="registrations"
    )
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="conference_registrations"
    )
    attendee_name = models.CharField(_("attendee"), max_length=200)
    attendee_email = models.EmailField(_("attendee's e-mail"))
    status = models.CharField(
        _("status"), max_length=12, choices=RegistrationStatus.choices, db_index=True
    )
    registered_by = _user_fk()
    registered_at = models.DateTimeField(_("registered"), auto_now_add=True)
    # Waitlist order: the time the attendee joined the waitlist.
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("conference registration")
        verbose_name_plural = _("conference registrations")
        ordering = ["registered_at", "pk"]
        constraints = [
            # One live registration per attendee and conference.
            models.UniqueConstraint(
                fields=["conference", "attendee_email"],
                condition=~Q(status="cancelled"),
                name="registration_attendee_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.attendee_name} ({self.get_status_display()})"


# --- Elections ---------------------------------------------------------------------------


class Election(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    seats_it_customer = models.PositiveSmallIntegerField(_("seats for IT customers"), default=4)
    seats_it_vendor = models.PositiveSmallIntegerField(_("seats for IT vendors"), default=5)
    seats_it_service_provider = models.PositiveSmallIntegerField(
        _("seats for IT service providers"), default=3
    )
    nomination_opens = models.DateTimeField(_("nomination opens"))
    nomination_closes = models.DateTimeField(_("nomination closes"))
    voting_opens = models.DateTimeField(_("voting opens"))
    voting_closes = models.DateTimeField(_("voting closes"))
    # Set when the office has tallied; results are public from `results_published_at`.
    tallied_at = models.DateTimeField(null=True, blank=True)
    results_published_at = models.DateTimeField(_("results published"), null=True, blank=True)
    # Turnout at tallying: community member organizations eligible / ballots cast.
    eligible_count = models.PositiveIntegerField(null=True, blank=True)
    ballots_count = models.PositiveIntegerField(null=True, blank=True)
    created_by = _user_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Core Team election")
        verbose_name_plural = _("Core Team elections")
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.title

    def seats(self, group: str) -> int:
        return int(getattr(self, f"seats_{group}"))


class CandidateStatus(models.TextChoices):
    NOMINATED = "nominated", _("Nominated, awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted the nomination")
    DECLINED = "declined", _("Declined the nomination")


class Candidate(models.Model):
    """A person nominated for a group's seats; only accepted candidates are on the ballot."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="candidates")
    group = models.CharField(_("group"), max_length=30, choices=SigneeGroup.choices)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="candidacies")
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+"
    )
    nominated_by_organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+"
    )
    nominated_by = _user_fk()
    statement = models.TextField(_("candidate statement"), blank=True, max_length=3000)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CandidateStatus.choices,
        default=CandidateStatus.NOMINATED,
    )
    nominated_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["group", "user__full_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["election", "user"], name="candidate_once")]

    def __str__(self) -> str:
        return f"{self.user} ({self.organization})"


class BallotCast(models.Model):
    """*That* an organization voted — and nothing about how. Stored apart from the ballots,
    with no key, order or time in common (see Ballot)."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="casts")
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="+"
    )
    cast_by = _user_fk()
    cast_at = models.DateTimeField(_("voted"))

    class Meta:
        verbose_name = _("record of voting")
        verbose_name_plural = _("records of voting")
        constraints = [
            models.UniqueConstraint(fields=["election", "organization"], name="one_ballot_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.organization} voted in {self.election_id}"


class Ballot(models.Model):
    """The content of one ballot. Secret: a random key, no organization, no user, no time;
    only the hash of the voter's receipt code, so the voter alone can find it again."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="ballots")
    receipt_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")

    def __str__(self) -> str:
        return f"ballot {self.receipt_hash[:8]}"


class BallotVote(models.Model):
    """One approval on a ballot."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="votes")
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="votes")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "candidate"], name="one_vote_per_candidate")
        ]

    def __str__(self) -> str:
        return f"vote for {self.candidate_id}"


class ElectionResult(models.Model):
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="results")
    candidate = models.OneToOneField(Candidate, on_delete=models.CASCADE, related_name="result")
    group = models.CharField(max_length=30, choices=SigneeGroup.choices)
    votes = models.PositiveIntegerField()
    rank = models.PositiveSmallIntegerField()
    elected = models.BooleanField(default=False)
    # Tied with another candidate across the last seat: the office must resolve it.
    tie = models.BooleanField(default=False)

    class Meta:
        ordering = ["group", "rank", "pk"]

    def __str__(self) -> str:
        return f"{self.candidate}: {self.votes}"


class TieResolution(models.Model):
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="tie_resolutions")
    group = models.CharField(max_length=30, choices=SigneeGroup.choices)
    elected = models.ManyToManyField(Candidate, related_name="+")
    note = models.TextField(_("how the tie was resolved"))
    resolved_by = _user_fk()
    resolved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "group"], name="one_tie_resolution")
        ]

    def __str__(self) -> str:
        return f"{self.election_id} {self.group}"


# --- Proposals ---------------------------------------------------------------------------


class ProposalKind(models.TextChoices):
    NEW = "new", _("New criterion")
    CHANGE = "change", _("Change of a criterion")
    REMOVAL = "removal", _("Removal of a criterion")
    EDITORIAL = "editorial", _("Editorial")
    OTHER = "other", _("Other")


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    DISCUSSION = "discussion", _("Under discussion")
    ACCEPTED = "accepted", _("Accepted for the next version")
    REJECTED = "rejected", _("Rejected")
    DEFERRED = "deferred", _("Deferred")


# The edges of a proposal's state machine (services.proposals.proposal_transition):
# submitted → under discussion → accepted | rejected | deferred; deferred → under discussion.
PROPOSAL_EDGES: Mapping[str, frozenset[str]] = {
    ProposalStatus.SUBMITTED: frozenset({ProposalStatus.DISCUSSION}),
    ProposalStatus.DISCUSSION: frozenset(
        {ProposalStatus.ACCEPTED, ProposalStatus.REJECTED, ProposalStatus.DEFERRED}
    ),
    ProposalStatus.DEFERRED: frozenset({ProposalStatus.DISCUSSION}),
    ProposalStatus.ACCEPTED: frozenset(),
    ProposalStatus.REJECTED: frozenset(),
}
# Decisions the public reads: each needs its reason.
PROPOSAL_NEEDS_RATIONALE = frozenset(
    {ProposalStatus.ACCEPTED, ProposalStatus.REJECTED, ProposalStatus.DEFERRED}
)
# Once decided for good, the discussion is closed.
PROPOSAL_CLOSED = frozenset({ProposalStatus.ACCEPTED, ProposalStatus.REJECTED})


class Proposal(models.Model):
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="cpo_proposals"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ProposalKind.choices)
    title = models.CharField(_("title"), max_length=200)
    rationale = models.TextField(_("rationale"), max_length=20000)
    criteria = models.ManyToManyField(
        "criteria.Criterion", blank=True, related_name="+", verbose_name=_("criteria concerned")
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ProposalStatus.choices,
        default=ProposalStatus.SUBMITTED,
        db_index=True,
    )
    decision_rationale = models.TextField(_("rationale of the decision"), blank=True)
    decided_by = _user_fk()
    decided_at = models.DateTimeField(null=True, blank=True)
    submitted_by = _user_fk()
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class ProposalComment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+"
    )
    author = _user_fk()
    body = models.TextField(_("comment"), max_length=10000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.proposal_id}"


# --- The annual report -------------------------------------------------------------------


class AnnualReport(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    # The figures, frozen: re-rendering from the same snapshot gives the same report.
    snapshot = models.JSONField(_("figures"), null=True, blank=True)
    snapshot_taken_at = models.DateTimeField(null=True, blank=True)
    # The Core Team says the draft is ready for the office to review (cleared by a later
    # change of a section: the office is told again when it is ready again).
    ready_at = models.DateTimeField(_("ready for review"), null=True, blank=True)
    ready_by = _user_fk()
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = _user_fk()
    created_by = _user_fk()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("annual CPO report")
        verbose_name_plural = _("annual CPO reports")
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ReportSection(models.Model):
    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text (Markdown)"), blank=True, max_length=50000)
    # Counted up by every save: a save based on an older version is refused, not applied
    # (several Core Team members edit the same sections).
    version = models.PositiveIntegerField(default=1)
    updated_by = _user_fk()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class ReportImage(models.Model):
    """A picture in the annual report (the Core Team photo, a logo), checked like evidence."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="images")
    # Shown after the text of its section; without one, after the last section.
    section = models.ForeignKey(
        ReportSection, on_delete=models.SET_NULL, null=True, blank=True, related_name="images"
    )
    file = models.FileField(_("image"), upload_to="reports/images/", max_length=300)
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    caption = models.CharField(_("caption"), max_length=300)
    # Read out instead of the picture (PDF/UA, screen readers).
    alt_text = models.CharField(_("text alternative"), max_length=500)
    uploaded_by = _user_fk()
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("report image")
        verbose_name_plural = _("report images")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.caption


class ReportComment(models.Model):
    """A Core Team member's review comment on a section of the annual report."""

    section = models.ForeignKey(ReportSection, on_delete=models.CASCADE, related_name="comments")
    author = _user_fk()
    body = models.TextField(_("comment"), max_length=3000)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    resolved_by = _user_fk()
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"comment {self.pk} on section {self.section_id}"
