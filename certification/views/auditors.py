"""Auditors: the auditor's own profile (their competence record: qualifications applied for
and decided, conflicts of interest) and declining an assignment; the CPO office's list of
auditors, each auditor's competence record, the applications awaiting a decision, and the
assignment of auditors to a case with the reasons an auditor cannot be chosen.

Writes go through the services, which enforce the rules (who decides, qualification,
independence); a refusal becomes a form error or a message on the page it came from.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cpo_portal.accounts.decorators import auditor_required, office_required
from cpo_portal.accounts.models import OfficeRole
from cpo_portal.accounts.roles import has_office_role
from cpo_portal.errors import DomainError
from cpo_portal.forms import error_text
from cpo_portal.http import AuthenticatedRequest
from cpo_portal.pagination import paginate

from ..forms.auditors import (
    AssignForm,
    ConflictForm,
    DeclineForm,
    EndAssignmentForm,
    QualificationApplyForm,
    QualificationApproveForm,
    QualificationDecisionForm,
)
from ..models import AssignmentRole, AuditorQualification, QualificationStatus
from ..selectors import auditors as selectors
from ..selectors.audits import audit_for_auditor
from ..services import auditors as services
from ..services.certificates import add_months
from .applications import (
    ASSIGN_STATES,
    office_application_or_404,
    office_record_url,
    render_office_record,
)

# --- The auditor's profile: their competence record ------------------------------------------


def _profile(request: AuthenticatedRequest, **forms: Any) -> HttpResponse:
    auditor = request.user.auditor
    competence = selectors.competence_of(auditor)
    context = {
        "auditor": auditor,
        "competence": competence,
        "conflicts": competence.conflicts,
        "conflict_form": forms.get("conflict_form") or ConflictForm(),
        "audits": selectors.audits_of_auditor(request.user),
    }
    status = 200 if not forms else 422
    return render(request, "certification/auditors/profile.html", context, status=status)


@auditor_required
def auditor_profile(request: AuthenticatedRequest) -> HttpResponse:
    """The auditor's competence record, and their conflict declarations."""
    if request.method != "POST":
        return _profile(request)
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            services.auditor_conflict_declare(
                auditor=request.user.auditor,
                organization=form.cleaned_data["organization"],
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The conflict of interest is declared."))
            return redirect("certification:auditor_profile")
    return _profile(request, conflict_form=form)


@auditor_required
def qualification_apply(request: AuthenticatedRequest) -> HttpResponse:
    """Apply for a qualification (or its renewal) with evidence of competence."""
    initial = {"scheme_kind": request.GET.get("scheme", "")}
    form = QualificationApplyForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            services.qualification_apply(
                auditor=request.user.auditor,
                scheme_kind=values["scheme_kind"],
                training=values["training"],
                experience=values["experience"],
                audits_witnessed=values["audits_witnessed"],
                evidence=values["evidence"],
                by=request.user,
            )
        except ValidationError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Your application is sent; the CPO office decides on it."))
            return redirect("certification:auditor_profile")
    status = 422 if form.errors else 200
    return render(
        request,
        "certification/auditors/apply.html",
        {"form": form, "competence": selectors.competence_of(request.user.auditor)},
        status=status,
    )


def _own_qualification(request: AuthenticatedRequest, qualification_id: int) -> Any:
    qualification = selectors.qualification_of_auditor(request.user, qualification_id)
    if qualification is None:
        raise Http404
    return qualification


@auditor_required
def qualification_withdraw(request: AuthenticatedRequest, qualification_id: int) -> HttpResponse:
    """Confirm, then withdraw one's own application the office has not decided yet."""
    qualification = _own_qualification(request, qualification_id)
    if request.method == "POST":
        try:
            services.qualification_withdraw(qualification=qualification, by=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Your application is withdrawn."))
        return redirect("certification:auditor_profile")
    return render(
        request,
        "certification/auditors/withdraw.html",
        {
            "qualification": qualification,
            "can_withdraw": qualification.status == QualificationStatus.APPLIED,
        },
    )


def _evidence_response(qualification: AuditorQualification) -> HttpResponseBase:
    evidence: FieldFile = qualification.evidence_file
    if not evidence:
        raise Http404
    try:
        handle = evidence.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=qualification.evidence_name or (evidence.name or "").rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # Never let an uploaded file run as a page of the portal.
    response["Content-Security-Policy"] = "sandbox"
    return response


@auditor_required
@require_GET
def qualification_evidence(
    request: AuthenticatedRequest, qualification_id: int
) -> HttpResponseBase:
    """The evidence file of one's own application: the auditor's own download."""
    return _evidence_response(_own_qualification(request, qualification_id))


@require_POST
@auditor_required
def conflict_remove(request: AuthenticatedRequest, conflict_id: int) -> HttpResponse:
    conflict = selectors.conflict_of_auditor(request.user, conflict_id)
    if conflict is None:
        raise Http404
    services.auditor_conflict_remove(conflict=conflict, by=request.user)
    messages.success(
        request,
        _("The conflict of interest with %(org)s is removed.") % {"org": conflict.organization},
    )
    return redirect("certification:auditor_profile")


# --- The auditor declines an assignment ---------------------------------------------------


@auditor_required
def decline(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Confirm, then decline the assignment with a reason the office reads."""
    application = audit_for_auditor(request.user, pk)
    if application is None:
        raise Http404
    assignment = selectors.assignment_of_auditor(request.user, application)
    if assignment is None:
        raise Http404
    form = DeclineForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_decline(
                assignment=assignment, reason=form.cleaned_data["reason"], by=request.user
            )
        except DomainError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("You declined the assignment; the CPO office is told."))
            return redirect("certification:audits")
    context = {
        "application": application,
        "organization": application.organization,
        "assignment": assignment,
        "form": form,
    }
    status = 422 if form.errors else 200
    return render(request, "certification/auditors/decline.html", context, status=status)


# --- The office assigns and removes auditors ------------------------------------------------


def _render_assign(
    request: AuthenticatedRequest, application: Any, form: AssignForm | None = None
) -> HttpResponse:
    options = selectors.auditor_options(application, include_inactive=True, by=request.user)
    active = selectors.assignments_of(application, active_only=True)
    has_lead = any(a.role == AssignmentRole.LEAD for a in active)
    ineligible = [o for o in options if not o.eligible]
    return render(
        request,
        "certification/auditors/office_assign.html",
        {
            "application": application,
            "organization": application.organization,
            "can_assign": application.status in ASSIGN_STATES,
            "has_lead": has_lead,
            "active_assignments": active,
            "assign_form": form or AssignForm(initial={"role": "co" if has_lead else "lead"}),
            # Only who may be chosen is offered; the others are listed with the reasons.
            "eligible": [o for o in options if o.eligible],
            "page": paginate(request, ineligible, per_page=25),
            "can_act": has_office_role(request.user, OfficeRole.REVIEWER),
        },
    )


@office_required
def office_assign(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The assignment page: the auditors who may be chosen, and why each other one cannot."""
    application = office_application_or_404(pk)
    if request.method != "POST":
        return _render_assign(request, application)
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
            form.add_error(None, error_text(exc))
        else:
            messages.success(
                request,
                _("%(auditor)s is assigned as %(role)s.")
                % {"auditor": auditor, "role": assignment.get_role_display()},
            )
            return redirect(office_record_url(application))
    return _render_assign(request, application, form)


@office_required
@require_POST
def office_assignment_end(
    request: AuthenticatedRequest, pk: int, assignment_id: int
) -> HttpResponse:
    application = office_application_or_404(pk)
    assignment = next(
        (a for a in selectors.assignments_of(application) if a.pk == assignment_id), None
    )
    if assignment is None:
        raise Http404
    form = EndAssignmentForm(request.POST, assignment_id=assignment.pk)
    if not form.is_valid():
        return render_office_record(request, application, end_forms={assignment.pk: form})
    try:
        services.assignment_end(
            assignment=assignment, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request, _("%(auditor)s is no longer assigned.") % {"auditor": assignment.auditor}
        )
    return redirect(office_record_url(application))


# --- The office's auditors: list, competence record, applications ---------------------------


@office_required
def office_auditors(request: AuthenticatedRequest) -> HttpResponse:
    page = paginate(request, selectors.auditors_for_office(), per_page=50)
    auditors = list(page.object_list)
    warn_days = selectors.qualification_warning_days()
    counts = selectors.qualification_counts(warn_days=warn_days)
    return render(
        request,
        "certification/auditors/office_list.html",
        {
            "page": page,
            "auditors": auditors,
            "rows": selectors.competences_of(auditors, warn_days=warn_days),
            "queue_count": counts["applied"],
            "expiring_count": counts["expiring"],
            "warning_days": warn_days,
        },
    )


@office_required
def office_auditor(request: AuthenticatedRequest, auditor_id: int) -> HttpResponse:
    """The competence record of one auditor: qualifications with their history and
    evidence, the audits they performed, their declared conflicts."""
    auditor = selectors.auditor_for_office(auditor_id)
    if auditor is None:
        raise Http404
    audits = paginate(request, selectors.audits_of_auditor_for_office(auditor), per_page=25)
    return render(
        request,
        "certification/auditors/office_record.html",
        {
            "auditor": auditor,
            "competence": selectors.competence_of(auditor),
            "audits": audits,
            "warning_days": selectors.qualification_warning_days(),
        },
    )


@office_required
def office_qualification_queue(request: AuthenticatedRequest) -> HttpResponse:
    """Applications awaiting the office's decision (the oldest first), and the
    qualifications nearing their end."""
    page = paginate(request, selectors.office_qualification_queue(), per_page=50)
    # A second list on the page, paged by a parameter of its own.
    expiring = Paginator(selectors.qualifications_nearing_expiry(), 50).get_page(
        request.GET.get("expiring")
    )
    return render(
        request,
        "certification/auditors/office_queue.html",
        {
            "page": page,
            "expiring": expiring,
            "warning_days": selectors.qualification_warning_days(),
        },
    )


def _office_qualification_or_404(qualification_id: int) -> AuditorQualification:
    qualification = selectors.qualification_for_office(qualification_id)
    if qualification is None:
        raise Http404
    return qualification


def _render_qualification(
    request: AuthenticatedRequest,
    qualification: AuditorQualification,
    *,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    forms = forms or {}
    today = selectors.qualification_today()
    applied = qualification.status == QualificationStatus.APPLIED
    approved = qualification.status == QualificationStatus.APPROVED
    competence = selectors.competence_of(qualification.auditor)
    current = competence.current.get(qualification.scheme_kind)
    renewal = applied and current is not None
    return render(
        request,
        "certification/auditors/office_qualification.html",
        {
            "qualification": qualification,
            "auditor": qualification.auditor,
            "competence": competence,
            "current": current,
            "renewal": renewal,
            "standing": selectors.standing_of(
                qualification, today=today, warn_days=selectors.qualification_warning_days()
            ),
            "is_own": qualification.auditor.user_id == request.user.pk,
            "can_decide": has_office_role(request.user, OfficeRole.ADMINISTRATOR),
            "relying": selectors.relying_audits(qualification.auditor, [qualification.scheme_kind])
            if approved
            else [],
            "approve_form": forms.get("approve")
            or (
                QualificationApproveForm(
                    initial={"valid_from": today, "valid_until": add_months(today, 36)}
                )
                if applied
                else None
            ),
            "refuse_form": forms.get("refuse")
            or (QualificationDecisionForm(action="refuse") if applied else None),
            "revoke_form": forms.get("revoke")
            or (QualificationDecisionForm(action="revoke") if approved else None),
        },
        status=status,
    )


@office_required
def office_qualification(request: AuthenticatedRequest, qualification_id: int) -> HttpResponse:
    """One application or qualification: its evidence, and the administrator's decision
    (approve with validity, refuse, or revoke, each with the auditor told)."""
    qualification = _office_qualification_or_404(qualification_id)
    if request.method != "POST":
        return _render_qualification(request, qualification)
    action = request.POST.get("action", "")
    form: QualificationApproveForm | QualificationDecisionForm
    if action == "approve":
        form = QualificationApproveForm(request.POST)
    elif action in ("refuse", "revoke"):
        form = QualificationDecisionForm(request.POST, action=action)
    else:
        raise Http404
    if form.is_valid():
        try:
            if isinstance(form, QualificationApproveForm):
                services.qualification_approve(
                    qualification=qualification,
                    valid_from=form.cleaned_data["valid_from"],
                    valid_until=form.cleaned_data["valid_until"],
                    note=form.cleaned_data["note"],
                    by=request.user,
                )
            elif action == "refuse":
                services.qualification_refuse(
                    qualification=qualification, reason=form.cleaned_data["reason"], by=request.user
                )
            else:
                services.qualification_revoke(
                    qualification=qualification, reason=form.cleaned_data["reason"], by=request.user
                )
        except ValidationError as exc:
            form.refuse(exc)
        else:
            done = {
                "approve": _("The qualification is approved; the auditor is told."),
                "refuse": _("The application is refused; the auditor is told."),
                "revoke": _("The qualification is revoked; the auditor is told."),
            }
            messages.success(request, done[action])
            return redirect("certification:office_qualification", qualification.pk)
    return _render_qualification(request, qualification, forms={action: form}, status=422)


@office_required
@require_GET
def office_qualification_evidence(
    request: AuthenticatedRequest, qualification_id: int
) -> HttpResponseBase:
    """The evidence file of an application: the office's download."""
    return _evidence_response(_office_qualification_or_404(qualification_id))
