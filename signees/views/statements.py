"""The CPO Statement: the organization's workspace (members read, admins edit) and the public
pages of published versions.

Workspace pages live under /o/<org_slug>/statement/, where the tenant middleware has already
answered 404 to non-members and activated the organization's scope. Every change goes
through a service; a refusal (DomainError) becomes a form error or a message, never a 500.
"""

from django.contrib import messages
from django.forms import Form
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cpo_portal.errors import DomainError
from cpo_portal.forms import Conflict, refuse
from cpo_portal.http import OrganizationRequest, PortalRequest
from cpo_portal.pagecache import public_page
from cpo_portal.tenancy.decorators import org_admin_required
from criteria.models import Criterion

from ..forms.statements import (
    AnswerForm,
    ConfirmForm,
    DiscardForm,
    KindForm,
    LinkForm,
    SummaryForm,
    UploadForm,
)
from ..models import (
    PUBLIC_STATEMENT_STATUSES,
    SIGNED_STATUSES,
    Signee,
    SigneeGroup,
    Statement,
    StatementKind,
    StatementStatus,
)
from ..selectors.signing import signee_of_organization
from ..selectors.statements import (
    Row,
    answers_older_version,
    draft_of_signee,
    published_statement_for_public,
    published_versions_for_public,
    statement_changes,
    statement_document,
    statement_documents,
    statement_of_signee,
    statement_progress,
    statement_row,
    statement_version_in_force,
    statement_view,
    statements_of_signee,
)
from ..services.statements import (
    StatementAnswerConflict,
    statement_answer_save,
    statement_discard,
    statement_publish,
    statement_set_kind,
    statement_set_link,
    statement_start_draft,
    statement_summary_save,
    statement_upload,
)

# --- lookups ------------------------------------------------------------------------------


def _signee(request: OrganizationRequest) -> Signee | None:
    return signee_of_organization(request.organization)


def _signee_or_404(request: OrganizationRequest) -> Signee:
    signee = _signee(request)
    if signee is None:
        raise Http404
    return signee


def _overview_url(request: OrganizationRequest) -> str:
    return reverse("signees:statement", args=[request.organization.slug])


def _draft_url(request: OrganizationRequest, anchor: str = "") -> str:
    url = reverse("signees:statement_draft", args=[request.organization.slug])
    return f"{url}#{anchor}" if anchor else url


def _draft_or_redirect(request: OrganizationRequest) -> Statement | HttpResponse:
    draft = draft_of_signee(_signee_or_404(request))
    if draft is None:
        messages.info(request, _("There is no draft of the CPO Statement at the moment."))
        return redirect(_overview_url(request))
    return draft


def _is_admin(request: OrganizationRequest) -> bool:
    return bool(request.membership and request.membership.is_admin)


# --- the workspace ------------------------------------------------------------------------


