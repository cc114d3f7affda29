"""The annual Core Team election: nomination, secret approval voting, tallying, results.

Secrecy: casting writes a BallotCast row (this organization voted) and rewrites the
election's ballots (random UUID keys, no organization, no user, no time) in random order
in the same transaction, so neither transaction ids nor storage order pair a voter with a
ballot (see `_ballots_rewrite`). The activity log records only that the organization
voted. The voter keeps a receipt code; only its SHA-256 is stored on the ballot, so the
voter alone can check it was counted.
"""

import hashlib
import re
import secrets
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cpo_portal.accounts.models import User
from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError
from cpo_portal.guards import require_office, require_org_admin
from cpo_portal.mail import lazy_format, mail_on_commit, office_emails
from cpo_portal.notifications.services import notify
from cpo_portal.tenancy.models import Organization
from cpo_portal.tenancy.selectors import membership_for
from criteria.groups import SigneeGroup

from ..models import (
    Ballot,
    BallotCast,
    BallotVote,
    Candidate,
    CandidateStatus,
    Election,
    ElectionResult,
    TieResolution,
)
from ..selectors.elections import elected_of_election, elections_in_window, voted_organization_ids
from ..selectors.membership import (
    community_group_of,
    community_member_organizations,
    community_people,
    community_people_per_organization,
)

GROUPS = [group.value for group in SigneeGroup]


def _require_member_admin(organization: Organization, user: User | None) -> str:
    """The organization's group, if it is a community member and the user its owner/admin."""
    require_org_admin(organization, user)
    group = community_group_of(organization)
    if group is None:
        raise DomainError(
            _(
                "Only CPO Community members (approved signees with a verified prostep ivip "
                "membership) can do this."
            ),
            code="not_community_member",
        )
    return group


def phase(election: Election) -> str:
    """ "upcoming", "nomination", "between", "voting", "closed" or "published"."""
    now = timezone.now()
    if election.results_published_at:
        return "published"
    if now < election.nomination_opens:
        return "upcoming"
    if now < election.nomination_closes:
        return "nomination"
    if now < election.voting_opens:
        return "between"
    if now < election.voting_closes:
        return "voting"
    return "closed"


@transaction.atomic
def election_create(
    *,
    year: int,
    title: str,
    nomination_opens: datetime,
    nomination_closes: datetime,
    voting_opens: datetime,
    voting_closes: datetime,
    by: User | None,
    seats: dict[str, int] | None = None,
) -> Election:
    """Open the year's election with seats per group and its two windows."""
    require_office(by)
    if not (nomination_opens < nomination_closes <= voting_opens < voting_closes):
        raise DomainError(_("The nomination window must end before the voting window starts."))
    if Election.objects.filter(year=year).exists():
        raise DomainError(_("There is already an election for %(year)s.") % {"year": year})
    seats = seats or {}
    election = Election(
        year=year,
        title=title.strip() or _("Core Team election %(year)s") % {"year": year},
        nomination_opens=nomination_opens,
        nomination_closes=nomination_closes,
        voting_opens=voting_opens,
        voting_closes=voting_closes,
        created_by=by,
        **{f"seats_{group}": seats[group] for group in GROUPS if group in seats},
    )
    if any(election.seats(group) < 1 for group in GROUPS):
        raise DomainError(_("Every group needs at least one seat."))
    election.full_clean(exclude=["created_by"])
    election.save()
    activity_record(actor=by, verb="election.created", target=election, data={"year": year})
    return election


