"""Findings in steps: the auditor raises a finding, verifies the company's answer or sends
it back, closes an observation; the company (owners and admins) answers a nonconformity with
correction, root cause and corrective action; everyone of the case (the company's members,
the assigned auditors, the office) reads the finding with its full step history.

Outsiders get 404: the auditor's pages start from the audit the user is actively assigned
to, the company's from the organization's case, the office's from `office_required`.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_scopes import scope

from cpo_portal.accounts.decorators import auditor_required, office_required
from cpo_portal.errors import DomainError
from cpo_portal.http import AuthenticatedRequest, OrganizationRequest
from cpo_portal.tenancy.decorators import org_admin_required

from ..forms.findings import (
    FindingAnswerForm,
    FindingCloseForm,
    FindingForm,
    FindingSendBackForm,
    FindingVerifyForm,
)
from ..forms.self_assessment import EvidenceForm
from ..models import EVIDENCE_STATES, SCORING_STATES, Application, Finding, FindingStatus
from ..selectors import findings as selectors
from ..selectors.audits import audit_for_auditor
from ..services import findings as services
from .applications import (
    FINDING_STATES,
    case_url,
    is_admin,
    office_application_or_404,
    organization_application_or_404,
)
from .self_assessment import add_evidence

# --- lookups ------------------------------------------------------------------------------


def _audit_or_404(request: AuthenticatedRequest, pk: Any) -> Application:
    application = audit_for_auditor(request.user, pk)
    if application is None:
        raise Http404
    return application


def _finding_or_404(application: Application, finding_id: Any) -> Finding:
    finding = selectors.finding_of_application(application, finding_id)
    if finding is None:
        raise Http404
    return finding


def _audit_url(application: Application, anchor: str = "") -> str:
    url = reverse("certification:audit", args=[application.pk])
    return f"{url}#{anchor}" if anchor else url


def _audit_finding_url(application: Application, finding: Finding) -> str:
    return reverse("certification:audit_finding", args=[application.pk, finding.pk])


def _record(application: Application, finding: Finding) -> dict[str, Any]:
    """What every page of a finding shows: its criteria, evidence and step history."""
    with scope(organization=application.organization):
        criteria = selectors.finding_criteria(finding)
        evidence = selectors.finding_evidence(finding)
    return {
        "application": application,
        "organization": application.organization,
        "finding": finding,
        "criteria": criteria,
        "evidence": evidence,
        "steps": selectors.finding_steps(finding),
    }


# --- The auditor --------------------------------------------------------------------------


@auditor_required
def finding_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = _audit_or_404(request, pk)
    initial = {"criteria": [request.GET["criterion"]]} if request.GET.get("criterion") else {}
    form = FindingForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        scheme_id=application.scheme_id,
    )
    if request.method == "POST" and form.is_valid():
        try:
            finding = services.finding_raise(
                application=application,
                kind=form.cleaned_data["kind"],
                criterion_ids=[c.pk for c in form.cleaned_data["criteria"]],
                description=form.cleaned_data["description"],
                objective_evidence=form.cleaned_data["objective_evidence"],
                due_date=form.cleaned_data["due_date"],
                by=request.user,
            )
        except DomainError as exc:
            form.refuse(exc)
        else:
            messages.success(
                request, _("%(kind)s recorded.") % {"kind": finding.get_kind_display()}
            )
            return redirect(_audit_url(application, anchor="findings"))
    status = 422 if form.errors else 200
    context = {"application": application, "organization": application.organization, "form": form}
    return render(request, "certification/findings/finding_new.html", context, status=status)


def _audit_finding_page(
    request: AuthenticatedRequest,
    application: Application,
    finding: Finding,
    *,
    status: int = 200,
    **forms: Any,
) -> HttpResponse:
    open_audit = application.status in SCORING_STATES
    context = {
        **_record(application, finding),
        "can_verify": open_audit
        and finding.is_nonconformity
        and finding.status == FindingStatus.ANSWERED,
        "can_close": open_audit
        and not finding.is_nonconformity
        and finding.status != FindingStatus.CLOSED,
        "verify_form": forms.get("verify_form") or FindingVerifyForm(),
        "send_back_form": forms.get("send_back_form") or FindingSendBackForm(),
        "close_form": forms.get("close_form") or FindingCloseForm(),
    }
    return render(request, "certification/findings/audit_finding.html", context, status=status)


@require_GET
@auditor_required
def audit_finding(request: AuthenticatedRequest, pk: int, finding_id: int) -> HttpResponse:
    """The finding for the assigned auditors: its text, evidence and full step history,
    with the verification (accept or send back) or, for an observation, the close form."""
    application = _audit_or_404(request, pk)
    return _audit_finding_page(request, application, _finding_or_404(application, finding_id))


@require_POST
@auditor_required
def finding_close(request: AuthenticatedRequest, pk: int, finding_id: int) -> HttpResponse:
    """Accept a nonconformity's corrective action as effective (verification, note
    required), or close an observation (note optional)."""
    application = _audit_or_404(request, pk)
    finding = _finding_or_404(application, finding_id)
    form: FindingVerifyForm | FindingCloseForm
    if finding.is_nonconformity:
        form = FindingVerifyForm(request.POST)
        service, done, key = services.finding_verify, _("Corrective action accepted."), "verify"
    else:
        form = FindingCloseForm(request.POST)
        service, done, key = services.finding_close, _("Finding closed."), "close"
    if form.is_valid():
        try:
            service(finding=finding, note=form.cleaned_data["note"], by=request.user)
        except DomainError as exc:
            form.refuse(exc)
        else:
            messages.success(request, done)
            return redirect(_audit_finding_url(application, finding))
    return _audit_finding_page(request, application, finding, status=422, **{f"{key}_form": form})


@require_POST
@auditor_required
def finding_reopen(request: AuthenticatedRequest, pk: int, finding_id: int) -> HttpResponse:
    """Send the company's answer back, with the reason (the answer is due again)."""
    application = _audit_or_404(request, pk)
    finding = _finding_or_404(application, finding_id)
    # The sheet's short form names the reason "note".
    form = FindingSendBackForm({"reason": request.POST.get("reason") or request.POST.get("note")})
    if form.is_valid():
        try:
            services.finding_send_back(
                finding=finding, reason=form.cleaned_data["reason"], by=request.user
            )
        except DomainError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Finding sent back to the company."))
            return redirect(_audit_finding_url(application, finding))
    return _audit_finding_page(request, application, finding, status=422, send_back_form=form)


