"""Reads of the certification agreement: its versions, the version in force, who accepted
which version, and the organizations that still have to accept the version in force.

The version in force is the published version with the highest number. Acceptances belong
to an organization (scoped); the office's readers disable the scope on purpose and say
"for_office" in their name (or read every organization, as the to-do counts do).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Min, Q, QuerySet
from django_scopes import scope, scopes_disabled

from cpo_portal.tenancy.models import Organization

from ..models import (
    LIVE,
    OPEN_STATES,
    AgreementAcceptance,
    AgreementStatus,
    AgreementVersion,
    Application,
    ApplicationStatus,
    Certificate,
    Deadline,
    DeadlineKind,
)

# An organization with an application in one of these states (or a live certificate) has
# to accept the agreement in force: it is asked when a new version is published.
ASKED_STATES = tuple(s for s in OPEN_STATES if s != ApplicationStatus.DRAFT)


def agreement_in_force() -> AgreementVersion | None:
    """The latest published version: the one companies accept now (None before the first)."""
    return (
        AgreementVersion.objects.filter(status=AgreementStatus.PUBLISHED)
        .select_related("published_by")
        .order_by("-number")
        .first()
    )


def agreement_draft_open() -> AgreementVersion | None:
    """The draft the office administrator is working on (there is at most one)."""
    return AgreementVersion.objects.filter(status=AgreementStatus.DRAFT).order_by("number").first()


def agreement_by_number(number: int) -> AgreementVersion | None:
    return (
        AgreementVersion.objects.filter(number=number)
        .select_related("created_by", "published_by")
        .first()
    )


def agreement_accepted_by(
    organization: Organization, agreement: AgreementVersion | None = None
) -> AgreementAcceptance | None:
    """The organization's acceptance of the version in force (or of `agreement`), if any."""
    agreement = agreement or agreement_in_force()
    if agreement is None:
        return None
    with scope(organization=organization):
        return (
            AgreementAcceptance.objects.filter(organization=organization, agreement=agreement)
            .select_related("agreement", "accepted_by")
            .first()
        )


def acceptances_of_organization(organization: Organization) -> QuerySet[AgreementAcceptance]:
    """The organization's acceptances, newest version first (its history)."""
    with scope(organization=organization):
        return (
            AgreementAcceptance.objects.filter(organization=organization)
            .select_related("agreement", "accepted_by")
            .order_by("-agreement__number", "-accepted_at")
        )


def acceptance_of_organization(
    organization: Organization, pk: object
) -> AgreementAcceptance | None:
    """One acceptance of the organization (None for another's or none at all)."""
    try:
        key = int(str(pk))
    except ValueError:
        return None
    return acceptances_of_organization(organization).filter(pk=key).first()


def agreement_deadline_of(
    organization: Organization, agreement: AgreementVersion | None
) -> Deadline | None:
    """The organization's open deadline to accept `agreement`, if it was asked to."""
    if agreement is None:
        return None
    with scope(organization=organization):
        return (
            Deadline.objects.filter(
                organization=organization,
                kind=DeadlineKind.AGREEMENT,
                agreement=agreement,
                closed_at__isnull=True,
            )
            .order_by("due_on")
            .first()
        )


# --- The office --------------------------------------------------------------------------


def agreements_for_office() -> QuerySet[AgreementVersion]:
    """Every version, newest first, with its number of acceptances (one query per page)."""
    return (
        AgreementVersion.objects.select_related("created_by", "published_by")
        .annotate(acceptance_count=Count("acceptances"))
        .order_by("-number")
    )


def acceptances_of_agreement_for_office(
    agreement: AgreementVersion,
) -> QuerySet[AgreementAcceptance]:
    """Who accepted this version, latest first, with the organization and the person."""
    with scopes_disabled():
        return (
            AgreementAcceptance.objects.filter(agreement=agreement)
            .select_related("organization", "accepted_by")
            .order_by("-accepted_at", "-pk")
        )


def acceptance_for_office(pk: object) -> AgreementAcceptance | None:
    try:
        key = int(str(pk))
    except ValueError:
        return None
    with scopes_disabled():
        return (
            AgreementAcceptance.objects.filter(pk=key)
            .select_related("organization", "agreement", "accepted_by")
            .first()
        )


def organizations_asked() -> QuerySet[Organization]:
    """The organizations that must accept the agreement in force: those holding a live
    certificate (valid or suspended) or with an application submitted and still open."""
    with scopes_disabled():
        holders = Certificate.objects.filter(status__in=LIVE).values("organization_id")
        applicants = Application.objects.filter(status__in=ASKED_STATES).values("organization_id")
    return Organization.objects.filter(Q(pk__in=holders) | Q(pk__in=applicants)).order_by(
        "legal_name", "pk"
    )


@dataclass(frozen=True)
class AwaitingOrganization:
    organization: Organization
    # Since when it has been asked: its open deadline's start, else the submission of its
    # open application or the publication of the version, whichever is later.
    since: datetime | None
    due_on: date | None = None  # the date of its open deadline, if it has one


@dataclass(frozen=True)
class AwaitingAcceptance:
    """The organizations that still have to accept the version in force, longest waiting
    first; `count` and `oldest` for the office's to-do list."""

    agreement: AgreementVersion | None
    organizations: list[AwaitingOrganization]

    @property
    def count(self) -> int:
        return len(self.organizations)

    @property
    def oldest(self) -> datetime | None:
        times = [row.since for row in self.organizations if row.since is not None]
        return min(times) if times else None


def organizations_awaiting_acceptance() -> AwaitingAcceptance:
    """Who must accept the agreement in force and has not (a bounded number of queries)."""
    agreement = agreement_in_force()
    if agreement is None:
        return AwaitingAcceptance(agreement=None, organizations=[])
    with scopes_disabled():
        accepted = AgreementAcceptance.objects.filter(agreement=agreement).values("organization_id")
        organizations = list(organizations_asked().exclude(pk__in=accepted))
        ids = [o.pk for o in organizations]
        submitted = dict(
            Application.objects.filter(organization_id__in=ids, status__in=ASKED_STATES)
            .values("organization_id")
            .annotate(first=Min("submitted_at"))
            .values_list("organization_id", "first")
        )
        deadlines = {
            d.organization_id: d
            for d in Deadline.objects.filter(
                organization_id__in=ids,
                kind=DeadlineKind.AGREEMENT,
                agreement=agreement,
                closed_at__isnull=True,
            ).order_by("-opened_at")
        }
    rows = []
    for organization in organizations:
        deadline = deadlines.get(organization.pk)
        if deadline is not None:
            since: datetime | None = deadline.opened_at
        else:
            candidates = [t for t in (agreement.published_at, submitted.get(organization.pk)) if t]
            since = max(candidates) if candidates else None
        rows.append(
            AwaitingOrganization(
                organization=organization,
                since=since,
                due_on=deadline.due_on if deadline else None,
            )
        )
    rows.sort(key=lambda r: (r.since is None, r.since or agreement.created_at))
    return AwaitingAcceptance(agreement=agreement, organizations=rows)