@transaction.atomic
def candidate_nominate(
    *,
    election: Election,
    nominating_organization: Organization,
    candidate_user: User,
    candidate_organization: Organization,
    by: User | None,
    statement: str = "",
) -> Candidate:
    """A community member organization nominates a person of a member organization of the
    same group (itself included: self-nomination)."""
    group = _require_member_admin(nominating_organization, by)
    if phase(election) != "nomination":
        raise DomainError(_("Nominations are not open."), code="window")
    candidate_group = community_group_of(candidate_organization)
    if candidate_group is None:
        raise DomainError(_("The candidate's organization is not a CPO Community member."))
    if candidate_group != group:
        raise DomainError(
            _(
                "Each group nominates its own candidates: the candidate's organization is "
                "in another group."
            ),
            code="other_group",
        )
    if membership_for(organization=candidate_organization, user=candidate_user) is None:
        raise DomainError(_("The candidate is not a member of that organization."))
    try:
        with transaction.atomic():
            candidate = Candidate.objects.create(
                election=election,
                group=group,
                user=candidate_user,
                organization=candidate_organization,
                nominated_by_organization=nominating_organization,
                nominated_by=by,
                statement=statement.strip()[:3000],
            )
    except IntegrityError:
        raise DomainError(_("This person has already been nominated.")) from None
    activity_record(
        actor=by,
        organization=nominating_organization,
        verb="election.nominated",
        target=candidate,
        data={"election": election.year, "group": group},
    )
    mail_on_commit(
        subject=gettext_lazy("You have been nominated for the CPO Core Team"),
        template="community/elections/email/nominated.txt",
        context={"candidate": candidate, "election": election},
        to=[candidate_user.email],
    )
    return candidate


@transaction.atomic
def candidate_answer(
    *, candidate: Candidate, accept: bool, by: User | None, statement: str = ""
) -> Candidate:
    """The nominee accepts or declines (until nominations close)."""
    candidate = (
        Candidate.objects.select_for_update().select_related("election").get(pk=candidate.pk)
    )
    if candidate.user_id != getattr(by, "pk", None):
        raise DomainError(_("Only the nominee can answer the nomination."))
    if phase(candidate.election) != "nomination":
        raise DomainError(_("Nominations are closed."), code="window")
    candidate.status = CandidateStatus.ACCEPTED if accept else CandidateStatus.DECLINED
    candidate.answered_at = timezone.now()
    fields = ["status", "answered_at"]
    if statement.strip():
        candidate.statement = statement.strip()[:3000]
        fields.append("statement")
    candidate.save(update_fields=fields)
    activity_record(
        actor=by,
        organization=candidate.organization,
        verb="election.accepted" if accept else "election.declined",
        target=candidate,
        data={"election": candidate.election.year},
    )
    return candidate


RECEIPT_GROUPS, RECEIPT_GROUP_LENGTH = 4, 4
# The rate limiter's bucket of receipt checks: the pages and the API count together.
RECEIPT_CHECKS = "community-receipt"
_RECEIPT_CHARACTERS = re.compile(rf"[0-9A-F]{{{RECEIPT_GROUPS * RECEIPT_GROUP_LENGTH}}}")


