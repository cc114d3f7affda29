"""Auditor working papers: the audit team's notes and files per criterion, in the auditor's
area (the case's active auditors write; after the case ended, those assigned to the end
read) and on the office's record (read). The company has no page here: every URL is under
/audit/ or /office/, so a company user gets 404 like any outsider.
"""

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cpo_portal.accounts.decorators import auditor_required, office_required
from cpo_portal.errors import DomainError
from cpo_portal.forms import Conflict, error_text
from cpo_portal.http import AuthenticatedRequest
from cpo_portal.pagination import paginate

from ..forms.working_papers import WorkingPaperForm
from ..models import SCORING_STATES, Application, WorkingPaper
from ..selectors import working_papers as selectors
from ..services import working_papers as services
from .applications import office_application_or_404
from .audits import audit_case_or_404, audit_or_404, criterion_filter

PAGE_SIZE = 25
FIELDS = ("kind", "title", "body")


def _paper_or_404(application: Application, wid: Any) -> WorkingPaper:
    paper = selectors.working_paper_of_application(application, wid)
    if paper is None:
        raise Http404
    return paper


def _paper_url(application: Application, paper: WorkingPaper) -> str:
    return reverse(
        "certification:audit_working_paper", kwargs={"pk": application.pk, "wid": paper.pk}
    )


def _file_response(paper: WorkingPaper) -> HttpResponseBase:
    if not paper.file:
        raise Http404
    try:
        handle = paper.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=paper.original_name or (paper.file.name or "").rsplit("/", 1)[-1],
        content_type=paper.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox"
    return response


# --- The auditor ----------------------------------------------------------------------------


@require_GET
@auditor_required
def audit_working_papers(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application, active = audit_case_or_404(request, pk)
    criterion_id = criterion_filter(request)
    page = paginate(
        request,
        selectors.working_papers_of(application, criterion_id=criterion_id),
        per_page=PAGE_SIZE,
    )
    context = {
        "application": application,
        "organization": application.organization,
        "page": page,
        "criterion_id": criterion_id,
        "can_add": active and application.status in services.WORKING_STATES,
        "audience": "audit",
    }
    return render(request, "certification/working_papers/audit_list.html", context)


@require_http_methods(["GET", "POST"])
@auditor_required
def audit_working_paper_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = audit_or_404(request, pk)
    initial = {"criterion": request.GET["criterion"]} if request.GET.get("criterion") else {}
    form = WorkingPaperForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial=initial,
        scheme_id=application.scheme_id,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            paper = services.working_paper_add(
                application=application,
                criterion_id=data["criterion"].pk if data.get("criterion") else None,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                upload=data.get("file") or None,
                by=request.user,
            )
        except DomainError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("The working paper is saved."))
            return redirect(_paper_url(application, paper))
    context = {"application": application, "organization": application.organization, "form": form}
    status = 422 if form.errors else 200
    return render(request, "certification/working_papers/audit_new.html", context, status=status)


@require_http_methods(["GET", "POST"])
@auditor_required
def audit_working_paper(request: AuthenticatedRequest, pk: int, wid: int) -> HttpResponse:
    """A paper; its active auditors edit it here (guarded by its version)."""
    application, active = audit_case_or_404(request, pk)
    paper = _paper_or_404(application, wid)
    can_edit = active and application.status in services.WORKING_STATES
    conflict: Conflict | None = None
    form: WorkingPaperForm | None = None
    if request.method == "POST":
        if not can_edit:
            raise Http404
        form = WorkingPaperForm(
            request.POST, request.FILES, scheme_id=application.scheme_id, editing=True
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.working_paper_update(
                    paper=paper,
                    kind=data["kind"],
                    title=data["title"],
                    body=data["body"],
                    upload=data.get("file") or None,
                    expected_version=form.expected_version(),
                    by=request.user,
                )
            except services.WorkingPaperConflict as exc:
                conflict = form.conflict_with(exc.current, FIELDS)
            except DomainError as exc:
                form.refuse(exc)
            else:
                messages.success(request, _("The working paper is saved."))
                return redirect(_paper_url(application, paper))
    elif can_edit:
        form = WorkingPaperForm(
            initial={
                "kind": paper.kind,
                "title": paper.title,
                "body": paper.body,
                "version": paper.version,
            },
            scheme_id=application.scheme_id,
            editing=True,
        )
    context = {
        "application": application,
        "organization": application.organization,
        "paper": paper,
        "form": form,
        "conflict": conflict,
        "can_edit": can_edit,
        "can_delete": active
        and application.status in SCORING_STATES
        and paper.created_by_id == request.user.pk,
        "page_url": _paper_url(application, paper),
    }
    status = 409 if conflict else (422 if form is not None and form.errors else 200)
    return render(request, "certification/working_papers/audit_detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@auditor_required
def audit_working_paper_delete(request: AuthenticatedRequest, pk: int, wid: int) -> HttpResponse:
    """Deleting is final: the page says what goes before the button that does it."""
    application = audit_or_404(request, pk)
    paper = _paper_or_404(application, wid)
    if request.method == "POST":
        try:
            services.working_paper_delete(paper=paper, by=request.user)
        except DomainError as exc:
            messages.error(request, error_text(exc))
            return redirect(_paper_url(application, paper))
        messages.success(request, _("The working paper is deleted."))
        return redirect(reverse("certification:audit_working_papers", args=[application.pk]))
    context = {"application": application, "organization": application.organization, "paper": paper}
    return render(request, "certification/working_papers/audit_delete.html", context)


@require_GET
@auditor_required
def audit_working_paper_file(request: AuthenticatedRequest, pk: int, wid: int) -> HttpResponseBase:
    application, _active = audit_case_or_404(request, pk)
    return _file_response(_paper_or_404(application, wid))


# --- The office -----------------------------------------------------------------------------


@require_GET
@office_required
def office_working_papers(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = office_application_or_404(pk)
    page = paginate(request, selectors.working_papers_of(application), per_page=PAGE_SIZE)
    context = {
        "application": application,
        "organization": application.organization,
        "page": page,
        "audience": "office",
    }
    return render(request, "certification/working_papers/office_list.html", context)


@require_GET
@office_required
def office_working_paper(request: AuthenticatedRequest, pk: int, wid: int) -> HttpResponse:
    application = office_application_or_404(pk)
    context = {
        "application": application,
        "organization": application.organization,
        "paper": _paper_or_404(application, wid),
    }
    return render(request, "certification/working_papers/office_detail.html", context)


@require_GET
@office_required
def office_working_paper_file(request: AuthenticatedRequest, pk: int, wid: int) -> HttpResponseBase:
    application = office_application_or_404(pk)
    return _file_response(_paper_or_404(application, wid))