def statement_overview(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    signee = _signee(request)
    statements = statements_of_signee(signee) if signee else []
    draft = next((s for s in statements if s.status == StatementStatus.DRAFT), None)
    published = [s for s in statements if s.status in PUBLIC_STATEMENT_STATUSES]
    current = next((s for s in published if s.status == StatementStatus.PUBLISHED), None)
    documents = statement_documents(published)
    for statement in published:
        statement.pdf_document = documents.get(statement.pk)  # type: ignore[attr-defined]
    today = timezone.localdate()
    due = signee.statement_due if signee else None
    is_vendor = bool(signee and signee.group == SigneeGroup.IT_VENDOR)
    signed = bool(signee and signee.status in SIGNED_STATUSES)
    context: dict[str, object] = {
        "organization": request.organization,
        "signee": signee,
        "signed": signed,
        "is_vendor": is_vendor,
        "draft": draft,
        "progress": statement_progress(draft) if draft else None,
        "current": current,
        "published": published,
        "due": due if is_vendor and not published else None,
        "days_left": (due - today).days if due else None,
        "overdue": bool(is_vendor and signed and due and due < today and not published),
        "can_edit": _is_admin(request) and signed,
    }
    in_force = statement_version_in_force()
    # The published statement answers an older catalogue version: invite the update.
    update_due = bool(current and signed and not draft and answers_older_version(current, in_force))
    context |= {"in_force": in_force, "update_due": update_due}
    return render(request, "signees/statements/overview.html", context)


@require_POST
@org_admin_required
def statement_start(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    signee = _signee_or_404(request)
    if draft_of_signee(signee) is not None:
        return redirect(_draft_url(request))
    try:
        statement_start_draft(signee=signee, by=request.user)
    except DomainError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_overview_url(request))
    messages.success(request, _("A new draft of the CPO Statement has been started."))
    return redirect(_draft_url(request))


ANSWER_FIELDS = ("fulfilment", "explanation", "link")


def _answer_form(row: Row) -> AnswerForm:
    answer = row.answer
    initial: dict[str, object] = {"version": answer.version if answer else 0}
    if answer:
        initial |= {
            "fulfilment": answer.fulfilment,
            "explanation": answer.explanation,
            "link": answer.link,
        }
    return AnswerForm(initial=initial, criterion=row.criterion)


def _editor(
    request: OrganizationRequest,
    draft: Statement,
    *,
    bound: AnswerForm | None = None,
    conflict: Conflict | None = None,
    forms: dict[str, Form] | None = None,
) -> HttpResponse:
    view = statement_view(draft)
    for block in view.blocks:
        for row in block.rows:
            is_bound = bound is not None and bound.criterion.pk == row.criterion.pk
            row.form = bound if is_bound else _answer_form(row)  # type: ignore[attr-defined]
            row.conflict = conflict if is_bound else None  # type: ignore[attr-defined]
    context = {
        "organization": request.organization,
        "statement": draft,
        "signee": draft.signee,
        "version": draft.catalogue_version,
        "blocks": view.blocks,
        "progress": view.progress,
        "can_edit": _is_admin(request),
        "summary_form": SummaryForm(initial={"summary": draft.summary}),
        "kind_form": KindForm(initial={"kind": draft.kind}),
        "link_form": LinkForm(initial={"external_url": draft.external_url}),
        "upload_form": UploadForm(),
        "discard_form": DiscardForm(),
        # Started from a statement answering another catalogue version: what changed.
        "changes": statement_changes(draft),
        **(forms or {}),
    }
    # A refused stale save answers 409 (the page shows both values), like the scoring page.
    status = 409 if conflict is not None else 200
    return render(request, "signees/statements/editor.html", context, status=status)


def statement_draft(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    draft = _draft_or_redirect(request)
    if isinstance(draft, HttpResponse):
        return draft
    return _editor(request, draft)


def _row_response(
    request: OrganizationRequest,
    draft: Statement,
    row: Row,
    form: AnswerForm,
    *,
    saved: bool,
    conflict: Conflict | None = None,
) -> HttpResponse:
    row.form = form  # type: ignore[attr-defined]
    row.conflict = conflict  # type: ignore[attr-defined]
    context = {
        "organization": request.organization,
        "statement": draft,
        "row": row,
        "saved": saved,
        "can_edit": True,
        "progress": statement_progress(draft),
    }
    status = 409 if conflict is not None else 200
    return render(request, "signees/statements/_answer_row.html", context, status=status)


@require_POST
@org_admin_required
def statement_answer(
    request: OrganizationRequest, org_slug: str, criterion_id: int
) -> HttpResponse:
    """Save one answer: the whole row for htmx (autosave), else back to the editor.

    A save based on an older version than the stored one is refused (409) with both values
    shown: the colleague's saved answer and the user's unsaved one, to keep or to drop.
    """
    draft = _draft_or_redirect(request)
    if isinstance(draft, HttpResponse):
        return draft
    criterion = Criterion.objects.select_related("category").filter(pk=criterion_id).first()
    if criterion is None:
        raise Http404
    form = AnswerForm(request.POST, criterion=criterion)
    saved = False
    conflict: Conflict | None = None
    if form.is_valid():
        try:
            statement_answer_save(
                statement=draft,
                criterion=criterion,
                fulfilment=form.cleaned_data["fulfilment"],
                explanation=form.cleaned_data["explanation"],
                link=form.cleaned_data["link"],
                expected_version=form.expected_version(),
                by=request.user,
            )
            saved = True
        except StatementAnswerConflict as exc:
            conflict = form.conflict_with(exc.current, ANSWER_FIELDS)
        except DomainError as exc:
            refuse(form, exc)
    row = statement_row(draft, criterion.pk)
    if row is None:
        # Not a criterion of this statement (another catalogue version or another group):
        # there is no row to show it in.
        message = " ".join(str(e) for e in form.non_field_errors()) or _(
            "Criterion %(code)s is not part of your statement."
        ) % {"code": criterion.code}
        if request.htmx:
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        messages.error(request, message)
        return redirect(_draft_url(request))
    if request.htmx:
        if saved:
            form = _answer_form(row)
        return _row_response(request, draft, row, form, saved=saved, conflict=conflict)
    if saved:
        messages.success(
            request, _("Your answer to criterion %(code)s is saved.") % {"code": criterion.code}
        )
        return redirect(_draft_url(request, f"c-{criterion.pk}"))
    return _editor(request, draft, bound=form, conflict=conflict)


@require_POST
@org_admin_required
def statement_summary(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    draft = _draft_or_redirect(request)
    if isinstance(draft, HttpResponse):
        return draft
    form = SummaryForm(request.POST)
    if form.is_valid():
        try:
            statement_summary_save(
                statement=draft, summary=form.cleaned_data["summary"], by=request.user
            )
        except DomainError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The summary is saved."))
            return redirect(_draft_url(request, "summary"))
    return _editor(request, draft, forms={"summary_form": form})


@require_POST
@org_admin_required
def statement_kind(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    draft = _draft_or_redirect(request)
    if isinstance(draft, HttpResponse):
        return draft
    form = KindForm(request.POST)
    if form.is_valid():
        try:
            statement_set_kind(statement=draft, kind=form.cleaned_data["kind"], by=request.user)
        except DomainError as exc:
            refuse(form, exc)
        else:
            return redirect(_draft_url(request, "provide"))
    return _editor(request, draft, forms={"kind_form": form})


@require_POST
@org_admin_required
def statement_link(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    draft = _draft_or_redirect(request)
    if isinstance(draft, HttpResponse):
        return draft
    form = LinkForm(request.POST)
    if form.is_valid():
        try:
            statement_set_link(
                statement=draft, url=form.cleaned_data["external_url"], by=request.user
            )
        except DomainError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The link to your statement is saved."))
            return redirect(_draft_url(request, "provide"))
    draft.kind = StatementKind.LINK  # show the link form again, with its errors
    return _editor(request, draft, forms={"link_form": form})


@require_POST
@org_admin_required
def statement_upload_view(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    draft = _draft_or_redirect(request)
    if isinstance(draft, HttpResponse):
        return draft
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            statement_upload(statement=draft, upload=form.cleaned_data["file"], by=request.user)
        except DomainError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("Your PDF is uploaded."))
            return redirect(_draft_url(request, "provide"))
    draft.kind = StatementKind.UPLOAD
    return _editor(request, draft, forms={"upload_form": form})


@org_admin_required
def statement_publish_view(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """Confirm, then publish: the public page (and PDF) follow from here."""
    draft = _draft_or_redirect(request)
    if isinstance(draft, HttpResponse):
        return draft
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            statement_publish(statement=draft, by=request.user)
        except DomainError as exc:
            refuse(form, exc)
        else:
            messages.success(
                request,
                _("Version %(number)s of your CPO Statement is published.")
                % {"number": draft.number},
            )
            return redirect(_overview_url(request))
    context = {
        "organization": request.organization,
        "statement": draft,
        "signee": draft.signee,
        "progress": statement_progress(draft),
        "previous": next(
            (
                s
                for s in statements_of_signee(draft.signee)
                if s.status == StatementStatus.PUBLISHED
            ),
            None,
        ),
        "form": form,
    }
    return render(request, "signees/statements/publish.html", context)


@require_POST
@org_admin_required
def statement_discard_view(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    draft = _draft_or_redirect(request)
    if isinstance(draft, HttpResponse):
        return draft
    form = DiscardForm(request.POST)
    if form.is_valid():
        try:
            statement_discard(statement=draft, by=request.user)
        except DomainError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(_draft_url(request))
        messages.success(request, _("The draft has been discarded."))
        return redirect(_overview_url(request))
    return _editor(request, draft, forms={"discard_form": form})


def statement_version(request: OrganizationRequest, org_slug: str, number: int) -> HttpResponse:
    """A version of the organization's own statement, as readers see it (drafts included)."""
    signee = _signee_or_404(request)
    statement = statement_of_signee(signee, number)
    if statement is None:
        raise Http404
    return _statement_page(
        request,
        statement,
        template="signees/statements/version.html",
        pdf_url=reverse(
            "signees:statement_file",
            args=[request.organization.slug, number],
        ),
    )


def statement_file(request: OrganizationRequest, org_slug: str, number: int) -> HttpResponseBase:
    """The uploaded or rendered PDF of one of the organization's own versions."""
    signee = _signee_or_404(request)
    statement = statement_of_signee(signee, number)
    if statement is None:
        raise Http404
    response = _pdf_response(statement)
    response["Cache-Control"] = "private, no-store"
    return response


# --- PDFs -----------------------------------------------------------------------------------


def _pdf_filename(statement: Statement) -> str:
    return f"cpo-statement-{statement.signee.organization.slug}-v{statement.number}.pdf"


def _pdf_response(statement: Statement) -> HttpResponseBase:
    if statement.kind == StatementKind.UPLOAD and statement.file:
        handle = statement.file.open("rb")
    elif statement.kind == StatementKind.ONLINE:
        document = statement_document(statement)
        if document is None or not document.is_ready:
            raise Http404
        handle = document.file.open("rb")
    else:
        raise Http404
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=_pdf_filename(statement),
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    # An uploaded file is the company's, not ours: never let it run as a page of the portal.
    response["Content-Security-Policy"] = "sandbox"
    return response


# --- the public -------------------------------------------------------------------------------


def _statement_page(
    request: PortalRequest,
    statement: Statement,
    *,
    template: str,
    pdf_url: str,
    versions: list[Statement] | None = None,
) -> HttpResponse:
    view = statement_view(statement) if statement.kind == StatementKind.ONLINE else None
    document = statement_document(statement) if statement.kind == StatementKind.ONLINE else None
    context = {
        "statement": statement,
        "signee": statement.signee,
        "organization": statement.signee.organization,
        "version": statement.catalogue_version,
        "blocks": view.blocks if view else [],
        "pdf_url": pdf_url
        if (statement.kind == StatementKind.UPLOAD and statement.file)
        or (document is not None and document.is_ready)
        else "",
        "pdf_pending": document is not None and not document.is_ready,
        "pdf_sha256": statement.file_sha256
        if statement.kind == StatementKind.UPLOAD
        else (document.sha256 if document else ""),
        "versions": versions or [],
    }
    in_force = statement_version_in_force()
    context["in_force"] = in_force
    context["answers_older"] = statement.status != StatementStatus.DRAFT and (
        answers_older_version(statement, in_force)
    )
    return render(request, template, context)


def _public_statement(slug: str, number: int | None) -> Statement:
    statement = published_statement_for_public(slug, number)
    if statement is None:
        raise Http404
    return statement


@public_page
def public_statement(request: PortalRequest, slug: str) -> HttpResponse:
    """The current CPO Statement of an approved signee."""
    statement = _public_statement(slug, None)
    return _statement_page(
        request,
        statement,
        template="signees/statements/public.html",
        pdf_url=reverse("signees:public_statement_pdf", args=[slug, statement.number]),
        versions=published_versions_for_public(statement.signee),
    )


@public_page
def public_statement_version(request: PortalRequest, slug: str, number: int) -> HttpResponse:
    """An earlier (or the current) published version, marked when it is superseded."""
    statement = _public_statement(slug, number)
    return _statement_page(
        request,
        statement,
        template="signees/statements/public.html",
        pdf_url=reverse("signees:public_statement_pdf", args=[slug, number]),
        versions=published_versions_for_public(statement.signee),
    )


@public_page
def public_statement_pdf(request: PortalRequest, slug: str, number: int) -> HttpResponseBase:
    return _pdf_response(_public_statement(slug, number))
