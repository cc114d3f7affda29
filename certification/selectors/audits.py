"""Reads of the audit: the auditor's audits (current and past), the sheet of criteria with
answers, evidence, scores and findings, the pass rule's result, score history, the report."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet
from django_scopes import scope, scopes_disabled

from cpo_portal.documents.models import Document
from criteria.models import AssessmentCriterion, Obligation, SubjectArea

from ..models import (
    AUDITOR_STATES,
    PAST_STATES,
    Application,
    AssignmentStatus,
    AuditorAssignment,
    Evidence,
    Finding,
    FindingKind,
    FindingStatus,
    Score,
    ScoreChange,
    SelfAssessmentAnswer,
)
from ..pass_rule import GroupResult, PassResult, ScoredCriterion, evaluate
from .auditors import independence_lost

AUDIT_REPORT_KIND = "audit_report"


# --- The auditor's audits ------------------------------------------------------------------


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


def audit_case_for_auditor(user: Any, pk: Any) -> tuple[Application, bool] | None:
    """The audit and whether the user works on it (True: actively assigned) or only reads it
    (False: their past audit); None for anyone else."""
    application = audit_for_auditor(user, pk)
    if application is not None:
        return application, True
    assignment = past_audit_for_auditor(user, pk)
    if assignment is None:
        return None
    return assignment.application, False


def scoring_progress(application_ids: list[int]) -> dict[int, dict[str, int]]:
    """How many criteria of each audit are scored, of how many (one query)."""
    with scopes_disabled():
        return {
            row["application_id"]: {"total": row["total"], "scored": row["scored"]}
            for row in Score.objects.filter(application_id__in=application_ids)
            .values("application_id")
            .annotate(total=Count("pk"), scored=Count("pk", filter=~Q(rating="")))
        }


# --- Score history and the report -----------------------------------------------------------


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


def audit_report_of(application: Application) -> Document | None:
    """The newest audit report Document of the application, or None."""
    with scopes_disabled():
        return (
            Document.objects.filter(
                kind=AUDIT_REPORT_KIND,
                owner_type=ContentType.objects.get_for_model(Application),
                owner_id=str(application.pk),
            )
            .order_by("-created_at", "-pk")
            .first()
        )


# --- Sheets: the criteria of an application with answers, evidence, scores, findings -------


@dataclass
class Row:
    criterion: AssessmentCriterion
    answer: SelfAssessmentAnswer | None = None
    evidence: list[Evidence] = field(default_factory=list)
    score: Score | None = None
    findings: list[Finding] = field(default_factory=list)
    # What a page shows beside the row, set by its view: the answer's editor (form, a refused
    # stale save, the evidence form) or the scoring page's state of the row (ui).
    form: Any = None
    conflict: Any = None
    evidence_form: Any = None
    ui: Any = None
    # The scoring sheet's badges (clarifications, working_papers): counts for this criterion.
    clarifications: dict[str, int] | None = None
    working_papers: int = 0

    @property
    def lacks_evidence(self) -> bool:
        """Evidence required, none given (the sheet and the self-assessment mark the row)."""
        return bool(self.criterion.evidence_required and not self.evidence)

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


# Findings: selectors/findings.py.


def subject_areas(application: Application) -> list[SubjectArea]:
    """The subject areas of the application's scheme, in their order (for the pass rule's
    groups)."""
    return list(
        SubjectArea.objects.filter(scheme_id=application.scheme_id)
        .select_related("category")
        .order_by("position", "number")
    )
