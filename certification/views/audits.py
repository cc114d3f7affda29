"""The audit: the auditor's area (the audits assigned to the auditor while assigned;
afterwards, read-only, their own past audits), the company's answers to findings, and the
office's score history.

Every working view of the auditor starts from `audit_for_auditor(request.user, pk)`: an audit
the user is not (or no longer) actively assigned to is a 404, whoever asks. Once the case is
decided or withdrawn, its auditors still open the audit page (read-only: scores, findings,
report) and their report's PDF — not the company's evidence files; an assignment that ended
early (declined, removed, a conflict of interest) leaves nothing. Writes go through the
services; their refusals become form errors, messages, or (for htmx autosave) a 409 / 422
fragment.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cpo_portal.accounts.decorators import auditor_required, office_required
from cpo_portal.documents.access import can_download
from cpo_portal.documents.views import document_file_response
from cpo_portal.errors import DomainError
from cpo_portal.forms import error_text
from cpo_portal.http import AuthenticatedRequest
from cpo_portal.pagination import paginate
from criteria.models import SubjectArea

from ..forms.audits import ReportForm, ScoreForm
from ..models import (
    SCORING_STATES,
    Application,
    AssignmentRole,
    AuditorAssignment,
    Rating,
    Recommendation,
    Score,
)
from ..pass_rule import GroupResult, PassResult
from ..selectors import audits as selectors
from ..selectors.auditors import assignment_of_auditor
from ..selectors.clarifications import clarification_counts
from ..selectors.deadlines import DeadlineRow, report_deadlines_of
from ..selectors.working_papers import working_paper_counts
from ..services import audits as services
from .applications import (
    office_application_or_404,
)

PAGE_SIZE = 25
PAST_PAGE_SIZE = 25
FILTERS = ("unscored", "shall", "findings")

# --- lookups ------------------------------------------------------------------------------


def audit_or_404(request: AuthenticatedRequest, pk: Any) -> Application:
    """The audit the user is actively assigned to (and independent of), else 404."""
    application = selectors.audit_for_auditor(request.user, pk)
    if application is None:
        raise Http404
    return application


def audit_case_or_404(request: AuthenticatedRequest, pk: Any) -> tuple[Application, bool]:
    """The audit and whether the auditor works on it (active) or only reads it (past), else
    404: the clarification and working-paper pages of an audit start here."""
    case = selectors.audit_case_for_auditor(request.user, pk)
    if case is None:
        raise Http404
    return case


def criterion_filter(request: AuthenticatedRequest) -> int | None:
    """The `?criterion=<id>` filter of an audit's lists (clarifications, working papers)."""
    value = request.GET.get("criterion", "")
    return int(value) if value.isdigit() else None


def _audit_url(application: Application, query: str = "", anchor: str = "") -> str:
    url = reverse("certification:audit", args=[application.pk])
    return f"{url}{'?' + query if query else ''}{'#' + anchor if anchor else ''}"


def _filter_query(params: QueryDict) -> str:
    """Only the known filters survive a round trip (nothing else is echoed back)."""
    return urlencode([(name, "1") for name in FILTERS if params.get(name)])


def _is_lead(request: AuthenticatedRequest, application: Application) -> bool:
    assignment = assignment_of_auditor(request.user, application)
    return bool(assignment and assignment.role == AssignmentRole.LEAD)


def _groups(
    result: PassResult, areas: list[SubjectArea]
) -> list[tuple[SubjectArea, GroupResult | None]]:
    return [(area, result.groups.get(str(area.pk))) for area in areas]


# --- The list of audits -------------------------------------------------------------------


