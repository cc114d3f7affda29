"""The company's self-assessment: answers criterion by criterion (autosaved, guarded against
lost updates), the evidence behind them, the submission to the auditors; and the one checked
download of evidence files for every role.

Pages live under /o/<org_slug>/certification/<pk>/self-assessment/: members read, owners and
admins answer. A refusal of the services becomes a form error, a message, or (for htmx
autosave) a 400 / 409 fragment.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cpo_portal.errors import DomainError
from cpo_portal.forms import Conflict, error_text, refuse
from cpo_portal.http import OrganizationRequest, PortalRequest
from cpo_portal.tenancy.decorators import org_admin_required

from ..forms.self_assessment import AnswerForm, EvidenceForm
from ..models import SELF_ASSESSMENT_STATES, Application, ApplicationStatus, Evidence
from ..selectors import self_assessment as selectors
from ..selectors.audits import Row, application_sheet
from ..services import self_assessment as services
from ..services.certificates import certification_policy
from .applications import case_url, is_admin, organization_application_or_404

S = ApplicationStatus
ANSWER_FIELDS = ("status", "explanation")


def _evidence_or_404(application: Application, evidence_id: Any) -> Evidence:
    """Evidence of this application only: an id from elsewhere is a 404."""
    evidence = selectors.evidence_of_application(application, evidence_id)
    if evidence is None:
        raise Http404
    return evidence


# --- The answers ----------------------------------------------------------------------------


def _answer_form(row: Row) -> AnswerForm:
    answer = row.answer
    initial: dict[str, Any] = {"version": answer.version if answer else 0}
    if answer:
        initial |= {
            "status": answer.status,
            "explanation": answer.explanation,
            "no_evidence_reason": answer.no_evidence_reason,
        }
    return AnswerForm(initial=initial, criterion=row.criterion)


def _reason(request: OrganizationRequest, form: AnswerForm) -> str | None:
    """The stated reason for missing evidence, if the form had the field (else unchanged)."""
    if "no_evidence_reason" not in form.fields:
        return None
    if form.add_prefix("no_evidence_reason") not in request.POST:
        return None
    return str(form.cleaned_data.get("no_evidence_reason") or "")


def _can_answer(request: OrganizationRequest, application: Application) -> bool:
    return is_admin(request) and application.status in SELF_ASSESSMENT_STATES


def _editor(
    request: OrganizationRequest,
    application: Application,
    *,
    bound: AnswerForm | None = None,
    conflict: Conflict | None = None,
    evidence_form: tuple[int, EvidenceForm] | None = None,
) -> HttpResponse:
    sheet = application_sheet(application, with_scores=False)
    for row in sheet.rows:
        pk = row.criterion.pk
        is_bound = bound is not None and bound.criterion.pk == pk
        row.form = bound if is_bound else _answer_form(row)
        row.conflict = conflict if is_bound else None
        row.evidence_form = (
            evidence_form[1]
            if evidence_form is not None and evidence_form[0] == pk
            else EvidenceForm(prefix=f"e{pk}")
        )
    context = {
        "organization": request.organization,
        "application": application,
        "sheet": sheet,
        "blocks": sheet.blocks,
        "progress": sheet,
        "can_edit": _can_answer(request, application),
        "is_admin": is_admin(request),
        "opens_later": application.status
        in (S.DRAFT, S.SUBMITTED, S.RETURNED, S.ACCEPTED, S.REJECTED),
        # Evidence required (clarifications): the summary box at the top of the page.
        "lacking": selectors.criteria_lacking_evidence(application)
        if application.status in SELF_ASSESSMENT_STATES
        else [],
    }
    # A refused stale save answers 409 (the page shows both values), like the scoring page.
    status = 409 if conflict is not None else 200
    return render(request, "certification/self_assessment/editor.html", context, status=status)


def self_assessment(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    return _editor(request, organization_application_or_404(request, pk))


@require_POST
@org_admin_required
def self_assessment_answer(
    request: OrganizationRequest, org_slug: str, pk: int, criterion_id: int
) -> HttpResponse:
    """Save one answer: the feedback region and progress for htmx (autosave), else a redirect.

    A save based on an older version than the stored one is refused (409) with both values
    shown: the colleague's saved answer and the user's unsaved one, to keep or to drop.
    """
    application = organization_application_or_404(request, pk)
    try:
        criterion = services.criterion_of_scheme(application, criterion_id)
    except DomainError as exc:
        message = error_text(exc)
        if request.htmx:
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        messages.error(request, message)
        return redirect(case_url("self_assessment", application))
    form = AnswerForm(request.POST, criterion=criterion)
    saved = False
    conflict: Conflict | None = None
    if form.is_valid():
        try:
            services.self_assessment_answer(
                application=application,
                criterion_id=criterion.pk,
                status=form.cleaned_data["status"],
                explanation=form.cleaned_data["explanation"],
                expected_version=form.expected_version(),
                by=request.user,
                no_evidence_reason=_reason(request, form),
            )
            saved = True
        except services.AnswerConflict as exc:
            fields = [
                *ANSWER_FIELDS,
                *(["no_evidence_reason"] if "no_evidence_reason" in form.fields else []),
            ]
            conflict = form.conflict_with(exc.current, fields)
        except DomainError as exc:
            refuse(form, exc)
    if request.htmx:
        # One read after the save: the row's answer and the progress count it. Only the
        # feedback region and the progress bar are swapped, never the typed text.
        sheet = application_sheet(application, with_scores=False)
        row = next(r for r in sheet.rows if r.criterion.pk == criterion.pk)
        row.form = _answer_form(row) if saved else form
        row.conflict = conflict
        row.evidence_form = EvidenceForm(prefix=f"e{criterion.pk}")
        context = {
            "organization": request.organization,
            "application": application,
            "row": row,
            "saved": saved,
            "can_edit": True,
            "progress": sheet,
        }
        status = 409 if conflict is not None else 200
        return render(
            request, "certification/self_assessment/_answer_row.html", context, status=status
        )
    if saved:
        messages.success(
            request,
            _("Your answer to criterion %(code)s is saved.") % {"code": criterion.code},
        )
        return redirect(case_url("self_assessment", application, f"c-{criterion_id}"))
    return _editor(request, application, bound=form, conflict=conflict)


@require_http_methods(["GET", "POST"])
@org_admin_required
def self_assessment_submit(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    application = organization_application_or_404(request, pk)
    if request.method != "POST":
        # Confirmation (deadlines): what submitting does, before the button that does it.
        return _submit_confirmation(request, application)
    try:
        services.self_assessment_submit(application=application, by=request.user)
    except DomainError as exc:
        messages.error(request, error_text(exc))
        # To the top, where the message is: at the page's end it was off screen on a phone.
        return redirect(case_url("self_assessment", application))
    messages.success(request, _("Your self-assessment is submitted. The audit can begin."))
    return redirect(case_url("application", application))


def _submit_confirmation(request: OrganizationRequest, application: Application) -> HttpResponse:
    """The page before the submission: what is submitted, what can no longer change, what
    comes next (the audit, due by the policy), with the one button that submits."""
    sheet = application_sheet(application, with_scores=False)
    lacking = selectors.criteria_lacking_evidence(application)
    return render(
        request,
        "certification/self_assessment/submit.html",
        {
            "organization": request.organization,
            "application": application,
            "progress": sheet,
            "can_submit": application.status == S.SELF_ASSESSMENT
            and not sheet.shall_unanswered
            and not lacking,
            "lacking": lacking,  # evidence required (clarifications)
            "submitted": application.status not in SELF_ASSESSMENT_STATES,
            "policy": certification_policy(),
        },
    )


# --- Evidence -----------------------------------------------------------------------------


def add_evidence(
    request: OrganizationRequest, application: Application, form: EvidenceForm, **subject: Any
) -> bool:
    """Store the file or link of a valid form (to a criterion or a finding); a refusal lands
    on the form."""
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        if data.get("file"):
            services.evidence_add_file(
                application=application,
                upload=data["file"],
                title=data.get("title", ""),
                by=request.user,
                **subject,
            )
        else:
            services.evidence_add_link(
                application=application,
                url=data["url"],
                title=data.get("title", ""),
                by=request.user,
                **subject,
            )
    except DomainError as exc:
        form.refuse(exc)
        return False
    return True


@require_POST
@org_admin_required
def evidence_add(
    request: OrganizationRequest, org_slug: str, pk: int, criterion_id: int
) -> HttpResponse:
    application = organization_application_or_404(request, pk)
    form = EvidenceForm(request.POST, request.FILES, prefix=f"e{criterion_id}")
    if add_evidence(request, application, form, criterion_id=criterion_id):
        messages.success(request, _("The evidence is added."))
        return redirect(case_url("self_assessment", application, f"c-{criterion_id}"))
    if application.status not in SELF_ASSESSMENT_STATES or not any(
        r.criterion.pk == criterion_id
        for r in application_sheet(application, with_scores=False).rows
    ):
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()))
        return redirect(case_url("self_assessment", application))
    return _editor(request, application, evidence_form=(criterion_id, form))


@require_POST
@org_admin_required
def evidence_remove(
    request: OrganizationRequest, org_slug: str, pk: int, evidence_id: int
) -> HttpResponse:
    application = organization_application_or_404(request, pk)
    evidence = _evidence_or_404(application, evidence_id)
    if evidence.finding_id:
        back = case_url("finding_answer", application, finding_id=evidence.finding_id)
    else:
        back = case_url("self_assessment", application, f"c-{evidence.criterion_id}")
    try:
        services.evidence_remove(evidence=evidence, by=request.user)
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The evidence is removed."))
    return redirect(back)


def evidence_download(request: PortalRequest, pk: int) -> HttpResponseBase:
    """One checked download for every role (members of the organization, the auditors while
    actively assigned, the CPO office). Anyone else learns nothing: a visitor is sent to sign
    in whether or not the file exists, a signed-in stranger gets 404."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    evidence = selectors.evidence_for_user(request.user, pk)
    # Links are shown as links; only stored files are served here.
    if evidence is None or not evidence.is_file:
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name or (evidence.file.name or "").rsplit("/", 1)[-1],
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # The file is the company's, not ours: never let it run as a page of the portal.
    response["Content-Security-Policy"] = "sandbox"
    return response
