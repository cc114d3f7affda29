"""The organization's certification workspace: applications, self-assessment, evidence,
answers to findings.

Pages live under /o/<org_slug>/certification/, where the tenant middleware has already
answered 404 to non-members and activated the organization's scope. Members read; owners and
admins act (plain members get 403: same organization, nothing to hide). Every change goes
through a service; a refusal (DomainError) becomes a form error or a message, never a 500.
"""

from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_scopes import scope

from cpo_portal.documents.models import Document
from cpo_portal.errors import DomainError
from cpo_portal.forms import Conflict
from cpo_portal.pagination import paginate
from cpo_portal.tenancy.decorators import org_admin_required
from criteria.models import SchemeKind
from signees.models import SigneeStatus
from signees.selectors import signee_of_organization

from .. import selectors, services
from ..forms_company import (
    AnswerForm,
    ApplicationForm,
    EvidenceForm,
    FindingAnswerForm,
    WithdrawForm,
)
from ..models import (
    Application,
    ApplicationStatus,
    Evidence,
    Finding,
    FindingStatus,
)
from ..services.lifecycle import SCORING_STATES, SELF_ASSESSMENT_STATES, allowed
from ..services.scoring import AUDIT_REPORT_KIND
from ..services.self_assessment import EVIDENCE_STATES

S = ApplicationStatus
# From here on the company sees findings; after the report, the pass-rule breakdown too.
FINDING_STATES = (*SCORING_STATES, S.REPORT_SUBMITTED, S.DECIDED)
REPORT_STATES = (S.REPORT_SUBMITTED, S.DECIDED)

