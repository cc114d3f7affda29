"""Reads of the certification workflow, each named for who it serves and query-bounded."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, Exists, OuterRef, Prefetch, Q, QuerySet, When
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import Auditor
from cpo_portal.accounts.roles import is_office
from cpo_portal.tenancy.models import Membership, Organization
from cpo_portal.tenancy.selectors import membership_for
from criteria.models import AssessmentCriterion, Obligation, SchemeKind, SubjectArea
from signees.models import SigneeStatus
from signees.selectors import signee_of_organization

from .models import (
    Application,
    ApplicationStatus,
    AssignmentRole,
    AssignmentStatus,
    AuditorAssignment,
    AuditorConflict,
    AuditorQualification,
    AuditType,
    Certificate,
    CertificateStatus,
    Evidence,
    Finding,
    FindingKind,
    FindingStatus,
    OrganizationalGrant,
    Score,
    ScoreChange,
    SelfAssessmentAnswer,
)
from .pass_rule import GroupResult, PassResult, ScoredCriterion, evaluate
from .services.lifecycle import AUDITOR_STATES, now


def has_valid_organizational_certification(organization: Organization) -> bool:
    """An active organizational certificate, or one the office recorded by hand."""
    today = timezone.now().date()
    with scope(organization=organization):
        if OrganizationalGrant.objects.filter(
            organization=organization, revoked_at__isnull=True, valid_until__gte=today
        ).exists():
            return True
        return Certificate.objects.filter(
            organization=organization,
            kind=SchemeKind.ORGANIZATIONAL,
            status=CertificateStatus.ACTIVE,
            valid_until__gte=today,
        ).exists()


# --- The organization --------------------------------------------------------------------


def applications_of_organization(organization: Organization) -> QuerySet[Application]:
    with scope(organization=organization):
        return (
            Application.objects.filter(organization=organization)
            .select_related("scheme__version")
            .order_by("-created_at", "-pk")
        )


def application_of_organization(organization: Organization, pk: Any) -> Application | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    with scope(organization=organization):
        return (
            Application.objects.filter(organization=organization, pk=pk)
            .select_related("organization", "scheme__version", "decided_by", "report_submitted_by")
            .first()
        )


@dataclass
class Recertification:
    """One certificate the organization may renew: whether a recertification can be started
    now, or the one under way."""

    certificate: Certificate
    possible: bool = False
    open_application: Application | None = None


def recertifications_of_organization(
    organization: Organization, *, certificate: Certificate | None = None
) -> list[Recertification]:
    """The organization's certificates that can still be renewed (live, within their
    validity), with what the services would say: possible, or already under way. The same
    rules as `application_create` (signee approved, a product needs a valid organizational
    certificate); whether the user may apply is the caller's. At most four queries."""
    today = now().date()
    with scope(organization=organization):
        live = Certificate.objects.filter(
            organization=organization,
            status__in=(CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED),
            valid_until__gte=today,
        )
        if certificate is not None:
            live = live.filter(pk=certificate.pk)
        certificates = list(live.order_by("valid_until", "number"))
        if not certificates:
            return []
        under_way = {
            application.certificate_id: application
            for application in Application.objects.filter(
                certificate__in=certificates, audit_type=AuditType.RECERTIFICATION
            )
            .exclude(
                status__in=(
                    ApplicationStatus.DECIDED,
                    ApplicationStatus.WITHDRAWN,
                    ApplicationStatus.REJECTED,
                )
            )
            .order_by("pk")
        }
    signee = signee_of_organization(organization)
    approved = bool(signee and signee.status == SigneeStatus.APPROVED)
    products_allowed = (
        approved
        and any(c.kind == SchemeKind.PRODUCT for c in certificates)
        and has_valid_organizational_certification(organization)
    )
    return [
        Recertification(
            certificate=c,
            open_application=under_way.get(c.pk),
            possible=approved
            and c.pk not in under_way
            and (c.kind != SchemeKind.PRODUCT or products_allowed),
        )
        for c in certificates
    ]


