"""Reads of auditors: who audits a case, their independence, their competence (qualifications
approved by the office, with their validity), the office's choice of auditors with the
reasons an auditor cannot be chosen, and the office's lists of auditors and applications."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import Auditor, User
from cpo_portal.tenancy.models import Membership, Organization
from cpo_portal.tenancy.selectors import membership_for
from criteria.models import SchemeKind

from ..models import (
    AUDITOR_STATES,
    Application,
    AssignmentRole,
    AssignmentStatus,
    AuditorAssignment,
    AuditorConflict,
    AuditorObjection,
    AuditorQualification,
    CertificationPolicy,
    ObjectionStatus,
    QualificationStatus,
)

QStatus = QualificationStatus


def assignments_of(
    application: Application, *, active_only: bool = False
) -> list[AuditorAssignment]:
    with scope(organization=application.organization):
        qs = application.assignments.select_related("auditor__user", "assigned_by")
        if active_only:
            qs = qs.filter(status=AssignmentStatus.ACTIVE)
        # The lead first ("co" sorts before "lead" alphabetically).
        lead_first = Case(When(role=AssignmentRole.LEAD, then=0), default=1)
        return list(qs.order_by(lead_first, "assigned_at", "pk"))


def independence_lost(user: Any, organization: Any) -> Q:
    """Where `user` belongs to, or declared a conflict in force with, `organization` (an
    OuterRef or an Organization): they may not audit it, whatever the assignment says.
    Build it with scopes disabled; it adds two subqueries, not a query."""
    today = timezone.localdate()
    member = Membership.objects.filter(organization=organization, user=user)
    conflict = AuditorConflict.objects.filter(auditor__user=user, organization=organization).filter(
        Q(until__isnull=True) | Q(until__gte=today)
    )
    return Q(Exists(member)) | Q(Exists(conflict))


def assignment_of_auditor(user: Any, application: Application) -> AuditorAssignment | None:
    with scope(organization=application.organization):
        return (
            AuditorAssignment.objects.filter(
                application=application, auditor__user=user, status=AssignmentStatus.ACTIVE
            )
            .select_related("auditor")
            .first()
        )


# --- Qualifications: in force, and why not ---------------------------------------------------


def qualification_today() -> date:
    """The calendar day validity dates are read against (the office's local day)."""
    return timezone.localdate()


def _short(day: date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def in_force_q(today: date) -> Q:
    """An approved qualification whose validity covers `today`. A legacy row (approved
    before validity was recorded) has neither date and counts as in force."""
    return (
        Q(status=QStatus.APPROVED)
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    )


def is_qualified(auditor: Auditor, scheme_kind: str) -> bool:
    """The auditor holds an approved qualification for the scheme in force today."""
    return (
        AuditorQualification.objects.filter(auditor=auditor, scheme_kind=scheme_kind)
        .filter(in_force_q(qualification_today()))
        .exists()
    )


def qualification_problem_of(
    rows: Iterable[AuditorQualification], *, today: date | None = None
) -> str | None:
    """Why the qualification rows of one auditor and one scheme (any order) give no
    qualification in force today, or None when one is in force."""
    today = today or qualification_today()
    ordered = sorted(rows, key=lambda q: (q.created_at, q.pk), reverse=True)
    approved = next((q for q in ordered if q.status == QStatus.APPROVED), None)
    pending = any(q.status == QStatus.APPLIED for q in ordered)
    reasons: list[str] = []
    if approved is not None:
        if approved.valid_until is not None and approved.valid_until < today:
            reasons.append(
                _("qualification expired on %(date)s") % {"date": _short(approved.valid_until)}
            )
        elif approved.valid_from is not None and approved.valid_from > today:
            reasons.append(
                _("qualification valid only from %(date)s") % {"date": _short(approved.valid_from)}
            )
        else:
            return None
    if pending:
        reasons.append(_("application awaiting the office's decision"))
    elif approved is None:
        decided = next((q for q in ordered if q.status in (QStatus.REFUSED, QStatus.REVOKED)), None)
        if decided is not None and decided.status == QStatus.REVOKED:
            day = (
                _short(timezone.localtime(decided.decided_at).date()) if decided.decided_at else ""
            )
            reasons.append(_("qualification revoked on %(date)s") % {"date": day})
        elif decided is not None:
            reasons.append(_("application refused"))
        else:
            reasons.append(_("no qualification for this scheme"))
    return "; ".join(reasons)


def qualification_problem(auditor: Auditor, scheme_kind: str) -> str | None:
    """Why the auditor is not qualified for the scheme today (one query), or None."""
    rows = AuditorQualification.objects.filter(auditor=auditor, scheme_kind=scheme_kind).only(
        "status", "valid_from", "valid_until", "decided_at", "created_at"
    )
    return qualification_problem_of(rows)


# --- The office's choice of auditors for a case ------------------------------------------


@dataclass
class AuditorOption:
    """One auditor for one case: whether they may be assigned, and every reason why not."""

    auditor: Auditor
    qualified: bool
    conflict: str | None
    active: bool = True
    reasons: list[str] = field(default_factory=list)
    # Worth knowing, not a refusal: e.g. a qualification without a recorded validity.
    notes: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def why(self) -> str:
        return "; ".join(self.reasons)


def auditor_options(
    application: Application,
    *,
    include_inactive: bool = False,
    by: User | None = None,
) -> list[AuditorOption]:
    """Every active auditor with whether they may audit this application and, if not, the
    real reasons (the same the assignment refuses); `include_inactive`: the deactivated ones
    too; `by`: the office member who assigns (they cannot assign themselves). Two queries,
    whatever the number of auditors."""
    today = qualification_today()
    organization = application.organization
    with scopes_disabled():
        conflicts = AuditorConflict.objects.filter(
            auditor=OuterRef("pk"), organization=organization
        ).filter(Q(until__isnull=True) | Q(until__gte=timezone.localdate()))
        auditors = (
            Auditor.objects.select_related("user")
            .annotate(
                conflict_declared=Exists(conflicts),
                # Without end sorts first: the longest conflict is the one to name.
                conflict_until=Subquery(
                    conflicts.order_by(F("until").desc(nulls_first=True)).values("until")[:1]
                ),
                is_member=Exists(
                    Membership.objects.filter(organization=organization, user=OuterRef("user"))
                ),
                objection_upheld=Exists(
                    AuditorObjection.objects.filter(
                        plan__application=application,
                        assignment__auditor=OuterRef("pk"),
                        status=ObjectionStatus.UPHELD,
                    )
                ),
                assigned_here=Exists(
                    AuditorAssignment.objects.filter(
                        application=application,
                        auditor=OuterRef("pk"),
                        status=AssignmentStatus.ACTIVE,
                    )
                ),
            )
            .order_by("user__full_name", "user__email", "pk")
        )
        if not include_inactive:
            auditors = auditors.filter(is_active=True, user__is_active=True)
        auditors_list = list(auditors)
    rows: dict[int, list[AuditorQualification]] = {}
    for q in AuditorQualification.objects.filter(scheme_kind=application.kind).only(
        "auditor_id", "status", "valid_from", "valid_until", "decided_at", "created_at"
    ):
        rows.setdefault(q.auditor_id, []).append(q)
    return [_option(a, rows.get(a.pk, []), today=today, by=by) for a in auditors_list]


def _option(
    auditor: Any, rows: list[AuditorQualification], *, today: date, by: User | None
) -> AuditorOption:
    reasons: list[str] = []
    notes: list[str] = []
    active = bool(auditor.is_active and auditor.user.is_active)
    if not auditor.is_active:
        reasons.append(_("auditor profile deactivated"))
    if not auditor.user.is_active:
        reasons.append(_("account deactivated"))
    problem = qualification_problem_of(rows, today=today)
    if problem:
        reasons.append(problem)
    elif any(q.status == QStatus.APPROVED and q.valid_until is None for q in rows):
        notes.append(_("no validity recorded"))
    conflict = None
    if auditor.conflict_declared:
        conflict = "declared"
        reasons.append(
            _("declared a conflict of interest until %(date)s")
            % {"date": _short(auditor.conflict_until)}
            if auditor.conflict_until
            else _("declared a conflict of interest without end")
        )
    if auditor.is_member:
        conflict = conflict or "member"
        reasons.append(_("member of the organization"))
    if auditor.objection_upheld:
        reasons.append(_("the company's objection to this auditor was upheld in this case"))
    if auditor.assigned_here:
        reasons.append(_("already assigned to this case"))
    if by is not None and auditor.user_id == by.pk:
        reasons.append(_("you cannot assign yourself"))
    return AuditorOption(
        auditor=auditor,
        qualified=problem is None,
        conflict=conflict,
        active=active,
        reasons=reasons,
        notes=notes,
    )


def active_auditor(pk: Any) -> Auditor | None:
    """An active auditor the office may assign, by id; None for anything else."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        Auditor.objects.filter(pk=pk, is_active=True, user__is_active=True)
        .select_related("user")
        .first()
    )


def conflict_reason(auditor: Auditor, organization: Organization) -> str | None:
    """Why this auditor may not audit this organization, or None."""
    today = timezone.localdate()
    declared = AuditorConflict.objects.filter(auditor=auditor, organization=organization).filter(
        Q(until__isnull=True) | Q(until__gte=today)
    )
    if declared.exists():
        return _("%(auditor)s declared a conflict of interest with %(org)s.") % {
            "auditor": auditor,
            "org": organization,
        }
    if membership_for(organization=organization, user=auditor.user) is not None:
        return _("%(auditor)s is a member of %(org)s.") % {"auditor": auditor, "org": organization}
    return None


def conflicts_of_auditor(auditor: Auditor) -> list[AuditorConflict]:
    """The auditor's declared conflicts of interest, the latest first (one query)."""
    return list(
        AuditorConflict.objects.filter(auditor=auditor)
        .select_related("organization")
        .order_by("-declared_at", "-pk")
    )


def conflict_of_auditor(user: Any, pk: Any) -> AuditorConflict | None:
    """One of the user's own conflict declarations; anyone else's is None."""
    return (
        AuditorConflict.objects.filter(pk=pk, auditor__user=user)
        .select_related("auditor", "organization")
        .first()
    )


# --- Competence: the record of an auditor ---------------------------------------------------


def qualification_warning_days() -> int:
    """How many days before its end a qualification is flagged (the office's policy)."""
    days = CertificationPolicy.objects.order_by("pk").values_list(
        "qualification_warning_days", flat=True
    )
    first = days.first()
    if first is None:
        default = CertificationPolicy._meta.get_field("qualification_warning_days").default
        return int(default)
    return int(first)


@dataclass(frozen=True)
class Standing:
    """One qualification row as it stands today."""

    qualification: AuditorQualification
    in_force: bool = False
    expired: bool = False
    not_yet: bool = False
    # In force, ending within the warning days of the policy.
    expiring: bool = False
    # Approved before the office recorded validity (migration 0004): in force without end.
    no_validity: bool = False

    @property
    def days_left(self) -> int | None:
        until = self.qualification.valid_until
        return (until - qualification_today()).days if until and self.in_force else None


def standing_of(qualification: AuditorQualification, *, today: date, warn_days: int) -> Standing:
    q = qualification
    if q.status != QStatus.APPROVED:
        return Standing(q)
    expired = q.valid_until is not None and q.valid_until < today
    not_yet = q.valid_from is not None and q.valid_from > today
    in_force = not expired and not not_yet
    expiring = bool(
        in_force and q.valid_until is not None and q.valid_until <= today + timedelta(warn_days)
    )
    return Standing(
        q,
        in_force=in_force,
        expired=expired,
        not_yet=not_yet,
        expiring=expiring,
        no_validity=q.valid_until is None,
    )


@dataclass(frozen=True)
class SchemeCompetence:
    kind: str
    label: Any
    current: Standing | None
    pending: AuditorQualification | None


@dataclass
class Competence:
    """An auditor's competence: per scheme the approved qualification (if any), the open
    application, and every row ever (the history), newest first."""

    auditor: Auditor
    history: list[Standing]
    current: dict[str, Standing | None]
    pending: dict[str, AuditorQualification | None]
    conflicts: list[AuditorConflict] = field(default_factory=list)

    @property
    def expiring(self) -> list[Standing]:
        return [s for s in self.current.values() if s is not None and s.expiring]

    @property
    def in_force(self) -> list[Standing]:
        return [s for s in self.current.values() if s is not None and s.in_force]

    @property
    def by_scheme(self) -> list[SchemeCompetence]:
        return [
            SchemeCompetence(kind, SchemeKind(kind).label, self.current[kind], self.pending[kind])
            for kind in SchemeKind.values
        ]


def _competence(
    auditor: Auditor,
    rows: Iterable[AuditorQualification],
    *,
    today: date,
    warn_days: int,
    conflicts: list[AuditorConflict] | None = None,
) -> Competence:
    history = [
        standing_of(q, today=today, warn_days=warn_days)
        for q in sorted(rows, key=lambda q: (q.created_at, q.pk), reverse=True)
    ]
    current: dict[str, Standing | None] = dict.fromkeys(SchemeKind.values)
    pending: dict[str, AuditorQualification | None] = dict.fromkeys(SchemeKind.values)
    for s in history:
        kind = s.qualification.scheme_kind
        if s.qualification.status == QStatus.APPROVED and current.get(kind) is None:
            current[kind] = s
        if s.qualification.status == QStatus.APPLIED and pending.get(kind) is None:
            pending[kind] = s.qualification
    return Competence(
        auditor=auditor,
        history=history,
        current=current,
        pending=pending,
        conflicts=conflicts or [],
    )


def competence_of(auditor: Auditor) -> Competence:
    """The competence record of one auditor: qualifications (all rows) and declared
    conflicts, in three queries."""
    rows = AuditorQualification.objects.filter(auditor=auditor).select_related("decided_by")
    return _competence(
        auditor,
        list(rows),
        today=qualification_today(),
        warn_days=qualification_warning_days(),
        conflicts=conflicts_of_auditor(auditor),
    )


def competences_of(auditors: Iterable[Auditor], *, warn_days: int) -> list[Competence]:
    """The competence of auditors whose qualifications are prefetched (auditors_for_office),
    for the office's list, without a query."""
    today = qualification_today()
    return [
        _competence(a, a.qualifications.all(), today=today, warn_days=warn_days) for a in auditors
    ]


def auditors_for_office() -> QuerySet[Auditor]:
    """Every auditor with every qualification row, declared conflicts, open applications and
    active assignment count."""
    return (
        Auditor.objects.select_related("user")
        .prefetch_related(
            Prefetch(
                "qualifications",
                queryset=AuditorQualification.objects.order_by("scheme_kind", "-created_at"),
            ),
            Prefetch(
                "conflicts",
                queryset=AuditorConflict.objects.select_related("organization").order_by(
                    "-declared_at"
                ),
            ),
        )
        .annotate(
            active_assignments=Count(
                "assignments",
                filter=Q(assignments__status=AssignmentStatus.ACTIVE)
                & Q(assignments__application__status__in=AUDITOR_STATES),
                distinct=True,
            ),
            pending_applications=Count(
                "qualifications",
                filter=Q(qualifications__status=QStatus.APPLIED),
                distinct=True,
            ),
        )
        .order_by("-is_active", "user__full_name", "user__email")
    )


def auditor_for_office(pk: Any) -> Auditor | None:
    """Any auditor, by id, for the office's record of them."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return Auditor.objects.filter(pk=pk).select_related("user").first()


def audits_of_auditor_for_office(auditor: Auditor) -> QuerySet[AuditorAssignment]:
    """Every assignment of the auditor, ended and declined ones too, the latest first: the
    audits they performed (the office reads them across organizations)."""
    with scopes_disabled():
        return (
            AuditorAssignment.objects.filter(auditor=auditor)
            .select_related("application__organization")
            .order_by("-assigned_at", "-pk")
        )


def audits_of_auditor(user: Any, *, limit: int = 20) -> list[AuditorAssignment]:
    """The auditor's own latest assignments, for their profile (bounded)."""
    with scopes_disabled():
        return list(
            AuditorAssignment.objects.filter(auditor__user=user)
            .select_related("application__organization")
            .order_by("-assigned_at", "-pk")[:limit]
        )


# --- Applications and expiry: the office's queues ---------------------------------------


def office_qualification_queue() -> QuerySet[AuditorQualification]:
    """Applications for a qualification awaiting the office's decision, the oldest first."""
    return (
        AuditorQualification.objects.filter(status=QStatus.APPLIED)
        .select_related("auditor__user")
        .order_by("applied_at", "pk")
    )


def qualifications_nearing_expiry(
    *, within_days: int | None = None
) -> QuerySet[AuditorQualification]:
    """Qualifications in force that end within `within_days` (the policy's warning days by
    default), of active auditors, the soonest first; `renewal_pending` says whether the
    auditor has applied again."""
    today = qualification_today()
    days = qualification_warning_days() if within_days is None else within_days
    return (
        AuditorQualification.objects.filter(in_force_q(today))
        .filter(valid_until__isnull=False, valid_until__lte=today + timedelta(days))
        .filter(auditor__is_active=True, auditor__user__is_active=True)
        .annotate(
            renewal_pending=Exists(
                AuditorQualification.objects.filter(
                    auditor=OuterRef("auditor"),
                    scheme_kind=OuterRef("scheme_kind"),
                    status=QStatus.APPLIED,
                )
            )
        )
        .select_related("auditor__user")
        .order_by("valid_until", "pk")
    )


def qualification_counts(*, warn_days: int) -> dict[str, int]:
    """How many applications await a decision, and how many qualifications of active
    auditors end within `warn_days` (one query)."""
    today = qualification_today()
    expiring = (
        in_force_q(today)
        & Q(valid_until__isnull=False, valid_until__lte=today + timedelta(warn_days))
        & Q(auditor__is_active=True, auditor__user__is_active=True)
    )
    counts = AuditorQualification.objects.aggregate(
        applied=Count("pk", filter=Q(status=QStatus.APPLIED)),
        expiring=Count("pk", filter=expiring),
    )
    return {key: int(value or 0) for key, value in counts.items()}


def qualification_for_office(pk: Any) -> AuditorQualification | None:
    """Any qualification row, by id, for the office."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        AuditorQualification.objects.filter(pk=pk)
        .select_related("auditor__user", "decided_by")
        .first()
    )


def qualification_of_auditor(user: Any, pk: Any) -> AuditorQualification | None:
    """One of the user's own qualification rows; anyone else's is None."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        AuditorQualification.objects.filter(pk=pk, auditor__user=user)
        .select_related("auditor__user", "decided_by")
        .first()
    )


def qualifications_of(auditor: Auditor) -> list[AuditorQualification]:
    """Every qualification row of the auditor, by scheme, the newest first (one query)."""
    return list(
        AuditorQualification.objects.filter(auditor=auditor)
        .select_related("decided_by")
        .order_by("scheme_kind", "-created_at", "-pk")
    )


def relying_audits(auditor: Auditor, scheme_kinds: Iterable[str]) -> list[AuditorAssignment]:
    """The auditor's active assignments to open audits of these schemes: what relies on
    their qualification right now."""
    kinds = list(scheme_kinds)
    if not kinds:
        return []
    with scopes_disabled():
        return list(
            AuditorAssignment.objects.filter(
                auditor=auditor,
                status=AssignmentStatus.ACTIVE,
                application__kind__in=kinds,
                application__status__in=AUDITOR_STATES,
            )
            .select_related("application__organization")
            .order_by("application__pk")
        )
