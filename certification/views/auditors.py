"""Auditors: the auditor's own profile (qualified schemes, conflicts of interest) and declining
an assignment; the CPO office's assignment of auditors to a case and its list of auditors.

Writes go through the services, which enforce qualification and independence; a refusal
becomes a form error or a message on the page it came from.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cpo_portal.accounts.decorators import auditor_required, office_required
from cpo_portal.errors import DomainError
from cpo_portal.forms import error_text
from cpo_portal.http import AuthenticatedRequest
from cpo_portal.pagination import paginate

from ..forms.auditors import (
    AssignForm,
    ConflictForm,
    DeclineForm,
    EndAssignmentForm,
    QualificationsForm,
)
from ..selectors import auditors as selectors
from ..selectors.audits import audit_for_auditor
from ..services import auditors as services
from .applications import office_application_or_404, office_record_url, render_office_record

# --- The auditor's profile ----------------------------------------------------------------


def _profile(request: AuthenticatedRequest, **forms: Any) -> HttpResponse:
    auditor = request.user.auditor
    kinds = [q.scheme_kind for q in auditor.qualifications.all()]
    context = {
        "auditor": auditor,
        "qualifications_form": forms.get("qualifications_form")
        or QualificationsForm(initial={"scheme_kinds": kinds}),
        "conflict_form": forms.get("conflict_form") or ConflictForm(),
        "conflicts": selectors.conflicts_of_auditor(auditor),
    }
    status = 200 if not forms else 422
    return render(request, "certification/auditors/profile.html", context, status=status)


@auditor_required
def auditor_profile(request: AuthenticatedRequest) -> HttpResponse:
    """Qualified schemes and conflict declarations, kept by the auditor."""
    if request.method != "POST":
        return _profile(request)
    auditor = request.user.auditor
    if request.POST.get("action") == "conflict":
        form = ConflictForm(request.POST)
        if form.is_valid():
            try:
                services.auditor_conflict_declare(
                    auditor=auditor,
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
    qualifications = QualificationsForm(request.POST)
    if qualifications.is_valid():
        try:
            services.auditor_qualifications_set(
                auditor=auditor,
                scheme_kinds=qualifications.cleaned_data["scheme_kinds"],
                by=request.user,
            )
        except DomainError as exc:
            qualifications.add_error(None, exc.messages)
        else:
            messages.success(request, _("Your qualifications are saved."))
            return redirect("certification:auditor_profile")
    return _profile(request, qualifications_form=qualifications)


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


@office_required
@require_POST
def office_assign(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = office_application_or_404(pk)
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
    return render_office_record(request, application, assign_form=form)


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


@office_required
def office_auditors(request: AuthenticatedRequest) -> HttpResponse:
    page = paginate(request, selectors.auditors_for_office(), per_page=50)
    return render(
        request,
        "certification/auditors/office_list.html",
        {"page": page, "auditors": list(page.object_list)},
    )
