"""The CPO office's side of certification: the queue, the case record, review, auditor
assignment, the four-eyes decision, score history, recorded grants and the auditors.

Every write goes through a service, which checks the state machine, qualification,
independence, four-eyes and the pass rule, logs and e-mails; a refusal is shown on the
page it came from and writes nothing. Forms only check the shape of the input.
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_scopes import scopes_disabled

from cpo_portal.accounts.decorators import office_required
from cpo_portal.pagination import paginate
from cpo_portal.tenancy.selectors import membership_for
from signees.selectors import signee_of_organization

from .. import selectors, services
from ..forms_office import (
    ALL,
    TODO,
    TODO_STATES,
    AssignForm,
    DecideForm,
    EndAssignmentForm,
    GrantForm,
    QueueFilterForm,
    ReopenForm,
    ReviewForm,
)
from ..models import (
    Application,
    ApplicationStatus,
    AssignmentRole,
    AssignmentStatus,
    AuditorAssignment,
)
from ..services.lifecycle import AUDITOR_STATES

S = ApplicationStatus

# Which review actions the record page offers from which status. The services decide
# what is allowed; this only chooses the forms shown (a test keeps it in step with EDGES).
REVIEW_OFFERED: dict[str, tuple[str, ...]] = {
    "accept": (S.SUBMITTED,),
    "return": (S.SUBMITTED,),
    "reject": (S.SUBMITTED, S.RETURNED),
}
REVIEW_LABELS = {
    "accept": gettext_lazy("Accept"),
    "return": gettext_lazy("Return for completion"),
    "reject": gettext_lazy("Reject"),
}
REVIEW_HELP = {
    "accept": gettext_lazy("The application is complete; auditors can be assigned next."),
    "return": gettext_lazy("The company completes the application and submits it again."),
    "reject": gettext_lazy("The application is refused; the case is closed."),
}
REVIEW_SERVICES = {
    "accept": services.application_accept,
    "return": services.application_return,
    "reject": services.application_reject,
}
# Statuses in which auditors can be added (a lead also while accepted).
ASSIGN_STATES = (S.ACCEPTED, *AUDITOR_STATES[:-1])

EVENT_LABELS = {
    "submit": gettext_lazy("Submitted"),
    "accept": gettext_lazy("Accepted"),
    "return": gettext_lazy("Returned for completion"),
    "reject": gettext_lazy("Rejected"),
    "assign": gettext_lazy("Lead auditor assigned"),
    "unassign": gettext_lazy("Lead auditor no longer assigned"),
    "start_self_assessment": gettext_lazy("Self-assessment started"),
    "submit_self_assessment": gettext_lazy("Self-assessment submitted"),
    "request_corrections": gettext_lazy("Corrective actions requested"),
    "resume_audit": gettext_lazy("Audit resumed"),
    "submit_report": gettext_lazy("Audit report submitted"),
    "reopen_audit": gettext_lazy("Report sent back to the auditors"),
    "decide": gettext_lazy("Decided"),
    "withdraw": gettext_lazy("Withdrawn"),
}


def _application_or_404(pk: Any) -> Application:
    application = selectors.application_for_office(pk)
    if application is None:
        raise Http404
    return application


def _record_url(application: Application) -> str:
    return reverse("certification:office_application", kwargs={"pk": application.pk})


def _decide_url(application: Application) -> str:
    return reverse("certification:office_decide", kwargs={"pk": application.pk})


def _status_label(value: str) -> str:
    return str(S(value).label) if value in S.values else value


def _refusal(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- The queue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusCount:
    value: str
    label: Any
    count: int


def _status_counts(counts: dict[str, int]) -> list[StatusCount]:
    rows = [
        StatusCount(
            TODO, gettext_lazy("Waiting for the office"), sum(counts.get(s, 0) for s in TODO_STATES)
        ),
        StatusCount(ALL, gettext_lazy("All"), sum(counts.values())),
    ]
    rows += [StatusCount(v, label, counts.get(v, 0)) for v, label in S.choices if v != S.DRAFT]
    return rows


@office_required
def application_list(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET)
    queryset = selectors.applications_for_office(form.filters())
    if form.chosen_status == TODO:
        queryset = queryset.filter(status__in=TODO_STATES)
    with scopes_disabled():
        page = paginate(request, queryset.prefetch_related(_active_assignments()), per_page=50)
        applications = list(page.object_list)
    counts = selectors.application_counts_for_office()
    return render(
        request,
        "certification/office/list.html",
        {
            "form": form,
            "page": page,
            "applications": applications,
            "status_counts": _status_counts(counts),
            "current_status": form.chosen_status,
            "filtering": not form.is_default,
        },
    )


def _active_assignments() -> Any:
    from django.db.models import Prefetch

    with scopes_disabled():
        return Prefetch(
            "assignments",
            queryset=AuditorAssignment.objects.filter(status=AssignmentStatus.ACTIVE)
            .select_related("auditor__user")
            .order_by("role", "assigned_at"),
            to_attr="active_assignments",
        )


# --- The record --------------------------------------------------------------------------


@dataclass
class OptionRow:
    """One auditor in the assign form, with why they cannot be chosen (if so)."""

    option: selectors.AuditorOption
    reasons: list[Promise] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def why(self) -> str:
        return ", ".join(str(r) for r in self.reasons)


def _option_rows(application: Application, assigned: set[int], by: Any) -> list[OptionRow]:
    """Every auditor, the deactivated too, each with what the service would refuse."""
    rows = []
    for option in selectors.auditor_options(application, include_inactive=True):
        reasons: list[Promise] = []
        if not option.active:
            reasons.append(gettext_lazy("inactive"))
        if not option.qualified:
            reasons.append(gettext_lazy("not qualified for this scheme"))
        if option.conflict == "declared":
            reasons.append(gettext_lazy("declared a conflict of interest"))
        elif option.conflict == "member":
            reasons.append(gettext_lazy("member of the organization"))
        if option.auditor.pk in assigned:
            reasons.append(gettext_lazy("already assigned"))
        if option.auditor.user_id == by.pk:
            reasons.append(gettext_lazy("you cannot assign yourself"))
        rows.append(OptionRow(option, reasons))
    return rows


@dataclass(frozen=True)
class EventRow:
    event: Any
    action: str
    before: str
    after: str


def _event_rows(application: Application) -> list[EventRow]:
    return [
        EventRow(
            event=e,
            action=str(EVENT_LABELS.get(e.action, e.action)),
            before=_status_label(e.status_before),
            after=_status_label(e.status_after),
        )
        for e in selectors.events_of(application)
    ]


def _is_auditor_of(assignments: list[AuditorAssignment], user: Any) -> bool:
    return any(a.auditor.user_id == user.pk for a in assignments)


def _render_record(
    request: HttpRequest,
    application: Application,
    *,
    review_forms: dict[str, ReviewForm] | None = None,
    assign_form: AssignForm | None = None,
    end_forms: dict[int, EndAssignmentForm] | None = None,
) -> HttpResponse:
    review_forms = review_forms or {}
    end_forms = end_forms or {}
    assignments = selectors.assignments_of(application)
    active = [a for a in assignments if a.status == AssignmentStatus.ACTIVE]
    reviews = [
        (
            action,
            REVIEW_LABELS[action],
            REVIEW_HELP[action],
            review_forms.get(action) or ReviewForm(action=action),
        )
        for action, states in REVIEW_OFFERED.items()
        if application.status in states
    ]
    can_assign = application.status in ASSIGN_STATES
    has_lead = any(a.role == AssignmentRole.LEAD for a in active)
    rows = (
        _option_rows(application, {a.auditor_id for a in active}, request.user)
        if can_assign
        else []
    )
    sheet = selectors.application_sheet(application)
    can_end = application.status in AUDITOR_STATES
    return render(
        request,
        "certification/office/detail.html",
        {
            "application": application,
            "organization": application.organization,
            "signee": signee_of_organization(application.organization),
            "events": _event_rows(application),
            "assignments": assignments,
            "active_assignments": [
                (a, end_forms.get(a.pk) or EndAssignmentForm(assignment_id=a.pk)) for a in active
            ]
            if can_end
            else [(a, None) for a in active],
            "past_assignments": [a for a in assignments if a.status != AssignmentStatus.ACTIVE],
            "reviews": reviews,
            "can_assign": can_assign,
            "has_lead": has_lead,
            "assign_form": assign_form
            or AssignForm(initial={"role": "co" if has_lead else "lead"}),
            # The choice offers the active auditors (the ineligible disabled); the list
            # under it says why each one who cannot be chosen cannot, the inactive too.
            "options": [row for row in rows if row.option.active],
            "ineligible": [row for row in rows if not row.eligible],
            "sheet": sheet,
            "result": sheet.result,
            "report": selectors.audit_report_of(application),
            "is_auditor_here": _is_auditor_of(assignments, request.user),
            "review_errors": any(f.errors for f in review_forms.values()),
        },
    )


@office_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_record(request, _application_or_404(pk))


@office_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(pk)
    action = request.POST.get("action", "")
    form = ReviewForm(request.POST, action=action if action in REVIEW_SERVICES else "")
    if not form.is_valid():
        if action not in REVIEW_SERVICES:
            messages.error(request, _("Choose accept, return for completion or reject."))
            return redirect(_record_url(application))
        return _render_record(request, application, review_forms={action: form})
    try:
        application = REVIEW_SERVICES[action](
            application=application, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        # Wrong state (e.g. someone else reviewed first): nothing was written.
        messages.error(request, _refusal(exc))
    else:
        texts = {
            "accept": _("The application is accepted; assign the lead auditor next."),
            "return": _("The application was returned to the company for completion."),
            "reject": _("The application was rejected; the company has been e-mailed."),
        }
        messages.success(request, texts[action])
    return redirect(_record_url(application))


@office_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(pk)
    form = AssignForm(request.POST)
    if form.is_valid():
        auditor = form.cleaned_data["auditor"]
        try:
            assignment = services.auditor_assign(
                application=application,
                auditor=auditor,
                role=form.cleaned_data["role"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(
                request,
                _("%(auditor)s is assigned as %(role)s.")
                % {"auditor": auditor, "role": assignment.get_role_display()},
            )
            return redirect(_record_url(application))
    return _render_record(request, application, assign_form=form)


@office_required
@require_POST
def assignment_end(request: HttpRequest, pk: int, assignment_id: int) -> HttpResponse:
    application = _application_or_404(pk)
    assignment = next(
        (a for a in selectors.assignments_of(application) if a.pk == assignment_id), None
    )
    if assignment is None:
        raise Http404
    form = EndAssignmentForm(request.POST, assignment_id=assignment.pk)
    if not form.is_valid():
        return _render_record(request, application, end_forms={assignment.pk: form})
    try:
        services.assignment_end(
            assignment=assignment, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, _refusal(exc))
    else:
        messages.success(
            request, _("%(auditor)s is no longer assigned.") % {"auditor": assignment.auditor}
        )
    return redirect(_record_url(application))


# --- The decision ------------------------------------------------------------------------


def _render_decide(
    request: HttpRequest,
    application: Application,
    *,
    form: DecideForm | None = None,
    reopen_form: ReopenForm | None = None,
) -> HttpResponse:
    assignments = selectors.assignments_of(application)
    sheet = selectors.application_sheet(application)
    is_auditor_here = _is_auditor_of(assignments, request.user)
    is_member = membership_for(organization=application.organization, user=request.user)
    return render(
        request,
        "certification/office/decide.html",
        {
            "application": application,
            "organization": application.organization,
            "assignments": assignments,
            "sheet": sheet,
            "result": sheet.result,
            "report": selectors.audit_report_of(application),
            "form": form or DecideForm(),
            "reopen_form": reopen_form or ReopenForm(),
            "awaiting": application.status == S.REPORT_SUBMITTED,
            "is_auditor_here": is_auditor_here,
            "is_member": is_member is not None,
        },
    )


@office_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(pk)
    if request.method != "POST":
        return _render_decide(request, application)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            application = services.application_decide(
                application=application,
                decision=form.cleaned_data["decision"],
                rationale=form.cleaned_data["rationale"],
                by=request.user,
            )
        except ValidationError as exc:
            # Four-eyes, the pass rule or the state: refused, nothing written.
            form.add_error(None, _refusal(exc))
        else:
            messages.success(
                request,
                _("Decided: %(decision)s. The company and the auditors have been e-mailed.")
                % {"decision": application.get_decision_display()},
            )
            return redirect(_record_url(application))
    return _render_decide(request, application, form=form)


@office_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.application_reopen_audit(
                application=application, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, _("The report was sent back to the auditors."))
            return redirect(_record_url(application))
    return _render_decide(request, application, reopen_form=form)


# --- Score history, grants, auditors -----------------------------------------------------


@office_required
def score_history(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(pk)
    page = paginate(request, selectors.score_changes_of(application), per_page=50)
    return render(
        request,
        "certification/office/score_history.html",
        {
            "application": application,
            "organization": application.organization,
            "page": page,
            "changes": list(page.object_list),
        },
    )


@office_required
def grants(request: HttpRequest) -> HttpResponse:
    form = GrantForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = services.organizational_grant_record(
                organization=data["organization"],
                reference=data["reference"],
                valid_until=data["valid_until"],
                note=data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(
                request,
                _("Recorded %(reference)s for %(org)s.")
                % {"reference": grant.reference, "org": grant.organization},
            )
            return redirect(reverse("certification:office_grants"))
    page = paginate(request, selectors.grants_for_office(), per_page=50)
    return render(
        request,
        "certification/office/grants.html",
        {
            "form": form,
            "page": page,
            "grants": list(page.object_list),
            "today": timezone.localdate(),
        },
    )


@office_required
def auditors(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.auditors_for_office(), per_page=50)
    return render(
        request,
        "certification/office/auditors.html",
        {"page": page, "auditors": list(page.object_list)},
    )
