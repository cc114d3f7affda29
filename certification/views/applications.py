"""Applications: the organization's certification workspace (its applications, applying,
withdrawing) and the CPO office's side (the queue, the case record, review, the four-eyes
decision, reopening the report, recorded organizational certifications).

The organization's pages live under /o/<org_slug>/certification/, where the tenant middleware
has already answered 404 to non-members and activated the organization's scope. Members read;
owners and admins act (plain members get 403: same organization, nothing to hide). Every
change goes through a service, which checks the state machine, qualification, independence,
four-eyes and the pass rule, logs and e-mails; a refusal (DomainError) becomes a form error
or a message on the page it came from, never a 500, and writes nothing.
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST
from django_scopes import scopes_disabled

from cpo_portal.accounts.decorators import office_required
from cpo_portal.accounts.models import User
from cpo_portal.errors import DomainError
from cpo_portal.exports import Column, country_name, export_response, filter_query
from cpo_portal.forms import error_text
from cpo_portal.http import AuthenticatedRequest, OrganizationRequest
from cpo_portal.mail import StrOrPromise
from cpo_portal.pagination import paginate
from cpo_portal.tenancy.decorators import org_admin_required
from cpo_portal.tenancy.selectors import membership_for
from criteria.groups import group_label
from criteria.models import SchemeKind
from signees.models import SigneeStatus
from signees.selectors.signing import signee_of_organization

from ..forms.applications import (
    ALL,
    TODO,
    TODO_STATES,
    ApplicationForm,
    DecideForm,
    GrantForm,
    QueueFilterForm,
    ReopenForm,
    ReviewForm,
    WithdrawForm,
)
from ..forms.auditors import AssignForm, EndAssignmentForm
from ..models import (
    AUDITOR_STATES,
    REVIEW_ACTIONS,
    SCORING_STATES,
    Application,
    ApplicationStatus,
    AssignmentRole,
    AssignmentStatus,
    AuditorAssignment,
    FindingStatus,
)
from ..selectors import applications as selectors
from ..selectors.appeals import appeals_of_application  # appeals
from ..selectors.auditors import AuditorOption, assignments_of, auditor_options
from ..selectors.audits import application_sheet, audit_report_of
from ..selectors.certificates import recertifications_of_organization
from ..selectors.clarifications import clarification_threads  # clarifications
from ..selectors.deadlines import grant_preview
from ..services import applications as services

S = ApplicationStatus
# From here on the company sees findings; after the report, the pass-rule breakdown too.
FINDING_STATES = (*SCORING_STATES, S.REPORT_SUBMITTED, S.DECIDED)
REPORT_STATES = (S.REPORT_SUBMITTED, S.DECIDED)

NEXT_STEP: dict[str, StrOrPromise] = {
    S.DRAFT: gettext_lazy(
        "Complete the application and submit it. The CPO office then reviews it."
    ),
    S.SUBMITTED: gettext_lazy(
        "The CPO office reviews your application. You will be told by e-mail."
    ),
    S.RETURNED: gettext_lazy(
        "The CPO office returned the application for completion: see the reason, change the "
        "application and submit it again."
    ),
    S.REJECTED: gettext_lazy("The CPO office rejected the application. The reason is given above."),
    S.ACCEPTED: gettext_lazy(
        "The application is accepted. The CPO office will assign an independent auditor."
    ),
    S.AUDITOR_ASSIGNED: gettext_lazy(
        "An auditor is assigned. Start the self-assessment: answer every criterion and add "
        "the evidence behind your answers."
    ),
    S.SELF_ASSESSMENT: gettext_lazy(
        "Complete the self-assessment and submit it. Every mandatory (shall) criterion must "
        "be answered."
    ),
    S.AUDIT: gettext_lazy(
        "The auditors assess your self-assessment and evidence. Answer any nonconformity they "
        "raise with a corrective action."
    ),
    S.CORRECTIVE_ACTIONS: gettext_lazy(
        "The auditors asked for corrective actions: answer each open nonconformity by its due "
        "date, with evidence."
    ),
    S.REPORT_SUBMITTED: gettext_lazy(
        "The lead auditor submitted the audit report. The CPO office now decides."
    ),
    S.DECIDED: gettext_lazy("The CPO office has decided this application."),
    S.WITHDRAWN: gettext_lazy("This application was withdrawn."),
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


# --- lookups ------------------------------------------------------------------------------


def is_admin(request: OrganizationRequest) -> bool:
    return request.membership.is_admin


def organization_application_or_404(request: OrganizationRequest, pk: Any) -> Application:
    application = selectors.application_of_organization(request.organization, pk)
    if application is None:
        raise Http404
    return application


def case_url(name: str, application: Application, anchor: str = "", **kwargs: Any) -> str:
    """A page of the organization's case `application`, optionally at `anchor`."""
    url = reverse(
        f"certification:{name}",
        kwargs={"org_slug": application.organization.slug, "pk": application.pk, **kwargs},
    )
    return f"{url}#{anchor}" if anchor else url