def events_of(application: Application) -> list[Any]:
    with scope(organization=application.organization):
        return list(application.events.select_related("by").order_by("at", "pk"))


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


# --- Auditors ----------------------------------------------------------------------------


def independence_lost(user: Any, organization: Any) -> Q:
    """Where `user` belongs to, or declared a conflict in force with, `organization` (an
    OuterRef or an Organization): they may not audit it, whatever the assignment says.
    Build it with scopes disabled; it adds two subqueries, not a query."""
    today = timezone.now().date()
    member = Membership.objects.filter(organization=organization, user=user)
    conflict = AuditorConflict.objects.filter(auditor__user=user, organization=organization).filter(
        Q(until__isnull=True) | Q(until__gte=today)
    )
    return Q(Exists(member)) | Q(Exists(conflict))


def audits_for_auditor(user: Any) -> list[AuditorAssignment]:
    """The auditor's active assignments, with their applications."""
    if not user.is_authenticated:
        return []
    with scopes_disabled():
        return list(
            AuditorAssignment.objects.filter(
                auditor__user=user,
                status=AssignmentStatus.ACTIVE,
                application__status__in=AUDITOR_STATES,
            )
            .exclude(independence_lost(user, OuterRef("application__organization")))
            .select_related("application__organization", "application__scheme__version")
            .order_by("application__window_start", "application__pk")
        )


def audit_for_auditor(user: Any, pk: Any) -> Application | None:
    """The application, only while the user is actively assigned to it and independent
    of the organization (checked on every request, not only at assignment)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not user.is_authenticated:
        return None
    with scopes_disabled():
        return (
            Application.objects.filter(
                pk=pk,
                status__in=AUDITOR_STATES,
                assignments__auditor__user=user,
                assignments__status=AssignmentStatus.ACTIVE,
            )
            .exclude(independence_lost(user, OuterRef("organization")))
            .select_related("organization", "scheme__version")
            .first()
        )


# A case that is over: its auditors keep read-only access to it (their record of work).
PAST_STATES = (ApplicationStatus.DECIDED, ApplicationStatus.WITHDRAWN)


def _lasted_until_the_end() -> Q:
    """An assignment that ended with the case, not before it: `end_assignments` ends it
    without a reason, while every early end (declined, removed by the office, a conflict of
    interest) must give one. Those leave the auditor nothing of the case."""
    return Q(
        application__status__in=PAST_STATES,
        status__in=(AssignmentStatus.ACTIVE, AssignmentStatus.ENDED),
        reason="",
    )


def past_audits_for_auditor(user: Any) -> QuerySet[AuditorAssignment]:
    """The auditor's finished audits (decided or withdrawn), the latest first."""
    with scopes_disabled():
        if not user.is_authenticated:
            return AuditorAssignment.objects.none()
        return (
            AuditorAssignment.objects.filter(_lasted_until_the_end(), auditor__user=user)
            .select_related("application__organization", "application__scheme__version")
            .order_by("-ended_at", "-application__pk", "-pk")
        )


