"""Reads of deadlines and the to-do lists built on them: the office's queues (a count and the
age of the oldest row each, a fixed number of queries whatever the number of rows), its list
of open deadlines, what a company must do next, the auditor's due dates, and the certificate a
grant would issue (its confirmation page).

The office reads every organization, so its readers disable the tenant scope on purpose and
say "for_office" (or "office_") in their name; a company's readers enter its scope.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from cpo_portal.tenancy.models import Organization
from criteria.models import SchemeKind

from ..models import (
    CLOSED_STATES,
    DEADLINE_PARTY,
    LIVE,
    NONCONFORMITIES,
    Application,
    ApplicationStatus,
    AuditPlan,
    AuditType,
    Certificate,
    CertificateStatus,
    Deadline,
    DeadlineKind,
    DeadlineParty,
    Finding,
    FindingStatus,
    OrganizationalGrant,
    PlanStatus,
)
from .certificates import EXPIRING_DAYS, organizational_basis_of

S = ApplicationStatus
# A deadline's case, whichever step it is: read with it, never one query per row.
CASE_RELATED = (
    "organization",
    "application",
    "finding__application",
    "objection__plan__application",
    "agreement",
    "appeal",  # appeals: the office's step, named by the appeal's reference
)
# Which steps each party takes (the filters of the office's list).
KINDS_OF_PARTY = {
    party: [kind for kind in DeadlineKind if DEADLINE_PARTY[kind] == party]
    for party in DeadlineParty
}


def today() -> date:
    return timezone.localdate()


# --- The daily job ---------------------------------------------------------------------------


def deadlines_to_remind(*, today: date, days_before: int) -> list[Deadline]:
    """Open deadlines that may have a message due today: within `days_before` of their due
    date or past it, with a message not yet sent (one query)."""
    with scopes_disabled():
        return list(
            Deadline.objects.filter(
                closed_at__isnull=True, due_on__lte=today + timedelta(days=days_before)
            )
            .filter(
                Q(reminded_before_at__isnull=True)
                | Q(reminded_due_at__isnull=True)
                | Q(escalated_at__isnull=True)
            )
            .select_related(*CASE_RELATED)
            .order_by("due_on", "pk")
        )


# --- The office's list of open deadlines ---------------------------------------------------


@dataclass(frozen=True)
class DeadlineFilter:
    kind: str = ""
    party: str = ""
    overdue: bool = False

    @property
    def active(self) -> bool:
        return bool(self.kind or self.party or self.overdue)


def open_deadlines_for_office(
    filters: DeadlineFilter | None = None, *, on: date | None = None
) -> QuerySet[Deadline]:
    """Every open deadline, the earliest due first, with its case (for a paginated list)."""
    filters = filters or DeadlineFilter()
    on = on or today()
    with scopes_disabled():
        qs = Deadline.objects.filter(closed_at__isnull=True).select_related(
            *CASE_RELATED, "finding", "objection__assignment__auditor__user"
        )
        if filters.kind in DeadlineKind.values:
            qs = qs.filter(kind=filters.kind)
        if filters.party in DeadlineParty.values:
            qs = qs.filter(kind__in=KINDS_OF_PARTY[DeadlineParty(filters.party)])
        if filters.overdue:
            qs = qs.filter(due_on__lt=on)
        return qs.order_by("due_on", "pk")


@dataclass(frozen=True)
class DeadlineRow:
    """A deadline as the lists show it: its case, and how far it is from its date."""

    deadline: Deadline
    application: Application | None
    days_left: int  # negative: overdue by that many days

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left

    @property
    def party_label(self) -> str:
        return str(DeadlineParty(self.deadline.party).label)

    @classmethod
    def of(cls, deadline: Deadline | None, *, on: date | None = None) -> "DeadlineRow | None":
        """A deadline shown beside its case (which the page has already)."""
        if deadline is None:
            return None
        return cls(deadline, None, (deadline.due_on - (on or today())).days)


def case_of(deadline: Deadline) -> Application | None:
    """The application a deadline belongs to (through its finding or objection)."""
    if deadline.application_id is not None:
        return deadline.application
    finding, objection = deadline.finding, deadline.objection
    if finding is not None:
        return finding.application
    if objection is not None:
        return objection.plan.application
    return None


def deadline_rows(deadlines: Any, *, on: date | None = None) -> list[DeadlineRow]:
    on = on or today()
    return [DeadlineRow(d, case_of(d), (d.due_on - on).days) for d in deadlines]


# --- The office's queues -------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    """One queue of the office's start page: how many rows wait, and since when."""

    count: int
    oldest: date | datetime | None = None
    due_on: date | None = None
    overdue: int = 0


@dataclass(frozen=True)
class OfficeQueues:
    submitted: Queue
    decisions: Queue
    overdue: Queue
    by_kind: dict[str, Queue] = field(default_factory=dict)