def _codes(exc: ValidationError) -> set[str]:
    return {e.code for e in getattr(exc, "error_list", []) if e.code}


def _eligibility(request: OrganizationRequest) -> dict[str, Any]:
    """Who may apply, and for what: the reasons are shown, not just a missing button."""
    organization = request.organization
    signee = signee_of_organization(organization)
    approved = bool(signee and signee.status == SigneeStatus.APPROVED)
    return {
        "signee": signee,
        "approved_signee": approved,
        "is_admin": is_admin(request),
        "can_apply": approved and is_admin(request),
        "has_org_certificate": approved
        and selectors.has_valid_organizational_certification(organization),
    }


# --- The organization's applications ----------------------------------------------------------


def application_list(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    page = paginate(request, selectors.applications_of_organization(organization), per_page=25)
    context = {
        "organization": organization,
        "page": page,
        # The certificates to renew, offered where recertification is possible.
        "recertifications": recertifications_of_organization(organization),
        **_eligibility(request),
    }
    return render(request, "certification/applications/list.html", context)


@org_admin_required
def application_new(request: OrganizationRequest, org_slug: str, kind: str) -> HttpResponse:
    if kind not in SchemeKind.values:
        raise Http404
    eligibility = _eligibility(request)
    form = ApplicationForm(request.POST if request.method == "POST" else None, kind=kind)
    refused_codes: set[str] = set()
    if form.is_valid():
        try:
            application = services.application_create(
                organization=request.organization, kind=kind, by=request.user, **form.values()
            )
        except DomainError as exc:
            form.refuse(exc)
            refused_codes = _codes(exc)
        else:
            messages.success(
                request,
                _("Your application is saved as a draft. Check it, then submit it."),
            )
            return redirect(case_url("application", application))
    context = {
        "organization": request.organization,
        "form": form,
        "kind": kind,
        "kind_label": SchemeKind(kind).label,
        "is_product": kind == SchemeKind.PRODUCT,
        "organizational_required": "organizational_required" in refused_codes
        or (kind == SchemeKind.PRODUCT and not eligibility["has_org_certificate"]),
        **eligibility,
    }
    return render(request, "certification/applications/form.html", context)


def application_detail(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    application = organization_application_or_404(request, pk)
    status = application.status
    sheet = None
    if status in FINDING_STATES:
        # Scores stay with the auditors until the report is submitted.
        sheet = application_sheet(application, with_scores=status in REPORT_STATES)
    admin = is_admin(request)
    editable = status in (S.DRAFT, S.RETURNED)
    context = {
        "organization": request.organization,
        "application": application,
        "events": selectors.events_of(application),
        "assignments": assignments_of(application, active_only=True),
        "next_step": NEXT_STEP.get(status, ""),
        "findings": sheet.findings if sheet else [],
        "sheet": sheet if status in REPORT_STATES else None,
        "report": audit_report_of(application) if status in REPORT_STATES else None,
        "is_admin": admin,
        "can_edit": admin and editable,
        "can_submit": admin and application.allows("submit"),
        "can_withdraw": admin and application.allows("withdraw"),
        "can_answer": admin and status in SCORING_STATES,
        "self_assessment_open": status not in (S.DRAFT, S.SUBMITTED, S.RETURNED, S.REJECTED),
        "organizational_missing": application.is_product
        and editable
        and not selectors.has_valid_organizational_certification(application.organization),
        "open_finding": FindingStatus.OPEN,
        "appeals": appeals_of_application(application),  # appeals: part of the case record
        # clarifications: the auditors' questions, part of the case record
        "clarifications": clarification_threads(application) if sheet else [],
    }
    return render(request, "certification/applications/detail.html", context)


@org_admin_required
def application_edit(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    application = organization_application_or_404(request, pk)
    if application.status not in (S.DRAFT, S.RETURNED):
        messages.error(request, _("The application can no longer be changed."))
        return redirect(case_url("application", application))
    initial = {name: getattr(application, name) for name in services.APPLICATION_FIELDS}
    form = ApplicationForm(
        request.POST if request.method == "POST" else None, initial=initial, kind=application.kind
    )
    if form.is_valid():
        try:
            services.application_update(
                application=application, by=request.user, **(initial | form.values())
            )
        except DomainError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect(case_url("application", application))
    context = {
        "organization": request.organization,
        "application": application,
        "form": form,
        "kind": application.kind,
        "kind_label": application.get_kind_display(),
        "is_product": application.is_product,
        "editing": True,
        "can_apply": True,
    }
    return render(request, "certification/applications/form.html", context)


@require_POST
@org_admin_required
def application_submit(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    application = organization_application_or_404(request, pk)
    try:
        services.application_submit(application=application, by=request.user)
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Your application is submitted to the CPO office."))
    return redirect(case_url("application", application))


@org_admin_required
def application_withdraw(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    """Confirm, then withdraw (the assigned auditors' work ends with it)."""
    application = organization_application_or_404(request, pk)
    if not application.allows("withdraw"):
        messages.error(request, _("This application can no longer be withdrawn."))
        return redirect(case_url("application", application))
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.application_withdraw(
                application=application, by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("The application is withdrawn."))
            return redirect(case_url("application", application))
    context = {"organization": request.organization, "application": application, "form": form}
    return render(request, "certification/applications/withdraw.html", context)


# --- The office: lookups ---------------------------------------------------------------------


def office_application_or_404(pk: Any) -> Application:
    application = selectors.application_for_office(pk)
    if application is None:
        raise Http404
    return application


def office_record_url(application: Application) -> str:
    return reverse("certification:office_application", kwargs={"pk": application.pk})


def _status_label(value: str) -> str:
    return str(S(value).label) if value in S.values else value


# --- The office's queue ----------------------------------------------------------------------


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
def office_application_list(request: AuthenticatedRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET)
    queryset = selectors.applications_for_office(form.filters())
    if form.chosen_status == TODO:
        queryset = queryset.filter(status__in=TODO_STATES)
    with scopes_disabled():
        page = paginate(
            request, queryset.prefetch_related(selectors.active_assignments_prefetch()), per_page=50
        )
        applications = list(page.object_list)
    counts = selectors.application_counts_for_office()
    return render(
        request,
        "certification/applications/office_list.html",
        {
            "form": form,
            "page": page,
            "applications": applications,
            "status_counts": _status_counts(counts),
            "current_status": form.chosen_status,
            "filtering": not form.is_default,
            "export_query": filter_query(request),
        },
    )


# --- The office's export of the applications (exports) -----------------------------------------

APPLICATION_COLUMNS = (
    Column("organization", gettext_lazy("Organization"), 28),
    Column("legal_name", gettext_lazy("Legal name"), 30),
    Column("group", gettext_lazy("Group"), 22),
    Column("group_code", gettext_lazy("Group code"), 14),
    Column("country", gettext_lazy("Country"), 18),
    Column("country_code", gettext_lazy("Country code"), 8),
    Column("certificate", gettext_lazy("Certificate"), 16),
    Column("audit_type", gettext_lazy("Audit"), 20),
    Column("product_name", gettext_lazy("Product"), 24),
    Column("product_version", gettext_lazy("Product version"), 12),
    Column("status", gettext_lazy("Status"), 22),
    Column("status_code", gettext_lazy("Status code"), 16),
    Column("window_start", gettext_lazy("Audit window from"), 12),
    Column("window_end", gettext_lazy("Audit window until"), 12),
    Column("submitted_at", gettext_lazy("Submitted (UTC)"), 20),
    Column("record_url", pgettext_lazy("export column", "Record"), 40),
)


def _application_rows(request: AuthenticatedRequest, applications: Any) -> Any:
    for application in applications:
        organization = application.organization
        signee = getattr(organization, "signee", None)
        group = signee.group if signee else ""
        country = str(organization.country or "")
        yield [
            organization.display_name,
            organization.legal_name,
            group_label(group),
            group,
            country_name(country),
            country,
            application.get_kind_display(),
            application.get_audit_type_display(),
            application.product_name,
            application.product_version,
            application.get_status_display(),
            application.status,
            application.window_start,
            application.window_end,
            application.submitted_at,
            request.build_absolute_uri(office_record_url(application)),
        ]


@office_required
def office_application_export(request: AuthenticatedRequest, kind: str) -> HttpResponseBase:
    """The applications with the filters of the queue, as CSV or .xlsx (fetched in chunks)."""
    form = QueueFilterForm(request.GET)
    queryset = selectors.applications_for_office(form.filters())
    if form.chosen_status == TODO:
        queryset = queryset.filter(status__in=TODO_STATES)
    applications = queryset.select_related("organization__signee").iterator(chunk_size=2000)
    return export_response(
        kind,
        "cpo-applications",
        APPLICATION_COLUMNS,
        _application_rows(request, applications),
        labels=True,
        title=_("Applications"),
    )


# --- The office's record ---------------------------------------------------------------------


@dataclass
class OptionRow:
    """One auditor in the assign form, with why they cannot be chosen (if so)."""

    option: AuditorOption
    reasons: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def why(self) -> str:
        return ", ".join(str(r) for r in self.reasons)


def _option_rows(application: Application, assigned: set[int], by: User) -> list[OptionRow]:
    """Every auditor, the deactivated too, each with what the service would refuse (the
    reasons of certification.selectors.auditors, upheld objections included)."""
    return [
        OptionRow(option, list(option.reasons))
        for option in auditor_options(application, include_inactive=True, by=by)
    ]


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


def _is_auditor_of(assignments: list[AuditorAssignment], user: User) -> bool:
    return any(a.auditor.user_id == user.pk for a in assignments)


def render_office_record(
    request: AuthenticatedRequest,
    application: Application,
    *,
    review_forms: dict[str, ReviewForm] | None = None,
    assign_form: AssignForm | None = None,
    end_forms: dict[int, EndAssignmentForm] | None = None,
) -> HttpResponse:
    """The office's record of the case, with the forms of the steps it may take now."""
    review_forms = review_forms or {}
    end_forms = end_forms or {}
    assignments = assignments_of(application)
    active = [a for a in assignments if a.status == AssignmentStatus.ACTIVE]
    reviews = [
        (
            action,
            REVIEW_LABELS[action],
            REVIEW_HELP[action],
            review_forms.get(action) or ReviewForm(action=action),
        )
        for action in selectors.review_actions_offered(application)
    ]
    can_assign = application.status in ASSIGN_STATES
    has_lead = any(a.role == AssignmentRole.LEAD for a in active)
    rows = (
        _option_rows(application, {a.auditor_id for a in active}, request.user)
        if can_assign
        else []
    )
    sheet = application_sheet(application)
    can_end = application.status in AUDITOR_STATES
    return render(
        request,
        "certification/applications/office_detail.html",
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
            "report": audit_report_of(application),
            "is_auditor_here": _is_auditor_of(assignments, request.user),
            "review_errors": any(f.errors for f in review_forms.values()),
            "appeals": appeals_of_application(application),  # appeals: part of the case record
            "clarifications": clarification_threads(application),  # clarifications: the record
        },
    )


@office_required
def office_application_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return render_office_record(request, office_application_or_404(pk))


@office_required
@require_POST
def office_review(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = office_application_or_404(pk)
    action = request.POST.get("action", "")
    form = ReviewForm(request.POST, action=action if action in REVIEW_ACTIONS else "")
    if not form.is_valid():
        if action not in REVIEW_ACTIONS:
            messages.error(request, _("Choose accept, return for completion or reject."))
            return redirect(office_record_url(application))
        return render_office_record(request, application, review_forms={action: form})
    try:
        application = REVIEW_SERVICES[action](
            application=application, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        # Wrong state (e.g. someone else reviewed first): nothing was written.
        messages.error(request, error_text(exc))
    else:
        texts = {
            "accept": _("The application is accepted; assign the lead auditor next."),
            "return": _("The application was returned to the company for completion."),
            "reject": _("The application was rejected; the company has been e-mailed."),
        }
        messages.success(request, texts[action])
    return redirect(office_record_url(application))


# --- The office's decision -------------------------------------------------------------------


def _render_decide(
    request: AuthenticatedRequest,
    application: Application,
    *,
    form: DecideForm | None = None,
    reopen_form: ReopenForm | None = None,
) -> HttpResponse:
    assignments = assignments_of(application)
    sheet = application_sheet(application)
    is_auditor_here = _is_auditor_of(assignments, request.user)
    is_member = membership_for(organization=application.organization, user=request.user)
    return render(
        request,
        "certification/applications/office_decide.html",
        {
            "application": application,
            "organization": application.organization,
            "assignments": assignments,
            "sheet": sheet,
            "result": sheet.result,
            "report": audit_report_of(application),
            "form": form or DecideForm(),
            "reopen_form": reopen_form or ReopenForm(),
            "awaiting": application.status == S.REPORT_SUBMITTED,
            "is_auditor_here": is_auditor_here,
            "is_member": is_member is not None,
            # The decision's confirmation (deadlines): the certificate a grant issues.
            "grant": grant_preview(application),
        },
    )


@office_required
def office_decide(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = office_application_or_404(pk)
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
            form.add_error(None, error_text(exc))
        else:
            messages.success(
                request,
                _("Decided: %(decision)s. The company and the auditors have been e-mailed.")
                % {"decision": application.get_decision_display()},
            )
            return redirect(office_record_url(application))
    return _render_decide(request, application, form=form)


@office_required
@require_POST
def office_reopen(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = office_application_or_404(pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.application_reopen_audit(
                application=application, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("The report was sent back to the auditors."))
            return redirect(office_record_url(application))
    return _render_decide(request, application, reopen_form=form)


# --- Recorded organizational certifications --------------------------------------------------


@office_required
def office_grants(request: AuthenticatedRequest) -> HttpResponse:
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
            form.add_error(None, error_text(exc))
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
        "certification/applications/office_grants.html",
        {
            "form": form,
            "page": page,
            "grants": list(page.object_list),
            "today": timezone.localdate(),
        },
    )