def past_audit_for_auditor(user: Any, pk: Any) -> AuditorAssignment | None:
    """The user's assignment to a finished audit, read-only; None for anyone else."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not user.is_authenticated:
        return None
    with scopes_disabled():
        return (
            AuditorAssignment.objects.filter(
                _lasted_until_the_end(), auditor__user=user, application_id=pk
            )
            .select_related("application__organization", "application__scheme__version")
            .order_by("-pk")
            .first()
        )


def assignment_of_auditor(user: Any, application: Application) -> AuditorAssignment | None:
    with scope(organization=application.organization):
        return (
            AuditorAssignment.objects.filter(
                application=application, auditor__user=user, status=AssignmentStatus.ACTIVE
            )
            .select_related("auditor")
            .first()
        )


# --- The office --------------------------------------------------------------------------


@dataclass
class OfficeFilter:
    status: str = ""
    kind: str = ""
    q: str = ""


def applications_for_office(filters: OfficeFilter | None = None) -> QuerySet[Application]:
    filters = filters or OfficeFilter()
    with scopes_disabled():
        qs = Application.objects.exclude(status=ApplicationStatus.DRAFT).select_related(
            "organization", "scheme__version"
        )
        if filters.status in ApplicationStatus.values:
            qs = qs.filter(status=filters.status)
        if filters.kind in SchemeKind.values:
            qs = qs.filter(kind=filters.kind)
        q = filters.q.strip()[:100]
        if q:
            qs = qs.filter(
                Q(organization__display_name__icontains=q)
                | Q(organization__legal_name__icontains=q)
                | Q(product_name__icontains=q)
            )
        return qs.order_by("-submitted_at", "-pk")


def application_for_office(pk: Any) -> Application | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    with scopes_disabled():
        return (
            Application.objects.exclude(status=ApplicationStatus.DRAFT)
            .filter(pk=pk)
            .select_related("organization", "scheme__version", "decided_by", "report_submitted_by")
            .first()
        )


@dataclass
class AuditorOption:
    auditor: Auditor
    qualified: bool
    conflict: str | None
    active: bool = True

    @property
    def eligible(self) -> bool:
        return self.active and self.qualified and self.conflict is None


def auditor_options(
    application: Application, *, include_inactive: bool = False
) -> list[AuditorOption]:
    """Every active auditor with whether they may audit this application (and why not);
    `include_inactive`: the deactivated ones too, for the office to see why they are not
    offered."""
    today = timezone.now().date()
    auditors = Auditor.objects.select_related("user").order_by("user__full_name", "user__email")
    if not include_inactive:
        auditors = auditors.filter(is_active=True, user__is_active=True)
    qualified = set(
        AuditorQualification.objects.filter(scheme_kind=application.kind)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .values_list("auditor_id", flat=True)
    )
    declared = set(
        AuditorConflict.objects.filter(organization=application.organization)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .values_list("auditor_id", flat=True)
    )
    with scopes_disabled():
        from cpo_portal.tenancy.models import Membership

        members = set(
            Membership.objects.filter(organization=application.organization).values_list(
                "user_id", flat=True
            )
        )
    options = []
    for auditor in auditors:
        conflict = None
        if auditor.pk in declared:
            conflict = "declared"
        elif auditor.user_id in members:
            conflict = "member"
        active = auditor.is_active and auditor.user.is_active
        options.append(AuditorOption(auditor, auditor.pk in qualified, conflict, active))
    return options


def score_history(application: Application, limit: int = 500) -> list[ScoreChange]:
    """Every score change of the audit, newest first (the office's view)."""
    with scope(organization=application.organization):
        return list(
            ScoreChange.objects.filter(score__application=application)
            .select_related("score__criterion", "by")
            .order_by("-at", "-pk")[:limit]
        )


def score_changes_of(application: Application) -> QuerySet[ScoreChange]:
    """Every score change of the audit, newest first, for the office to page through."""
    with scope(organization=application.organization):
        return (
            ScoreChange.objects.filter(score__application=application)
            .select_related("score__criterion", "by")
            .order_by("-at", "-pk")
        )


def application_counts_for_office() -> dict[str, int]:
    """How many applications the office sees in each status (one query)."""
    from django.db.models import Count

    with scopes_disabled():
        rows = (
            Application.objects.exclude(status=ApplicationStatus.DRAFT)
            .order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        return dict(rows)


def audit_report_of(application: Application) -> Any:
    """The newest audit report Document of the application, or None."""
    from django.contrib.contenttypes.models import ContentType

    from cpo_portal.documents.models import Document

    with scopes_disabled():
        return (
            Document.objects.filter(
                kind="audit_report",
                owner_type=ContentType.objects.get_for_model(Application),
                owner_id=str(application.pk),
            )
            .order_by("-created_at", "-pk")
            .first()
        )


def auditors_for_office() -> QuerySet[Auditor]:
    """Every auditor with qualifications, declared conflicts and active assignment count."""
    from django.db.models import Count

    from .models import AuditorConflict

    return (
        Auditor.objects.select_related("user")
        .prefetch_related(
            "qualifications",
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
            )
        )
        .order_by("-is_active", "user__full_name", "user__email")
    )


def grants_for_office() -> QuerySet[OrganizationalGrant]:
    """Every organizational certification the office recorded, for all organizations."""
    with scopes_disabled():
        return OrganizationalGrant.objects.select_related("organization", "recorded_by").order_by(
            "-recorded_at", "-pk"
        )


# --- Sheets: the criteria of an application with answers, evidence, scores, findings -------


@dataclass
class Row:
    criterion: AssessmentCriterion
    answer: SelfAssessmentAnswer | None = None
    evidence: list[Evidence] = field(default_factory=list)
    score: Score | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def scored(self) -> bool:
        return bool(self.score and self.score.rating)


@dataclass
class Block:
    area: SubjectArea
    rows: list[Row]
    result: GroupResult | None = None

    @property
    def answered(self) -> int:
        return sum(1 for r in self.rows if r.answer)

    @property
    def scored(self) -> int:
        return sum(1 for r in self.rows if r.scored)


@dataclass
class Sheet:
    application: Application
    blocks: list[Block]
    result: PassResult
    findings: list[Finding]

    @property
    def rows(self) -> list[Row]:
        return [row for block in self.blocks for row in block.rows]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def answered(self) -> int:
        return sum(1 for r in self.rows if r.answer)

    @property
    def shall_unanswered(self) -> list[Row]:
        return [r for r in self.rows if r.criterion.obligation == Obligation.SHALL and not r.answer]

    @property
    def scored(self) -> int:
        return sum(1 for r in self.rows if r.scored)

    def percent(self, part: int) -> int:
        return round(100 * part / self.total) if self.total else 0

    @property
    def answered_percent(self) -> int:
        return self.percent(self.answered)

    @property
    def scored_percent(self) -> int:
        return self.percent(self.scored)


@dataclass
class SheetFilter:
    unscored: bool = False
    shall_only: bool = False
    with_findings: bool = False

    def keep(self, row: Row) -> bool:
        if self.unscored and row.scored:
            return False
        if self.shall_only and row.criterion.obligation != Obligation.SHALL:
            return False
        return not (self.with_findings and not row.findings)


def _open_majors(findings: list[Finding]) -> int:
    return sum(
        1 for f in findings if f.kind == FindingKind.MAJOR and f.status != FindingStatus.CLOSED
    )


def _result(application: Application, rows: list[Row], findings: list[Finding]) -> PassResult:
    return evaluate(
        (
            ScoredCriterion(
                code=row.criterion.code,
                obligation=row.criterion.obligation,
                rating=row.score.rating if row.score else "",
                na_allowed=row.criterion.na_allowed,
                group=str(row.criterion.area_id),
            )
            for row in rows
        ),
        threshold=Decimal(application.scheme.should_share),
        open_majors=_open_majors(findings),
    )


def application_sheet(
    application: Application, filters: SheetFilter | None = None, *, with_scores: bool = True
) -> Sheet:
    """The whole application, criterion by criterion, in a fixed number of queries (7)."""
    filters = filters or SheetFilter()
    with scope(organization=application.organization):
        areas = list(
            SubjectArea.objects.filter(scheme_id=application.scheme_id)
            .select_related("category")
            .order_by("position", "number")
        )
        criteria = list(
            AssessmentCriterion.objects.filter(scheme_id=application.scheme_id).order_by(
                "area__position", "position", "code"
            )
        )
        answers = {
            a.criterion_id: a
            for a in SelfAssessmentAnswer.objects.filter(application=application).select_related(
                "updated_by"
            )
        }
        evidence: dict[int, list[Evidence]] = defaultdict(list)
        finding_evidence: dict[int, list[Evidence]] = defaultdict(list)
        for item in Evidence.objects.filter(application=application).select_related("uploaded_by"):
            if item.finding_id:
                finding_evidence[item.finding_id].append(item)
            elif item.criterion_id:
                evidence[item.criterion_id].append(item)
        scores = (
            {
                s.criterion_id: s
                for s in Score.objects.filter(application=application).select_related("updated_by")
            }
            if with_scores
            else {}
        )
        findings = list(
            Finding.objects.filter(application=application)
            .prefetch_related(
                Prefetch("criteria", queryset=AssessmentCriterion.objects.only("pk", "code"))
            )
            .order_by("raised_at", "pk")
        )
    by_criterion: dict[int, list[Finding]] = defaultdict(list)
    for finding in findings:
        finding.evidence_items = finding_evidence.get(finding.pk, [])  # type: ignore[attr-defined]
        for criterion in finding.criteria.all():
            by_criterion[criterion.pk].append(finding)
    rows_by_area: dict[int, list[Row]] = defaultdict(list)
    all_rows = []
    for criterion in criteria:
        row = Row(
            criterion=criterion,
            answer=answers.get(criterion.pk),
            evidence=evidence.get(criterion.pk, []),
            score=scores.get(criterion.pk),
            findings=by_criterion.get(criterion.pk, []),
        )
        all_rows.append(row)
        rows_by_area[criterion.area_id].append(row)
    result = _result(application, all_rows, findings)
    blocks = [
        Block(
            area=area,
            rows=[r for r in rows_by_area.get(area.pk, []) if filters.keep(r)],
            result=result.groups.get(str(area.pk)),
        )
        for area in areas
    ]
    return Sheet(application=application, blocks=blocks, result=result, findings=findings)


def pass_result_of(application: Application) -> PassResult:
    """The pass rule applied to the current scores and findings (3 queries)."""
    with scope(organization=application.organization):
        criteria = list(
            AssessmentCriterion.objects.filter(scheme_id=application.scheme_id).only(
                "pk", "code", "obligation", "na_allowed", "area_id"
            )
        )
        ratings = dict(
            Score.objects.filter(application=application).values_list("criterion_id", "rating")
        )
        open_majors = (
            Finding.objects.filter(application=application, kind=FindingKind.MAJOR)
            .exclude(status=FindingStatus.CLOSED)
            .count()
        )
    return evaluate(
        (
            ScoredCriterion(
                code=c.code,
                obligation=c.obligation,
                rating=ratings.get(c.pk, ""),
                na_allowed=c.na_allowed,
                group=str(c.area_id),
            )
            for c in criteria
        ),
        threshold=Decimal(application.scheme.should_share),
        open_majors=open_majors,
    )


# --- Evidence access ---------------------------------------------------------------------


def evidence_for_user(user: Any, pk: Any) -> Evidence | None:
    """Evidence the user may download: members of the organization, auditors while
    actively assigned, the office. Anyone else gets None (a 404, never a hint)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not user.is_authenticated:
        return None
    with scopes_disabled():
        evidence = (
            Evidence.objects.select_related("application__organization").filter(pk=pk).first()
        )
        if evidence is None:
            return None
        application = evidence.application
        if is_office(user):
            return evidence
        if membership_for(organization=application.organization, user=user) is not None:
            return evidence
        assigned = (
            AuditorAssignment.objects.filter(
                application=application,
                auditor__user=user,
                auditor__is_active=True,
                status=AssignmentStatus.ACTIVE,
                application__status__in=AUDITOR_STATES,
            )
            .exclude(independence_lost(user, OuterRef("application__organization")))
            .exists()
        )
    return evidence if assigned else None


def finding_of_application(application: Application, pk: Any) -> Finding | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    with scope(organization=application.organization):
        return Finding.objects.filter(application=application, pk=pk).first()


def findings_of(application: Application) -> list[Finding]:
    """The findings of the case with the codes of their criteria (2 queries)."""
    with scope(organization=application.organization):
        return list(
            Finding.objects.filter(application=application)
            .prefetch_related(
                Prefetch("criteria", queryset=AssessmentCriterion.objects.only("pk", "code"))
            )
            .order_by("raised_at", "pk")
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