def _receipt() -> tuple[str, str]:
    code = "-".join(
        secrets.token_hex(RECEIPT_GROUP_LENGTH // 2).upper() for _ in range(RECEIPT_GROUPS)
    )
    return code, hashlib.sha256(code.encode()).hexdigest()


def receipt_code_normalized(code: str) -> str | None:
    """A receipt code as it was issued ("1A2B-3C4D-5E6F-7A8B"), however it is typed: in lower
    case, without dashes, with spaces, en dashes or line breaks from a copy; None when it
    cannot be one. Only the hash of the issued form is stored, so this form must be exact."""
    compact = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", code or "")).upper()
    if not _RECEIPT_CHARACTERS.fullmatch(compact):
        return None
    size = RECEIPT_GROUP_LENGTH
    return "-".join(compact[i : i + size] for i in range(0, len(compact), size))


def _ballot_choices(election: Election, choices: dict[str, list[int]]) -> list[int]:
    """The candidate ids of a valid ballot (approval votes, at most each group's seats)."""
    ballot_candidates = {
        c.pk: c
        for c in Candidate.objects.filter(election=election, status=CandidateStatus.ACCEPTED)
    }
    chosen: list[int] = []
    for group, ids in choices.items():
        if group not in GROUPS:
            raise DomainError(_("Unknown group on the ballot."))
        try:
            unique = list(dict.fromkeys(int(pk) for pk in ids))
        except (TypeError, ValueError):
            raise DomainError(_("Unknown candidate on the ballot.")) from None
        if len(unique) > election.seats(group):
            raise DomainError(
                _("At most %(seats)d votes for %(group)s.")
                % {"seats": election.seats(group), "group": SigneeGroup(group).label},
                code="too_many",
            )
        for pk in unique:
            candidate = ballot_candidates.get(pk)
            if candidate is None or candidate.group != group:
                raise DomainError(_("Unknown candidate on the ballot."), code="unknown_candidate")
            chosen.append(pk)
    return chosen


def _ballots_rewrite(election: Election, *, receipt_hash: str, candidate_ids: list[int]) -> None:
    """Write the election's ballots anew, the new one among them, in random order.

    Why this makes the ballots unlinkable for someone reading the database: every row
    carries the id of the transaction that wrote it (`xmin` on PostgreSQL) and sits where
    it was inserted (`ctid` on PostgreSQL, `rowid` on SQLite). Written anew inside the
    cast's transaction, all the election's ballots share the transaction id of the latest
    record of voting only, so each earlier voter shares it with no ballot, and the latest
    one with every ballot alike; their storage order is a fresh random shuffle, so it says
    nothing about the order of voting. The keys are fresh too, so a key seen earlier does
    not point at the same ballot later. Only the receipt hash is kept, for the voter's
    check. (Someone watching the tables between two casts still sees which hash came in;
    a stored receipt cannot prevent that.)
    """
    ballots = Ballot.objects.filter(election=election)
    hashes = dict(ballots.values_list("pk", "receipt_hash"))
    contents: dict[Any, list[int]] = {pk: [] for pk in hashes}
    for ballot_id, candidate_id in BallotVote.objects.filter(ballot__election=election).values_list(
        "ballot_id", "candidate_id"
    ):
        contents[ballot_id].append(candidate_id)
    written = [(hashes[pk], votes) for pk, votes in contents.items()]
    written.append((receipt_hash, candidate_ids))
    ballots.delete()  # the votes go with them (cascade)
    shuffle = secrets.SystemRandom().shuffle
    shuffle(written)
    new_ballots = [Ballot(election=election, receipt_hash=digest) for digest, _votes in written]
    new_votes = [
        BallotVote(ballot=ballot, candidate_id=candidate_id)
        for ballot, (_digest, votes) in zip(new_ballots, written, strict=True)
        for candidate_id in votes
    ]
    shuffle(new_votes)
    Ballot.objects.bulk_create(new_ballots)
    BallotVote.objects.bulk_create(new_votes)


def ballot_cast(
    *,
    election: Election,
    organization: Organization,
    choices: dict[str, list[int]],
    by: User | None,
) -> str:
    """Cast the organization's one ballot; returns the receipt code (shown once).

    `choices` maps each group to candidate ids (approval votes, at most that group's seats).
    """
    _require_member_admin(organization, by)
    code, digest = _receipt()
    try:
        # One transaction, no savepoint inside: the record of voting, the rewritten ballots
        # and the log entry commit together or not at all, under one transaction id.
        with transaction.atomic():
            # Casts of an election take turns on its row: each rewrite must read every
            # ballot committed before it (read committed: the statements after the lock
            # see them), or it would drop one. The same turn makes the check below the
            # guard against double votes; the unique (election, organization) is the net.
            election = Election.objects.select_for_update().get(pk=election.pk)
            if phase(election) != "voting":
                raise DomainError(_("Voting is not open."), code="window")
            candidate_ids = _ballot_choices(election, choices)
            if BallotCast.objects.filter(election=election, organization=organization).exists():
                raise DomainError(_("Your organization has already voted."), code="already_voted")
            BallotCast.objects.create(
                election=election, organization=organization, cast_by=by, cast_at=timezone.now()
            )
            _ballots_rewrite(election, receipt_hash=digest, candidate_ids=candidate_ids)
            # Only the fact of voting is logged, never the content.
            activity_record(
                actor=by,
                organization=organization,
                verb="election.voted",
                data={"election": election.year},
            )
    except IntegrityError:
        if BallotCast.objects.filter(election=election, organization=organization).exists():
            raise DomainError(
                _("Your organization has already voted."), code="already_voted"
            ) from None
        raise
    return code


def ballot_for_receipt(election: Election, code: str) -> Ballot | None:
    """The ballot a receipt code belongs to (the voter's check that it was counted)."""
    normalized = receipt_code_normalized((code or "")[:100])
    if normalized is None:
        return None
    digest = hashlib.sha256(normalized.encode()).hexdigest()
    return (
        Ballot.objects.filter(election=election, receipt_hash=digest)
        .prefetch_related("votes__candidate__user")
        .first()
    )


def _shuffle_ballots() -> None:
    """Rewrite the ballot tables in random-key order (PostgreSQL), so the physical order
    of the rows no longer follows the order in which organizations voted."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # CLUSTER refuses a table with pending deferred foreign-key checks (ballots
        # written earlier in the same transaction); run those checks now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, index in (
            (Ballot._meta.db_table, f"{Ballot._meta.db_table}_pkey"),
            (BallotVote._meta.db_table, f"{BallotVote._meta.db_table}_pkey"),
        ):
            cursor.execute(f'CLUSTER "{table}" USING "{index}"')  # fixed table names


@transaction.atomic
def election_tally(*, election: Election, by: User | None) -> dict[str, list[ElectionResult]]:
    """Count after voting closes: one query per group; ties across the last seat flagged."""
    require_office(by)
    election = Election.objects.select_for_update().get(pk=election.pk)
    if phase(election) not in ("closed",):
        raise DomainError(_("Votes are counted after voting has closed and before publishing."))
    # A new count replaces the old one, and with it any tie resolution made on it.
    ElectionResult.objects.filter(election=election).delete()
    TieResolution.objects.filter(election=election).delete()
    _shuffle_ballots()
    results: dict[str, list[ElectionResult]] = {}
    for group in GROUPS:
        rows = list(
            Candidate.objects.filter(
                election=election, group=group, status=CandidateStatus.ACCEPTED
            )
            .annotate(n=Count("votes"))
            .order_by("-n", "pk")
            .values_list("pk", "n")
        )
        seats = election.seats(group)
        cutoff = rows[seats - 1][1] if len(rows) >= seats else None
        over = rows[seats][1] if len(rows) > seats else None
        tie_votes = cutoff if cutoff is not None and over is not None and cutoff == over else None
        group_results = []
        rank = 0
        previous = None
        for index, (pk, votes) in enumerate(rows, start=1):
            if votes != previous:
                rank, previous = index, votes
            tie = tie_votes is not None and votes == tie_votes
            group_results.append(
                ElectionResult(
                    election=election,
                    candidate_id=pk,
                    group=group,
                    votes=votes,
                    rank=rank,
                    elected=index <= seats and not tie,
                    tie=tie,
                )
            )
        results[group] = ElectionResult.objects.bulk_create(group_results)
    election.tallied_at = timezone.now()
    election.eligible_count = community_member_organizations(
        on=election.voting_closes.date()
    ).count()
    election.ballots_count = BallotCast.objects.filter(election=election).count()
    election.save(update_fields=["tallied_at", "eligible_count", "ballots_count"])
    ties = [group for group, rows in results.items() if any(r.tie for r in rows)]
    activity_record(
        actor=by,
        verb="election.tallied",
        target=election,
        data={"ballots": election.ballots_count, "eligible": election.eligible_count, "ties": ties},
    )
    if ties:
        mail_on_commit(
            subject=lazy_format(
                gettext_lazy("Tie in the Core Team election %(year)s"), year=election.year
            ),
            template="community/elections/email/tie.txt",
            context={"election": election, "groups": [SigneeGroup(g).label for g in ties]},
            to=office_emails(),
        )
    return results


@transaction.atomic
def tie_resolve(
    *, election: Election, group: str, elected_ids: list[int], note: str, by: User | None
) -> TieResolution:
    """The office records how a tie was resolved (e.g. by lot) and who takes the seats."""
    require_office(by)
    election = Election.objects.select_for_update().get(pk=election.pk)
    if election.tallied_at is None or election.results_published_at:
        raise DomainError(_("Ties are resolved after tallying and before publishing."))
    if not note.strip():
        raise DomainError(_("Record how the tie was resolved."))
    tied = {
        r.candidate_id: r
        for r in ElectionResult.objects.filter(election=election, group=group, tie=True)
    }
    if not tied:
        raise DomainError(_("There is no tie in this group."))
    # Seats already won outright; the tied share the rest (a resolution may be corrected
    # before publishing, so the tied ones elected by an earlier resolution do not count).
    already = ElectionResult.objects.filter(
        election=election, group=group, elected=True, tie=False
    ).count()
    free = election.seats(group) - already
    try:
        chosen = {int(pk) for pk in elected_ids}
    except (TypeError, ValueError):
        chosen = set()
    if not chosen <= set(tied) or len(chosen) != free:
        raise DomainError(
            _("Choose exactly %(free)d of the tied candidates.") % {"free": free}, code="tie_choice"
        )
    TieResolution.objects.filter(election=election, group=group).delete()
    resolution = TieResolution.objects.create(
        election=election, group=group, note=note.strip(), resolved_by=by
    )
    resolution.elected.set(chosen)
    for pk, result in tied.items():
        result.elected = pk in chosen
        result.save(update_fields=["elected"])
    activity_record(
        actor=by,
        verb="election.tie_resolved",
        target=election,
        data={"group": group, "elected": sorted(chosen), "note": note.strip()},
    )
    return resolution


@transaction.atomic
def results_publish(*, election: Election, by: User | None) -> Election:
    """Publish the results with turnout; the elected form the Core Team."""
    require_office(by)
    election = Election.objects.select_for_update().get(pk=election.pk)
    if election.tallied_at is None:
        raise DomainError(_("Count the votes first."))
    if election.results_published_at:
        raise DomainError(_("The results are already published."))
    unresolved = (
        ElectionResult.objects.filter(election=election, tie=True)
        .exclude(group__in=TieResolution.objects.filter(election=election).values("group"))
        .exists()
    )
    if unresolved:
        raise DomainError(_("Resolve the ties first."), code="unresolved_tie")
    election.results_published_at = timezone.now()
    election.save(update_fields=["results_published_at"])
    activity_record(
        actor=by, verb="election.published", target=election, data={"year": election.year}
    )
    _results_notify(election)
    return election


# --- Notices (cpo_portal/notifications): who hears what of the election -------------------

# The reminder to vote goes this long before voting closes, and never in the first day of
# voting (a short window gets no reminder on top of the notice that voting is open).
VOTING_REMINDER_BEFORE = timedelta(days=3)
VOTING_REMINDER_NOT_BEFORE = timedelta(days=1)


def _election_url(election: Election) -> str:
    return reverse("community:election", kwargs={"year": election.year})


def _results_notify(election: Election) -> int:
    """The elected hear it personally; every other person of a community member
    organization hears that the results are out (each once: keyed by the election)."""
    elected = elected_of_election(election)
    count = 0
    for result in elected:
        count += notify(
            kind="community.results",
            users=[result.candidate.user],
            subject=lazy_format(
                gettext_lazy("You were elected to the CPO Core Team: %(election)s"),
                election=election.title,
            ),
            template="community/elections/mail/elected.txt",
            context={
                "election": election,
                "organization": result.candidate.organization,
                "group": SigneeGroup(result.group).label,
            },
            url=_election_url(election),
            key=f"election:{election.pk}:elected",
        )
    elected_ids = {result.candidate.user_id for result in elected}
    count += notify(
        kind="community.results",
        users=[person for person in community_people() if person.pk not in elected_ids],
        subject=lazy_format(gettext_lazy("Results of the %(election)s"), election=election.title),
        template="community/elections/mail/results.txt",
        context={"election": election},
        url=_election_url(election),
        key=f"election:{election.pk}:results",
    )
    return count


def _nominations_open_notify(election: Election) -> int:
    """Each person of a community member organization hears of the nominations of their
    organization's group: its seats, until when, where to nominate."""
    count = 0
    for group in GROUPS:
        for organization, people in community_people_per_organization(group=group):
            count += notify(
                kind="community.nominations_open",
                users=people,
                subject=lazy_format(
                    gettext_lazy("Nominations are open: %(election)s"), election=election.title
                ),
                template="community/elections/mail/nominations_open.txt",
                context={
                    "election": election,
                    "organization": organization,
                    "group": SigneeGroup(group).label,
                    "seats": election.seats(group),
                },
                url=reverse(
                    "community:org_nominate",
                    kwargs={"org_slug": organization.slug, "year": election.year},
                ),
                key=f"election:{election.pk}:nominations-open:{organization.pk}",
            )
    return count


def _voting_notify(election: Election, *, reminder: bool) -> int:
    """The owners and admins of each community member organization, who cast its ballot,
    hear that voting is open, and later the reminder; an organization that has voted hears
    neither (and no notice says anything of anyone's vote)."""
    voted = voted_organization_ids(election)
    what = "voting-reminder" if reminder else "voting-open"
    subject = (
        gettext_lazy("Reminder: your organization has not voted yet in the %(election)s")
        if reminder
        else gettext_lazy("Voting is open: %(election)s")
    )
    count = 0
    for organization, people in community_people_per_organization(admins_only=True):
        if organization.pk in voted:
            continue
        count += notify(
            kind="community.voting_reminder" if reminder else "community.voting_open",
            users=people,
            subject=lazy_format(subject, election=election.title),
            template=f"community/elections/mail/{what.replace('-', '_')}.txt",
            context={"election": election, "organization": organization},
            url=reverse(
                "community:org_ballot",
                kwargs={"org_slug": organization.slug, "year": election.year},
            ),
            key=f"election:{election.pk}:{what}:{organization.pk}",
        )
    return count


@transaction.atomic
def elections_notify_due(*, at: datetime | None = None) -> dict[str, int]:
    """Hourly (community/tasks.py): the notices whose time has come, each person told once
    (the keys hold across runs, overlapping ones too). An organization that becomes a
    community member while a window is open hears of it at the next run.

    - nominations open: while the nomination window is open;
    - voting open: while the voting window is open;
    - reminder to vote: from VOTING_REMINDER_BEFORE the close of voting (not in the first
      VOTING_REMINDER_NOT_BEFORE of voting), to organizations that have not voted.
    """
    now = at or timezone.now()
    told = {"nominations_open": 0, "voting_open": 0, "voting_reminder": 0}
    for election in elections_in_window(
        opens="nomination_opens", closes="nomination_closes", at=now
    ):
        told["nominations_open"] += _nominations_open_notify(election)
    for election in elections_in_window(opens="voting_opens", closes="voting_closes", at=now):
        told["voting_open"] += _voting_notify(election, reminder=False)
        due = max(
            election.voting_closes - VOTING_REMINDER_BEFORE,
            election.voting_opens + VOTING_REMINDER_NOT_BEFORE,
        )
        if now >= due:
            told["voting_reminder"] += _voting_notify(election, reminder=True)
    return told