NEXT_STEP = {
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


# --- lookups ------------------------------------------------------------------------------


def _org(request: HttpRequest) -> Any:
    return request.organization  # type: ignore[attr-defined]


def _is_admin(request: HttpRequest) -> bool:
    return bool(request.membership and request.membership.is_admin)  # type: ignore[attr-defined]


def _application_or_404(request: HttpRequest, pk: Any) -> Application:
    application = selectors.application_of_organization(_org(request), pk)
    if application is None:
        raise Http404
    return application


def _finding_or_404(application: Application, finding_id: Any) -> Finding:
    finding = selectors.finding_of_application(application, finding_id)
    if finding is None:
        raise Http404
    return finding


def _evidence_or_404(application: Application, evidence_id: Any) -> Evidence:
    """Evidence of this application only: an id from elsewhere is a 404."""
    with scope(organization=application.organization):
        evidence = (
            Evidence.objects.filter(application=application, pk=evidence_id)
            .select_related("application__organization")
            .first()
        )
    if evidence is None:
        raise Http404
    return evidence


def _audit_report(application: Application) -> Document | None:
    """The newest audit report Document of the application (the documents app serves it)."""
    with scope(organization=application.organization):
        return (
            Document.objects.filter(
                kind=AUDIT_REPORT_KIND,
                owner_type=ContentType.objects.get_for_model(Application),
                owner_id=str(application.pk),
            )
            .order_by("-created_at", "-pk")
            .first()
        )


def _url(name: str, application: Application, anchor: str = "", **kwargs: Any) -> str:
    url = reverse(
        f"certification:{name}",
        kwargs={"org_slug": application.organization.slug, "pk": application.pk, **kwargs},
    )
    return f"{url}#{anchor}" if anchor else url


def _refuse(form: Form, exc: ValidationError) -> None:
    """A service's refusal on the form: on the field it names, otherwise form-wide."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _codes(exc: ValidationError) -> set[str]:
    return {e.code for e in getattr(exc, "error_list", []) if e.code}


def _eligibility(request: HttpRequest) -> dict[str, Any]:
    """Who may apply, and for what: the reasons are shown, not just a missing button."""
    organization = _org(request)
    signee = signee_of_organization(organization)
    approved = bool(signee and signee.status == SigneeStatus.APPROVED)
    return {
        "signee": signee,
        "approved_signee": approved,
        "is_admin": _is_admin(request),
        "can_apply": approved and _is_admin(request),
        "has_org_certificate": approved
        and selectors.has_valid_organizational_certification(organization),
    }


# --- applications ---------------------------------------------------------------------------


def application_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    page = paginate(request, selectors.applications_of_organization(_org(request)), per_page=25)
    context = {
        "organization": _org(request),
        "page": page,
        # The certificates to renew, offered where recertification is possible.
        "recertifications": selectors.recertifications_of_organization(_org(request)),
        **_eligibility(request),
    }
    return render(request, "certification/company/list.html", context)


@org_admin_required
def application_new(request: HttpRequest, org_slug: str, kind: str) -> HttpResponse:
    if kind not in SchemeKind.values:
        raise Http404
    eligibility = _eligibility(request)
    form = ApplicationForm(request.POST if request.method == "POST" else None, kind=kind)
    refused_codes: set[str] = set()
    if form.is_valid():
        try:
            application = services.application_create(
                organization=_org(request), kind=kind, by=request.user, **form.values()
            )
        except DomainError as exc:
            _refuse(form, exc)
            refused_codes = _codes(exc)
        else:
            messages.success(
                request,
                _("Your application is saved as a draft. Check it, then submit it."),
            )
            return redirect(_url("application", application))
    context = {
        "organization": _org(request),
        "form": form,
        "kind": kind,
        "kind_label": SchemeKind(kind).label,
        "is_product": kind == SchemeKind.PRODUCT,
        "organizational_required": "organizational_required" in refused_codes
        or (kind == SchemeKind.PRODUCT and not eligibility["has_org_certificate"]),
        **eligibility,
    }
    return render(request, "certification/company/form.html", context)


def application_detail(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    status = application.status
    sheet = None
    if status in FINDING_STATES:
        # Scores stay with the auditors until the report is submitted.
        sheet = selectors.application_sheet(application, with_scores=status in REPORT_STATES)
    is_admin = _is_admin(request)
    editable = status in (S.DRAFT, S.RETURNED)
    context = {
        "organization": _org(request),
        "application": application,
        "events": selectors.events_of(application),
        "assignments": selectors.assignments_of(application, active_only=True),
        "next_step": NEXT_STEP.get(status, ""),
        "findings": sheet.findings if sheet else [],
        "sheet": sheet if status in REPORT_STATES else None,
        "report": _audit_report(application) if status in REPORT_STATES else None,
        "is_admin": is_admin,
        "can_edit": is_admin and editable,
        "can_submit": is_admin and allowed(application, "submit"),
        "can_withdraw": is_admin and allowed(application, "withdraw"),
        "can_answer": is_admin and status in SCORING_STATES,
        "self_assessment_open": status not in (S.DRAFT, S.SUBMITTED, S.RETURNED, S.REJECTED),
        "organizational_missing": application.is_product
        and editable
        and not selectors.has_valid_organizational_certification(application.organization),
        "open_finding": FindingStatus.OPEN,
    }
    return render(request, "certification/company/detail.html", context)


@org_admin_required
def application_edit(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    if application.status not in (S.DRAFT, S.RETURNED):
        messages.error(request, _("The application can no longer be changed."))
        return redirect(_url("application", application))
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
            _refuse(form, exc)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect(_url("application", application))
    context = {
        "organization": _org(request),
        "application": application,
        "form": form,
        "kind": application.kind,
        "kind_label": application.get_kind_display(),
        "is_product": application.is_product,
        "editing": True,
        "can_apply": True,
    }
    return render(request, "certification/company/form.html", context)


@require_POST
@org_admin_required
def application_submit(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    try:
        services.application_submit(application=application, by=request.user)
    except DomainError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your application is submitted to the CPO office."))
    return redirect(_url("application", application))


@org_admin_required
def application_withdraw(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """Confirm, then withdraw (the assigned auditors' work ends with it)."""
    application = _application_or_404(request, pk)
    if not allowed(application, "withdraw"):
        messages.error(request, _("This application can no longer be withdrawn."))
        return redirect(_url("application", application))
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.application_withdraw(
                application=application, by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _("The application is withdrawn."))
            return redirect(_url("application", application))
    context = {"organization": _org(request), "application": application, "form": form}
    return render(request, "certification/company/withdraw.html", context)


# --- self-assessment --------------------------------------------------------------------------


ANSWER_FIELDS = ("status", "explanation")


def _answer_form(row: Any) -> AnswerForm:
    answer = row.answer
    initial: dict[str, Any] = {"version": answer.version if answer else 0}
    if answer:
        initial |= {"status": answer.status, "explanation": answer.explanation}
    return AnswerForm(initial=initial, criterion=row.criterion)


def _can_answer(request: HttpRequest, application: Application) -> bool:
    return _is_admin(request) and application.status in SELF_ASSESSMENT_STATES


def _editor(
    request: HttpRequest,
    application: Application,
    *,
    bound: AnswerForm | None = None,
    conflict: Conflict | None = None,
    evidence_form: tuple[int, EvidenceForm] | None = None,
) -> HttpResponse:
    sheet = selectors.application_sheet(application, with_scores=False)
    for row in sheet.rows:
        pk = row.criterion.pk
        is_bound = bound is not None and bound.criterion.pk == pk
        row.form = bound if is_bound else _answer_form(row)  # type: ignore[attr-defined]
        row.conflict = conflict if is_bound else None  # type: ignore[attr-defined]
        row.evidence_form = (  # type: ignore[attr-defined]
            evidence_form[1]
            if evidence_form is not None and evidence_form[0] == pk
            else EvidenceForm(prefix=f"e{pk}")
        )
    context = {
        "organization": _org(request),
        "application": application,
        "sheet": sheet,
        "blocks": sheet.blocks,
        "progress": sheet,
        "can_edit": _can_answer(request, application),
        "is_admin": _is_admin(request),
        "opens_later": application.status
        in (S.DRAFT, S.SUBMITTED, S.RETURNED, S.ACCEPTED, S.REJECTED),
    }
    # A refused stale save answers 409 (the page shows both values), like the scoring page.
    status = 409 if conflict is not None else 200
    return render(request, "certification/company/self_assessment.html", context, status=status)


def self_assessment(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    return _editor(request, _application_or_404(request, pk))


@require_POST
@org_admin_required
def self_assessment_answer(
    request: HttpRequest, org_slug: str, pk: int, criterion_id: int
) -> HttpResponse:
    """Save one answer: the feedback region and progress for htmx (autosave), else a redirect.

    A save based on an older version than the stored one is refused (409) with both values
    shown: the colleague's saved answer and the user's unsaved one, to keep or to drop.
    """
    application = _application_or_404(request, pk)
    try:
        criterion = services.criterion_of_scheme(application, criterion_id)
    except DomainError as exc:
        message = " ".join(exc.messages)
        if request.htmx:  # type: ignore[attr-defined]
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        messages.error(request, message)
        return redirect(_url("self_assessment", application))
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
            )
            saved = True
        except services.AnswerConflict as exc:
            conflict = form.conflict_with(exc.current, ANSWER_FIELDS)
        except DomainError as exc:
            _refuse(form, exc)
    if request.htmx:  # type: ignore[attr-defined]
        # One read after the save: the row's answer and the progress count it. Only the
        # feedback region and the progress bar are swapped, never the typed text.
        sheet = selectors.application_sheet(application, with_scores=False)
        row = next(r for r in sheet.rows if r.criterion.pk == criterion.pk)
        row.form = _answer_form(row) if saved else form  # type: ignore[attr-defined]
        row.conflict = conflict  # type: ignore[attr-defined]
        row.evidence_form = EvidenceForm(prefix=f"e{criterion.pk}")  # type: ignore[attr-defined]
        context = {
            "organization": _org(request),
            "application": application,
            "row": row,
            "saved": saved,
            "can_edit": True,
            "progress": sheet,
        }
        status = 409 if conflict is not None else 200
        return render(request, "certification/company/_answer_row.html", context, status=status)
    if saved:
        messages.success(
            request,
            _("Your answer to criterion %(code)s is saved.") % {"code": criterion.code},
        )
        return redirect(_url("self_assessment", application, f"c-{criterion_id}"))
    return _editor(request, application, bound=form, conflict=conflict)


@require_POST
@org_admin_required
def self_assessment_submit(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    try:
        services.self_assessment_submit(application=application, by=request.user)
    except DomainError as exc:
        messages.error(request, " ".join(exc.messages))
        # To the top, where the message is: at the page's end it was off screen on a phone.
        return redirect(_url("self_assessment", application))
    messages.success(request, _("Your self-assessment is submitted. The audit can begin."))
    return redirect(_url("application", application))


# --- evidence -----------------------------------------------------------------------------


def _add_evidence(
    request: HttpRequest, application: Application, form: EvidenceForm, **subject: Any
) -> bool:
    """Store the file or link of a valid form; a refusal lands on the form."""
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
        _refuse(form, exc)
        return False
    return True


@require_POST
@org_admin_required
def evidence_add(request: HttpRequest, org_slug: str, pk: int, criterion_id: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    form = EvidenceForm(request.POST, request.FILES, prefix=f"e{criterion_id}")
    if _add_evidence(request, application, form, criterion_id=criterion_id):
        messages.success(request, _("The evidence is added."))
        return redirect(_url("self_assessment", application, f"c-{criterion_id}"))
    if application.status not in SELF_ASSESSMENT_STATES or not any(
        r.criterion.pk == criterion_id
        for r in selectors.application_sheet(application, with_scores=False).rows
    ):
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()))
        return redirect(_url("self_assessment", application))
    return _editor(request, application, evidence_form=(criterion_id, form))


@require_POST
@org_admin_required
def evidence_remove(request: HttpRequest, org_slug: str, pk: int, evidence_id: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    evidence = _evidence_or_404(application, evidence_id)
    if evidence.finding_id:
        back = _url("finding_answer", application, finding_id=evidence.finding_id)
    else:
        back = _url("self_assessment", application, f"c-{evidence.criterion_id}")
    try:
        services.evidence_remove(evidence=evidence, by=request.user)
    except DomainError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The evidence is removed."))
    return redirect(back)


# --- findings -----------------------------------------------------------------------------


def _finding_page(
    request: HttpRequest,
    application: Application,
    finding: Finding,
    *,
    answer_form: FindingAnswerForm | None = None,
    evidence_form: EvidenceForm | None = None,
) -> HttpResponse:
    with scope(organization=application.organization):
        criteria = list(finding.criteria.order_by("area__position", "position"))
        evidence = list(finding.evidence.select_related("uploaded_by").order_by("uploaded_at"))
    is_admin = _is_admin(request)
    open_for_company = application.status in SCORING_STATES and finding.is_nonconformity
    context = {
        "organization": _org(request),
        "application": application,
        "finding": finding,
        "criteria": criteria,
        "evidence": evidence,
        "can_answer": is_admin and open_for_company and finding.status == FindingStatus.OPEN,
        "can_add_evidence": is_admin
        and application.status in EVIDENCE_STATES
        and finding.is_nonconformity
        and finding.status != FindingStatus.CLOSED,
        "answer_form": answer_form
        or FindingAnswerForm(initial={"corrective_action": finding.corrective_action}),
        "evidence_form": evidence_form or EvidenceForm(prefix="f"),
    }
    return render(request, "certification/company/finding.html", context)


def finding_answer(request: HttpRequest, org_slug: str, pk: int, finding_id: int) -> HttpResponse:
    """The finding (members read); owners and admins answer it with a corrective action."""
    application = _application_or_404(request, pk)
    if application.status not in FINDING_STATES:
        raise Http404
    finding = _finding_or_404(application, finding_id)
    if request.method != "POST":
        return _finding_page(request, application, finding)
    if not _is_admin(request):
        raise PermissionDenied
    form = FindingAnswerForm(request.POST)
    if form.is_valid():
        try:
            services.finding_answer(
                finding=finding,
                corrective_action=form.cleaned_data["corrective_action"],
                by=request.user,
            )
        except DomainError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _("Your corrective action is sent to the auditors."))
            return redirect(_url("application", application, f"f-{finding.pk}"))
    return _finding_page(request, application, finding, answer_form=form)


@require_POST
@org_admin_required
def finding_evidence_add(
    request: HttpRequest, org_slug: str, pk: int, finding_id: int
) -> HttpResponse:
    application = _application_or_404(request, pk)
    if application.status not in FINDING_STATES:
        raise Http404
    finding = _finding_or_404(application, finding_id)
    form = EvidenceForm(request.POST, request.FILES, prefix="f")
    if _add_evidence(request, application, form, finding=finding):
        messages.success(request, _("The evidence is added."))
        return redirect(_url("finding_answer", application, finding_id=finding.pk))
    return _finding_page(request, application, finding, evidence_form=form)