def office_queues(*, on: date | None = None) -> OfficeQueues:
    """Applications to review, decisions waiting and overdue steps: two queries."""
    on = on or today()
    with scopes_disabled():
        applications = Application.objects.aggregate(
            submitted=Count("pk", filter=Q(status=S.SUBMITTED)),
            submitted_oldest=Min("submitted_at", filter=Q(status=S.SUBMITTED)),
            decisions=Count("pk", filter=Q(status=S.REPORT_SUBMITTED)),
            decisions_oldest=Min("report_submitted_at", filter=Q(status=S.REPORT_SUBMITTED)),
        )
        kinds = (
            Deadline.objects.filter(closed_at__isnull=True)
            .order_by()
            .values("kind")
            .annotate(
                n=Count("pk"),
                late=Count("pk", filter=Q(due_on__lt=on)),
                first_due=Min("due_on"),
            )
        )
        by_kind = {
            row["kind"]: Queue(row["n"], row["first_due"], row["first_due"], row["late"])
            for row in kinds
        }
    late = [q for q in by_kind.values() if q.overdue]
    first_due = min((q.due_on for q in late if q.due_on), default=None)
    decision = by_kind.get(DeadlineKind.DECISION)
    return OfficeQueues(
        submitted=Queue(applications["submitted"], applications["submitted_oldest"]),
        decisions=Queue(
            applications["decisions"],
            applications["decisions_oldest"],
            decision.due_on if decision else None,
            decision.overdue if decision else 0,
        ),
        overdue=Queue(sum(q.overdue for q in late), first_due, first_due, len(late)),
        by_kind=by_kind,
    )


def queue_of(rows: QuerySet[Any], oldest_field: str) -> Queue:
    """Count a queue another concern reads (objections, qualifications) and find its oldest
    row: one query."""
    with scopes_disabled():
        summary = rows.order_by().aggregate(n=Count("pk"), oldest=Min(oldest_field))
    return Queue(summary["n"], summary["oldest"])


def certificate_attention_queue(*, on: date | None = None) -> Queue:
    """Certificates needing the office's attention, as its attention list counts them:
    surveillance overdue, product certificates flagged, validity ending soon (one query)."""
    on = on or today()
    overdue = Q(status=CertificateStatus.ACTIVE, next_surveillance_due__lt=on)
    flagged = Q(status__in=LIVE, kind=SchemeKind.PRODUCT) & ~Q(flagged_reason="")
    expiring = Q(
        status__in=LIVE, valid_until__gte=on, valid_until__lte=on + timedelta(days=EXPIRING_DAYS)
    )
    with scopes_disabled():
        summary = Certificate.objects.aggregate(
            overdue=Count("pk", filter=overdue),
            flagged=Count("pk", filter=flagged),
            expiring=Count("pk", filter=expiring),
            surveillance_due=Min("next_surveillance_due", filter=overdue),
            flagged_since=Min("status_changed_at", filter=flagged),
            first_end=Min("valid_until", filter=expiring),
        )
    count = summary["overdue"] + summary["flagged"] + summary["expiring"]
    oldest = summary["surveillance_due"] or summary["flagged_since"]
    return Queue(count, oldest, summary["first_end"], summary["overdue"])


# --- What a company must do next -------------------------------------------------------------


@dataclass(frozen=True)
class OrganizationTodo:
    """The company's open steps with their due dates, and its certificates ending soon."""

    deadlines: list[DeadlineRow]
    plans: list[AuditPlan]
    expiring: list[Certificate]

    def of_kind(self, kind: str) -> list[DeadlineRow]:
        return [row for row in self.deadlines if row.deadline.kind == kind]


def organization_todo(organization: Organization, *, on: date | None = None) -> OrganizationTodo:
    """What the organization must do next: its open steps (self-assessment, findings,
    agreement), audit plans awaiting its confirmation, certificates ending within the
    attention window. Three queries."""
    on = on or today()
    company_kinds = KINDS_OF_PARTY[DeadlineParty.COMPANY]
    with scope(organization=organization):
        deadlines = list(
            Deadline.objects.filter(
                organization=organization, closed_at__isnull=True, kind__in=company_kinds
            )
            .select_related(*CASE_RELATED)
            .order_by("due_on", "pk")
        )
        plans = list(
            AuditPlan.objects.filter(
                application__organization=organization,
                status=PlanStatus.SENT,
            )
            .exclude(application__status__in=CLOSED_STATES)
            .select_related("application")
            .order_by("objection_deadline", "pk")
        )
        expiring = list(
            Certificate.objects.filter(
                organization=organization,
                status__in=LIVE,
                valid_until__gte=on,
                valid_until__lte=on + timedelta(days=EXPIRING_DAYS),
            ).order_by("valid_until", "pk")
        )
    return OrganizationTodo(deadline_rows(deadlines, on=on), plans, expiring)


# --- The auditor's due dates -----------------------------------------------------------------