# --- The company ----------------------------------------------------------------------------


def _finding_page(
    request: OrganizationRequest,
    application: Application,
    finding: Finding,
    *,
    answer_form: FindingAnswerForm | None = None,
    evidence_form: EvidenceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    admin = is_admin(request)
    open_for_company = application.status in SCORING_STATES and finding.is_nonconformity
    context = {
        **_record(application, finding),
        "organization": request.organization,
        "can_answer": admin and open_for_company and finding.status == FindingStatus.OPEN,
        "can_add_evidence": admin
        and application.status in EVIDENCE_STATES
        and finding.is_nonconformity
        and finding.status != FindingStatus.CLOSED,
        "answer_form": answer_form
        or FindingAnswerForm(
            initial={
                "correction": finding.correction,
                "root_cause": finding.root_cause,
                "corrective_action": finding.corrective_action,
                "action_due_on": finding.action_due_on,
            }
        ),
        "evidence_form": evidence_form or EvidenceForm(prefix="f"),
    }
    return render(request, "certification/findings/finding_answer.html", context, status=status)


def finding_answer(
    request: OrganizationRequest, org_slug: str, pk: int, finding_id: int
) -> HttpResponse:
    """The finding with its history (members read); owners and admins answer a
    nonconformity: correction, root-cause analysis, corrective action and its date."""
    application = organization_application_or_404(request, pk)
    if application.status not in FINDING_STATES:
        raise Http404
    finding = _finding_or_404(application, finding_id)
    if request.method != "POST":
        return _finding_page(request, application, finding)
    if not is_admin(request):
        raise PermissionDenied
    form = FindingAnswerForm(request.POST)
    if form.is_valid():
        try:
            services.finding_answer(
                finding=finding,
                correction=form.cleaned_data["correction"],
                root_cause=form.cleaned_data["root_cause"],
                corrective_action=form.cleaned_data["corrective_action"],
                action_due_on=form.cleaned_data["action_due_on"],
                by=request.user,
            )
        except DomainError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Your corrective action is sent to the auditors."))
            return redirect(case_url("application", application, f"f-{finding.pk}"))
    return _finding_page(request, application, finding, answer_form=form)


@require_POST
@org_admin_required
def finding_evidence_add(
    request: OrganizationRequest, org_slug: str, pk: int, finding_id: int
) -> HttpResponse:
    application = organization_application_or_404(request, pk)
    if application.status not in FINDING_STATES:
        raise Http404
    finding = _finding_or_404(application, finding_id)
    form = EvidenceForm(request.POST, request.FILES, prefix="f")
    if add_evidence(request, application, form, finding=finding):
        messages.success(request, _("The evidence is added."))
        return redirect(case_url("finding_answer", application, finding_id=finding.pk))
    return _finding_page(request, application, finding, evidence_form=form)


# --- The office -----------------------------------------------------------------------------


@require_GET
@office_required
def office_finding(request: AuthenticatedRequest, pk: int, finding_id: int) -> HttpResponse:
    """The finding for the office (every office member reads): text, evidence, history."""
    application = office_application_or_404(pk)
    finding = _finding_or_404(application, finding_id)
    return render(
        request, "certification/findings/office_finding.html", _record(application, finding)
    )