@auditor_required
def audit_list(request: AuthenticatedRequest) -> HttpResponse:
    """The auditor's active assignments with scoring progress, and apart from them, paged
    on their own, the past audits (a fixed number of queries, whatever the number of rows)."""
    page = Paginator(selectors.audits_for_auditor(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    past = Paginator(selectors.past_audits_for_auditor(request.user), PAST_PAGE_SIZE).get_page(
        request.GET.get("past")
    )
    ids = [assignment.application_id for assignment in page.object_list]
    progress = selectors.scoring_progress(ids)
    # Deadlines: the due date of each audit's current step (the report, or the company's
    # self-assessment the audit waits for), one query for the page.
    due = report_deadlines_of(ids)
    rows = [
        AuditRow(
            assignment,
            progress.get(assignment.application_id),
            DeadlineRow.of(due.get(assignment.application_id)),
        )
        for assignment in page.object_list
    ]
    return render(
        request, "certification/audits/list.html", {"page": page, "rows": rows, "past": past}
    )


@dataclass(frozen=True)
class AuditRow:
    """One active assignment in the auditor's list, with the audit's scoring progress."""

    assignment: AuditorAssignment
    progress: dict[str, int] | None
    deadline: DeadlineRow | None = None

    @property
    def percent(self) -> int:
        counts = self.progress
        return round(100 * counts["scored"] / counts["total"]) if counts and counts["total"] else 0


# --- The scoring page ---------------------------------------------------------------------


@dataclass
class RowState:
    """What one row's editor shows: the saved score, or what the auditor sent back to them."""

    rating: str = ""
    rationale: str = ""
    version: int = 0
    error: str = ""
    conflict: Score | None = None
    saved: bool = False
    # Evidence required: refused for want of the auditor's confirmation (offer the checkbox).
    evidence_missing: bool = False

    @property
    def rating_label(self) -> str:
        return str(dict(Rating.choices).get(self.rating, ""))


def _state_of(score: Score | None) -> RowState:
    if score is None:
        return RowState()
    return RowState(rating=score.rating, rationale=score.rationale, version=score.version)


def _sheet_filter(params: QueryDict) -> selectors.SheetFilter:
    return selectors.SheetFilter(
        unscored=bool(params.get("unscored")),
        shall_only=bool(params.get("shall")),
        with_findings=bool(params.get("findings")),
    )


def _sheet_page(
    request: AuthenticatedRequest,
    application: Application,
    *,
    override: tuple[int, RowState] | None = None,
    status: int = 200,
) -> HttpResponse:
    filters = _sheet_filter(request.GET) if override is None else selectors.SheetFilter()
    sheet = selectors.application_sheet(application, filters)
    for row in sheet.rows:
        if override is not None and override[0] == row.criterion.pk:
            row.ui = override[1]
        else:
            row.ui = _state_of(row.score)
    _badges(sheet)
    filtered = any((filters.unscored, filters.shall_only, filters.with_findings))
    context = {
        "application": application,
        "organization": application.organization,
        "sheet": sheet,
        "result": sheet.result,
        "groups": [(block.area, block.result) for block in sheet.blocks],
        "filters": filters,
        "filtered": filtered,
        "filter_query": _filter_query(request.GET) if override is None else "",
        "visible": sum(len(block.rows) for block in sheet.blocks),
        "can_score": application.status in SCORING_STATES,
        "is_lead": _is_lead(request, application),
        "rating_choices": Rating.choices,
    }
    return render(request, "certification/audits/sheet.html", context, status=status)


@auditor_required
def audit_sheet(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Criteria by subject area: the company's answer and evidence beside the rating; for
    a past audit, the read-only record (the links in the decision e-mails lead here)."""
    application = selectors.audit_for_auditor(request.user, pk)
    if application is not None:
        return _sheet_page(request, application)
    assignment = selectors.past_audit_for_auditor(request.user, pk)
    if assignment is None:
        raise Http404
    return _past_page(request, assignment)


def _badges(sheet: selectors.Sheet) -> None:
    """Clarification requests and working papers per criterion: two queries for the sheet."""
    asked = clarification_counts(sheet.application)
    papers = working_paper_counts(sheet.application)
    for row in sheet.rows:
        row.clarifications = asked.get(row.criterion.pk)
        row.working_papers = papers.get(row.criterion.pk, 0)


def _past_page(request: AuthenticatedRequest, assignment: AuditorAssignment) -> HttpResponse:
    application = assignment.application
    sheet = selectors.application_sheet(application)
    _badges(sheet)
    report = selectors.audit_report_of(application)
    context = {
        "application": application,
        "organization": application.organization,
        "assignment": assignment,
        "sheet": sheet,
        "result": sheet.result,
        "groups": [(block.area, block.result) for block in sheet.blocks],
        "report_ready": bool(report and report.is_ready),
    }
    return render(request, "certification/audits/past.html", context)


@require_GET
@auditor_required
def report_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """The audit report's PDF, for the case's auditors while assigned and afterwards."""
    application = selectors.audit_for_auditor(request.user, pk)
    if application is None:
        assignment = selectors.past_audit_for_auditor(request.user, pk)
        application = assignment.application if assignment else None
    document = selectors.audit_report_of(application) if application else None
    if document is None or not can_download(request.user, document):
        raise Http404
    return document_file_response(document)


def _row_fragment(
    request: AuthenticatedRequest,
    application: Application,
    criterion_id: int,
    state: RowState,
    *,
    status: int,
    score: Score | None = None,
) -> HttpResponse:
    response = render(
        request,
        "certification/audits/_score_response.html",
        {"application": application, "criterion_id": criterion_id, "ui": state, "score": score},
        status=status,
    )
    if status == 200:
        response["HX-Trigger"] = "scoreSaved"
    return response


@require_POST
@auditor_required
def score_save(request: AuthenticatedRequest, pk: int, criterion_id: int) -> HttpResponse:
    """Autosave (htmx: only the row's feedback) or a plain form post (back to the page)."""
    application = audit_or_404(request, pk)
    form = ScoreForm(request.POST)
    rating = request.POST.get("rating", "")[:20]
    rationale = request.POST.get("rationale", "")[:10000]
    mine = RowState(rating=rating, rationale=rationale)
    if not form.is_valid():
        mine.error = " ".join(str(e) for errors in form.errors.values() for e in errors)
        mine.version = _int(request.POST.get("version"))
        return _refused(request, application, criterion_id, mine, status=422)
    mine.version = form.cleaned_data["version"]
    try:
        score = services.score_save(
            application_id=application.pk,
            criterion_id=criterion_id,
            rating=form.cleaned_data["rating"],
            rationale=form.cleaned_data["rationale"],
            expected_version=form.expected_version(),
            by=request.user,
            without_evidence=form.cleaned_data["without_evidence"],
        )
    except services.ScoreConflict as exc:
        mine.conflict = exc.current
        mine.error = error_text(exc)
        return _refused(request, application, criterion_id, mine, status=409)
    except DomainError as exc:
        if exc.code in ("wrong_scheme", "not_assigned", "not_independent"):
            # Not a row of this audit (or no longer this auditor's): nothing to show it in.
            raise Http404 from None
        mine.error = error_text(exc)
        mine.evidence_missing = exc.code == "evidence_missing"
        return _refused(request, application, criterion_id, mine, status=422)
    if request.htmx:
        state = _state_of(score)
        state.saved = True
        return _row_fragment(request, application, criterion_id, state, status=200, score=score)
    messages.success(request, _("The score of %(code)s is saved.") % {"code": score.criterion.code})
    return redirect(
        _audit_url(application, _filter_query(request.POST), anchor=f"c-{criterion_id}")
    )


def _int(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def _refused(
    request: AuthenticatedRequest,
    application: Application,
    criterion_id: int,
    mine: RowState,
    *,
    status: int,
) -> HttpResponse:
    if request.htmx:
        return _row_fragment(request, application, criterion_id, mine, status=status)
    return _sheet_page(request, application, override=(criterion_id, mine), status=status)


@auditor_required
def audit_summary(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The live score summary (refreshed by htmx after every save)."""
    application = audit_or_404(request, pk)
    result = selectors.pass_result_of(application)
    context = {
        "application": application,
        "result": result,
        "groups": _groups(result, selectors.subject_areas(application)),
    }
    return render(request, "certification/audits/_summary.html", context)


# The auditor's findings: views/findings.py.


# --- The lead auditor's steps -------------------------------------------------------------


def _lead_step(
    request: AuthenticatedRequest, pk: int, action: Callable[..., Application], done: str
) -> HttpResponse:
    application = audit_or_404(request, pk)
    try:
        action(application=application, by=request.user)
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done)
    return redirect(_audit_url(application))


@require_POST
@auditor_required
def request_corrections(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _lead_step(
        request,
        pk,
        services.audit_request_corrections,
        _("The company is asked for corrective actions."),
    )


@require_POST
@auditor_required
def resume_audit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _lead_step(request, pk, services.audit_resume, _("The audit is resumed."))


@auditor_required
def report(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The pass-rule breakdown and, for the lead auditor, the recommendation."""
    application = audit_or_404(request, pk)
    form = ReportForm(
        request.POST if request.method == "POST" else None,
        initial={"summary": application.report_summary},
    )
    is_lead = _is_lead(request, application)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_submit(
                application=application,
                recommendation=form.cleaned_data["recommendation"],
                summary=form.cleaned_data["summary"],
                by=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request, _("The audit report is submitted; the CPO office will decide.")
            )
            return redirect(_audit_url(application))
    result = selectors.pass_result_of(application)
    context = {
        "application": application,
        "organization": application.organization,
        "result": result,
        "groups": _groups(result, selectors.subject_areas(application)),
        "form": form,
        "is_lead": is_lead,
        "can_submit": is_lead and application.status in SCORING_STATES,
        "grant": Recommendation.GRANT,
    }
    status = 422 if form.errors else 200
    return render(request, "certification/audits/report.html", context, status=status)


# The company's answers to findings: views/findings.py.


# --- The office's score history -----------------------------------------------------------


@office_required
def office_score_history(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = office_application_or_404(pk)
    page = paginate(request, selectors.score_changes_of(application), per_page=50)
    return render(
        request,
        "certification/audits/office_score_history.html",
        {
            "application": application,
            "organization": application.organization,
            "page": page,
            "changes": list(page.object_list),
        },
    )