def report_deadlines_of(application_ids: list[int]) -> dict[int, Deadline]:
    """The open deadline of each application's current step, by application (one query): the
    audit report's, or the company's self-assessment the audit waits for."""
    if not application_ids:
        return {}
    with scopes_disabled():
        deadlines = Deadline.objects.filter(
            application_id__in=application_ids,
            finding__isnull=True,
            objection__isnull=True,
            closed_at__isnull=True,
            kind__in=[DeadlineKind.AUDIT_REPORT, DeadlineKind.SELF_ASSESSMENT],
        ).order_by("-opened_at", "-pk")
        found: dict[int, Deadline] = {}
        for deadline in deadlines:
            assert deadline.application_id is not None
            found.setdefault(deadline.application_id, deadline)
        return found


def auditor_report_queue(user: Any, *, on: date | None = None) -> Queue:
    """The audit reports the auditor owes as lead auditor: how many, the earliest due date and
    how many are overdue (one query)."""
    on = on or today()
    if not getattr(user, "is_authenticated", False):
        return Queue(0)
    with scopes_disabled():
        summary = Deadline.objects.filter(
            kind=DeadlineKind.AUDIT_REPORT,
            closed_at__isnull=True,
            application__assignments__auditor__user=user,
            application__assignments__role="lead",
            application__assignments__status="active",
        ).aggregate(
            n=Count("pk", distinct=True),
            first_due=Min("due_on"),
            late=Count("pk", filter=Q(due_on__lt=on), distinct=True),
        )
    return Queue(summary["n"], None, summary["first_due"], summary["late"])


# --- The grant's confirmation: the certificate it would issue ------------------------------


@dataclass(frozen=True)
class GrantPreview:
    """What a grant of this application issues (the number is drawn when it is granted)."""

    application: Application
    issues: bool  # a surveillance audit confirms the certificate, it issues none
    number_pattern: str
    holder: str
    issued_on: date
    valid_until: date | None
    next_surveillance_due: date | None
    supersedes: Certificate | None
    # A product certificate's organizational basis (certificate_content picks the same one):
    # the company's valid organizational certificate, else the office's recorded grant; with
    # neither (`basis_missing`), a grant is refused.
    organizational: Certificate | None = None
    organizational_grant: OrganizationalGrant | None = None
    basis_missing: bool = False


PREFIX = {SchemeKind.ORGANIZATIONAL: "O", SchemeKind.PRODUCT: "P"}


def grant_preview(application: Application, *, on: date | None = None) -> GrantPreview:
    """The certificate a grant would issue today, as `certificate_issue` builds it."""
    on = on or today()
    scheme = application.scheme
    valid_until = on + relativedelta(months=scheme.validity_months)
    surveillance = (
        on + relativedelta(months=scheme.surveillance_months)
        if scheme.surveillance_months
        else None
    )
    recertifies = application.audit_type == AuditType.RECERTIFICATION
    issues = application.audit_type not in (AuditType.SURVEILLANCE, AuditType.SPECIAL)
    organizational, grant = (
        organizational_basis_of(application.organization)
        if issues and application.kind == SchemeKind.PRODUCT
        else (None, None)
    )
    return GrantPreview(
        application=application,
        # complaints: a special audit, like a surveillance audit, issues no certificate.
        issues=issues,
        number_pattern=f"CPO-{PREFIX[SchemeKind(application.kind)]}-{on.year}-…",
        holder=application.organization.legal_name,
        issued_on=on,
        valid_until=valid_until,
        next_surveillance_due=surveillance,
        supersedes=application.certificate if recertifies else None,
        organizational=organizational,
        organizational_grant=grant,
        basis_missing=issues
        and application.kind == SchemeKind.PRODUCT
        and organizational is None
        and grant is None,
    )


# --- Steps without their deadline (cases older than deadlines) -------------------------------


def applications_missing_deadline(kind: str, statuses: list[str]) -> list[Application]:
    """Applications in `statuses` without an open deadline of `kind` for their own step."""
    with scopes_disabled():
        open_step = Deadline.objects.filter(
            application=OuterRef("pk"),
            kind=kind,
            finding__isnull=True,
            objection__isnull=True,
            closed_at__isnull=True,
        )
        return list(
            Application.objects.filter(status__in=statuses)
            .exclude(Exists(open_step))
            .select_related("organization")
            .order_by("pk")
        )


def open_nonconformities_missing_deadline(application: Application) -> list[Finding]:
    """The application's open nonconformities without an open deadline for their answer."""
    with scope(organization=application.organization):
        open_answer = Deadline.objects.filter(
            finding=OuterRef("pk"), kind=DeadlineKind.FINDING_ANSWER, closed_at__isnull=True
        )
        return list(
            Finding.objects.filter(
                application=application, kind__in=NONCONFORMITIES, status=FindingStatus.OPEN
            )
            .exclude(Exists(open_answer))
            .select_related("application__organization")
            .order_by("pk")
        )


def applications_with_open_nonconformities(statuses: list[str]) -> list[Application]:
    """Applications in `statuses` with an open nonconformity (the audit waits for answers)."""
    with scopes_disabled():
        waiting = Finding.objects.filter(
            application=OuterRef("pk"), kind__in=NONCONFORMITIES, status=FindingStatus.OPEN
        )
        return list(
            Application.objects.filter(status__in=statuses)
            .filter(Exists(waiting))
            .select_related("organization")
            .order_by("pk")
        )
