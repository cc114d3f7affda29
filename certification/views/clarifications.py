"""Clarification requests: the auditor asks on a criterion (audit area), the company answers
(its case pages: members read, owners and admins answer), the office reads every thread.

An auditor works on the requests of an audit while actively assigned; after the case has
ended, those who were assigned to the end read them. Anyone else gets 404.
"""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cpo_portal.accounts.decorators import auditor_required, office_required
from cpo_portal.errors import DomainError
from cpo_portal.forms import error_text
from cpo_portal.http import AuthenticatedRequest, OrganizationRequest
from cpo_portal.pagination import paginate
from cpo_portal.tenancy.decorators import org_admin_required

from ..forms.clarifications import (
    ClarificationAnswerForm,
    ClarificationAskForm,
    ClarificationReplyForm,
)
from ..models import SCORING_STATES, Application, ClarificationRequest, ClarificationStatus
from ..selectors import clarifications as selectors
from ..services import clarifications as services
from .applications import (
    case_url,
    is_admin,
    office_application_or_404,
    organization_application_or_404,
)
from .audits import audit_case_or_404, audit_or_404, criterion_filter

PAGE_SIZE = 20


def _request_or_404(application: Application, cid: Any) -> ClarificationRequest:
    clarification = selectors.clarification_of_application(application, cid)
    if clarification is None:
        raise Http404
    return clarification


def _audit_thread_url(application: Application, cid: int) -> str:
    return reverse("certification:audit_clarification", kwargs={"pk": application.pk, "cid": cid})


# --- The auditor ----------------------------------------------------------------------------


@auditor_required
def audit_clarifications(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The audit's requests, awaiting ones first (read-only after the case ended)."""
    application, active = audit_case_or_404(request, pk)
    page = paginate(
        request,
        selectors.clarifications_of(application, criterion_id=criterion_filter(request)),
        per_page=PAGE_SIZE,
    )
    context = {
        "application": application,
        "organization": application.organization,
        "page": page,
        "can_ask": active and application.status in SCORING_STATES,
        "audience": "audit",
    }
    return render(request, "certification/clarifications/audit_list.html", context)


@require_http_methods(["GET", "POST"])
@auditor_required
def audit_clarification_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = audit_or_404(request, pk)
    initial = {"criterion": request.GET["criterion"]} if request.GET.get("criterion") else {}
    form = ClarificationAskForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        scheme_id=application.scheme_id,
    )
    if request.method == "POST" and form.is_valid():
        try:
            clarification = services.clarification_ask(
                application=application,
                criterion_id=form.cleaned_data["criterion"].pk,
                question=form.cleaned_data["question"],
                by=request.user,
            )
        except DomainError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Your question is sent to the company."))
            return redirect(_audit_thread_url(application, clarification.pk))
    context = {"application": application, "organization": application.organization, "form": form}
    status = 422 if form.errors else 200
    return render(request, "certification/clarifications/audit_new.html", context, status=status)


@auditor_required
def audit_clarification(request: AuthenticatedRequest, pk: int, cid: int) -> HttpResponse:
    application, active = audit_case_or_404(request, pk)
    return _audit_thread(request, application, _request_or_404(application, cid), active)


def _audit_thread(
    request: AuthenticatedRequest,
    application: Application,
    clarification: ClarificationRequest,
    active: bool,
    *,
    form: ClarificationReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_act = active and application.status in SCORING_STATES
    context = {
        "application": application,
        "organization": application.organization,
        "clarification": clarification,
        "can_reply": can_act and clarification.status == ClarificationStatus.ANSWERED,
        "can_close": can_act and clarification.status != ClarificationStatus.CLOSED,
        "form": form or ClarificationReplyForm(),
        "audience": "audit",
    }
    return render(request, "certification/clarifications/audit_thread.html", context, status=status)


@require_POST
@auditor_required
def audit_clarification_reply(request: AuthenticatedRequest, pk: int, cid: int) -> HttpResponse:
    application = audit_or_404(request, pk)
    clarification = _request_or_404(application, cid)
    form = ClarificationReplyForm(request.POST)
    if form.is_valid():
        try:
            services.clarification_reply(
                request=clarification, body=form.cleaned_data["body"], by=request.user
            )
        except DomainError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Your follow-up question is sent to the company."))
            return redirect(_audit_thread_url(application, clarification.pk))
    return _audit_thread(request, application, clarification, True, form=form, status=422)


@require_http_methods(["GET", "POST"])
@auditor_required
def audit_clarification_close(request: AuthenticatedRequest, pk: int, cid: int) -> HttpResponse:
    """Closing is final: the page says so before the button that does it."""
    application = audit_or_404(request, pk)
    clarification = _request_or_404(application, cid)
    if request.method == "POST":
        try:
            services.clarification_close(request=clarification, by=request.user)
        except DomainError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The clarification request is closed."))
        return redirect(_audit_thread_url(application, clarification.pk))
    context = {
        "application": application,
        "organization": application.organization,
        "clarification": clarification,
    }
    return render(request, "certification/clarifications/audit_close.html", context)


# --- The company ----------------------------------------------------------------------------


def clarifications(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    """The case's requests for members; owners and admins answer the awaiting ones."""
    application = organization_application_or_404(request, pk)
    page = paginate(request, selectors.clarifications_of(application), per_page=PAGE_SIZE)
    context = {
        "application": application,
        "organization": request.organization,
        "page": page,
        "is_admin": is_admin(request),
        "audience": "company",
    }
    return render(request, "certification/clarifications/list.html", context)


def clarification(request: OrganizationRequest, org_slug: str, pk: int, cid: int) -> HttpResponse:
    application = organization_application_or_404(request, pk)
    return _company_thread(request, application, _request_or_404(application, cid))


def _company_thread(
    request: OrganizationRequest,
    application: Application,
    clarification: ClarificationRequest,
    *,
    form: ClarificationAnswerForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "application": application,
        "organization": request.organization,
        "clarification": clarification,
        "can_answer": is_admin(request)
        and application.status in SCORING_STATES
        and clarification.status == ClarificationStatus.OPEN,
        "form": form or ClarificationAnswerForm(),
        "audience": "company",
    }
    return render(request, "certification/clarifications/thread.html", context, status=status)


@require_POST
@org_admin_required
def clarification_answer(
    request: OrganizationRequest, org_slug: str, pk: int, cid: int
) -> HttpResponse:
    application = organization_application_or_404(request, pk)
    clarification = _request_or_404(application, cid)
    form = ClarificationAnswerForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.clarification_answer(
                request=clarification,
                body=data["body"],
                upload=data.get("file") or None,
                url=data.get("url") or "",
                title=data.get("title") or "",
                by=request.user,
            )
        except DomainError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Your answer is sent to the auditors."))
            return redirect(case_url("clarification", application, cid=clarification.pk))
    return _company_thread(request, application, clarification, form=form, status=422)


# --- The office -----------------------------------------------------------------------------


@office_required
def office_clarifications(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Every thread of the case, read-only."""
    application = office_application_or_404(pk)
    page = paginate(request, selectors.clarifications_of(application), per_page=PAGE_SIZE)
    context = {
        "application": application,
        "organization": application.organization,
        "page": page,
        "audience": "office",
    }
    return render(request, "certification/clarifications/office_list.html", context)
