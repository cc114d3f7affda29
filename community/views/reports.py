"""The annual CPO report in the browser.

The public reads published reports at /community/reports/<year>/ (sections, figures, PDF)
and the archive at /community/reports/. The Core Team and the office draft them under
/community/reports/drafts/ — anyone else gets 404 there (visitors are asked to sign in).
The PDF's progress is polled by htmx every 2 s while it renders; without JavaScript a
reload link shows the same. The PDF downloads as "CPO-Annual-Report-<year>.pdf"
("CPO-Jahresbericht-<year>.pdf" when it is rendered in German).

The report's pictures are served by `image_file` only (never a public media URL): to anyone
once the report is published, to the Core Team and the office before, 404 to anyone else.
Review comments and "ready for review" live on the editor's pages only.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cpo_portal.documents.models import Document
from cpo_portal.forms import ConfirmForm, Conflict, VersionedForm, error_text
from cpo_portal.http import AuthenticatedRequest, PortalRequest
from cpo_portal.pagecache import public_page
from cpo_portal.pagination import paginate

from ..documents import report_body, report_pdf_filename
from ..forms.reports import CommentForm, ImageForm, ReportForm, SectionForm
from ..markdown import render_markdown
from ..models import AnnualReport, ReportSection
from ..report_figures import present
from ..selectors.reports import (
    published_report,
    published_reports,
    report_comment,
    report_for_editors,
    report_image,
    report_images,
    report_section,
    reports_for_editors,
    sections_for_editors,
)
from ..services import reports as services
from ..services.reports import (
    can_delete_comment,
    can_edit_reports,
    can_mark_ready,
    can_publish_reports,
    pdf_is_current,
    report_document,
)

View = Callable[..., HttpResponseBase]


def editor_required(view: View) -> View:
    """The Core Team and the office; visitors sign in first, anyone else gets 404."""

    @wraps(view)
    def wrapper(request: PortalRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_edit_reports(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _pdf_response(report: AnnualReport, document: Document | None) -> HttpResponseBase:
    if document is None or not document.is_ready:
        raise Http404
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=report_pdf_filename(report, document.language),
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _sections(report: AnnualReport, *, skip_empty: bool = False) -> list[dict[str, Any]]:
    """The sections as the public reads them: text, then the section's pictures."""
    return report_body(report, skip_empty=skip_empty)


# --- The public -------------------------------------------------------------------------


@public_page
def public_archive(request: PortalRequest) -> HttpResponse:
    page = paginate(request, published_reports(), per_page=25)
    return render(request, "community/reports/public_archive.html", {"page": page})


@public_page
def public_report(request: PortalRequest, year: int) -> HttpResponse:
    report = published_report(year)
    if report is None:
        raise Http404
    document = report_document(report)
    return render(
        request,
        "community/reports/public_report.html",
        {
            "report": report,
            "sections": _sections(report, skip_empty=True),
            "figures": present(report.snapshot) if report.snapshot else None,
            "document": document if document and document.is_ready else None,
        },
    )


def public_pdf(request: PortalRequest, year: int) -> HttpResponseBase:
    report = published_report(year)
    if report is None:
        raise Http404
    response = _pdf_response(report, report_document(report))
    response["Cache-Control"] = "public, max-age=300"
    return response


# --- The Core Team and the office -------------------------------------------------------


def _draft_or_404(year: int) -> AnnualReport:
    report = AnnualReport.objects.filter(year=year).first()
    if report is None:
        raise Http404
    return report


@editor_required
def editor_list(request: AuthenticatedRequest) -> HttpResponse:
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_create(
                year=form.cleaned_data["year"], title=form.cleaned_data["title"], by=request.user
            )
        except ValidationError as exc:
            form.add_error("year" if getattr(exc, "code", "") == "year" else None, error_text(exc))
        else:
            messages.success(request, _("The report has been created."))
            return redirect("community:report_edit", year=report.year)
    page = paginate(request, reports_for_editors(), per_page=25)
    return render(
        request,
        "community/reports/editor_list.html",
        {"page": page, "form": form},
        status=400 if form.errors else 200,
    )


def _editor_context(report: AnnualReport) -> dict[str, Any]:
    document = report_document(report)
    return {
        "report": report,
        "sections": _sections(report),
        "figures": present(report.snapshot) if report.snapshot else None,
        "document": document,
        "pdf_current": pdf_is_current(report, document),
    }


@editor_required
def editor_detail(request: AuthenticatedRequest, year: int) -> HttpResponse:
    report = report_for_editors(year)
    if report is None:
        raise Http404
    context = _editor_context(report)
    context["can_publish"] = can_publish_reports(request.user)
    context["can_mark_ready"] = can_mark_ready(request.user)
    context["review"] = _review(request, report)
    context["comment_form"] = CommentForm()
    context["images"] = report_images(report)
    return render(request, "community/reports/editor_detail.html", context)


def _review(request: AuthenticatedRequest, report: AnnualReport) -> list[dict[str, Any]]:
    """Per section: its pictures and its review comments, each with what the reader may do."""
    review = []
    for section in sections_for_editors(report):
        comments = list(section.comments.all())
        review.append(
            {
                "section": section,
                "comments": [
                    {"comment": c, "can_delete": can_delete_comment(request.user, c)}
                    for c in comments
                ],
                "open": sum(1 for c in comments if c.resolved_at is None),
            }
        )
    return review


SECTION_FIELDS = ("title", "position", "body")


def _conflicting_fields(form: SectionForm, current: ReportSection) -> list[str]:
    """Title and text always; the position only if the editor changed it to another."""
    yours = form.cleaned_data
    return [
        name
        for name in SECTION_FIELDS
        if name != "position" or yours["position"] not in (None, current.position)
    ]


def _section_page(
    request: AuthenticatedRequest,
    report: AnnualReport,
    section: ReportSection | None,
    form: SectionForm,
    *,
    conflict: Conflict | None = None,
    gone: bool = False,
) -> HttpResponse:
    body = form.data.get("body", "") if form.is_bound else form.initial.get("body", "")
    context = {
        "report": report,
        "section": section,
        "form": form,
        "preview": render_markdown(body or ""),
        "conflict": conflict,
        "gone": gone,
    }
    # A refused save answers 409, like the other editors (scores, answers).
    status = 409 if conflict or gone else 400 if form.errors else 200
    return render(request, "community/reports/section_form.html", context, status=status)


def _section_gone(request: AuthenticatedRequest, report: AnnualReport) -> HttpResponse:
    """The section was deleted while it was being edited: keep the text to save it anew."""
    typed = {name: request.POST.get(name, "") for name in SECTION_FIELDS}
    return _section_page(request, report, None, SectionForm(initial=typed), gone=True)


@editor_required
def section_edit(request: AuthenticatedRequest, year: int, pk: int | None = None) -> HttpResponse:
    """A section's form; a save based on an older version is refused with both values."""
    report = _draft_or_404(year)
    section = None
    if pk is not None:
        section = ReportSection.objects.filter(report=report, pk=pk).first()
        if section is None:
            if request.method == "POST":
                return _section_gone(request, report)
            raise Http404
    initial = (
        {
            "title": section.title,
            "body": section.body,
            "position": section.position,
            "version": section.version,
        }
        if section
        else None
    )
    form = SectionForm(request.POST if request.method == "POST" else None, initial=initial)
    conflict: Conflict | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.report_section_save(
                report=report,
                section=section,
                by=request.user,
                title=data["title"],
                body=data["body"],
                position=data["position"],
                expected_version=form.expected_version(),
            )
        except services.ReportSectionConflict as exc:
            conflict = form.conflict_with(exc.current, _conflicting_fields(form, exc.current))
        except ValidationError as exc:
            if getattr(exc, "code", "") == "deleted":
                return _section_gone(request, report)
            form.refuse(exc)
        else:
            messages.success(request, _("The section has been saved."))
            return redirect("community:report_edit", year=report.year)
    return _section_page(request, report, section, form, conflict=conflict)


def _step(
    request: AuthenticatedRequest, report: AnnualReport, action: Callable[[], Any], done: str
) -> HttpResponse:
    try:
        action()
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done)
    return redirect("community:report_edit", year=report.year)


@require_POST
@editor_required
def section_delete(request: AuthenticatedRequest, year: int, pk: int) -> HttpResponse:
    report = _draft_or_404(year)
    section = ReportSection.objects.filter(report=report, pk=pk).first()
    if section is None:
        raise Http404
    # The version the list showed: a section changed since then is not deleted unseen.
    seen = VersionedForm(request.POST)
    expected = seen.expected_version() if seen.is_valid() else None
    return _step(
        request,
        report,
        lambda: services.report_section_delete(
            section=section, by=request.user, expected_version=expected
        ),
        _("The section has been deleted."),
    )


@require_POST
@editor_required
def snapshot(request: AuthenticatedRequest, year: int) -> HttpResponse:
    report = _draft_or_404(year)
    return _step(
        request,
        report,
        lambda: services.report_snapshot_take(report=report, by=request.user),
        _("The figures have been taken and frozen."),
    )


@require_POST
@editor_required
def render_pdf(request: AuthenticatedRequest, year: int) -> HttpResponse:
    report = _draft_or_404(year)
    return _step(
        request,
        report,
        lambda: services.report_render(
            report=report, by=request.user, language=get_language() or "en"
        ),
        _("The PDF is being produced."),
    )


@require_POST
@editor_required
def publish(request: AuthenticatedRequest, year: int) -> HttpResponse:
    """Without the confirmation: the page that asks for it (publishing cannot be undone)."""
    report = _draft_or_404(year)
    if (
        can_publish_reports(request.user)
        and report.published_at is None
        and not ConfirmForm.confirmed(request.POST)
    ):
        context = {
            "report": report,
            "sections_count": report.sections.exclude(body="").count(),
            "pdf_current": pdf_is_current(report, report_document(report)),
        }
        return render(request, "community/reports/publish_confirm.html", context)
    try:
        services.report_publish(report=report, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("community:report_edit", year=report.year)
    messages.success(request, _("The report is published."))
    return redirect("community:report", year=report.year)


@editor_required
def pdf_status(request: AuthenticatedRequest, year: int) -> HttpResponse:
    """The PDF's state: the partial for htmx polling, else the editor page itself."""
    report = _draft_or_404(year)
    if not request.htmx:
        return redirect("community:report_edit", year=report.year)
    return render(request, "community/reports/_pdf_status.html", _editor_context(report))


@editor_required
def editor_pdf(request: AuthenticatedRequest, year: int) -> HttpResponseBase:
    report = _draft_or_404(year)
    response = _pdf_response(report, report_document(report))
    response["Cache-Control"] = "private, no-store"
    return response


# --- Ready for review, pictures and review comments ------------------------------------


@require_POST
@editor_required
def mark_ready(request: AuthenticatedRequest, year: int) -> HttpResponse:
    """A Core Team member tells the office the draft is ready for its review."""
    report = _draft_or_404(year)
    return _step(
        request,
        report,
        lambda: services.report_mark_ready(report=report, by=request.user),
        _("The draft is marked ready for review; the CPO office has been told."),
    )


@editor_required
def image_new(request: AuthenticatedRequest, year: int) -> HttpResponse:
    """Upload a picture (the Core Team photo, a logo) with its caption and text alternative."""
    report = _draft_or_404(year)
    if report.is_published:
        raise Http404
    form = ImageForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        report=report,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.report_image_add(
                report=report,
                by=request.user,
                upload=data["file"],
                caption=data["caption"],
                alt_text=data["alt_text"],
                section=data["section"],
            )
        except ValidationError as exc:
            if getattr(exc, "code", "") in FILE_REFUSALS:
                form.add_error("file", error_text(exc))
            else:
                form.refuse(exc)
        else:
            messages.success(request, _("The image has been added."))
            return redirect("community:report_edit", year=report.year)
    return render(
        request,
        "community/reports/image_form.html",
        {"report": report, "form": form},
        status=400 if form.errors else 200,
    )


FILE_REFUSALS = {"empty", "too_large", "file_type", "dimensions"}


@editor_required
def image_delete(request: AuthenticatedRequest, year: int, pk: int) -> HttpResponse:
    """Asks first (the picture cannot be brought back), then deletes it on POST."""
    report = _draft_or_404(year)
    image = report_image(report, pk)
    if image is None:
        raise Http404
    if request.method == "POST":
        return _step(
            request,
            report,
            lambda: services.report_image_delete(image=image, by=request.user),
            _("The image has been deleted."),
        )
    return render(
        request, "community/reports/image_delete.html", {"report": report, "image": image}
    )


def image_file(request: PortalRequest, year: int, pk: int) -> HttpResponseBase:
    """A picture of the report: anyone's once it is published, before that the Core Team's
    and the office's only (404 to anyone else, visitors included: a draft is no secret
    worth a sign-in prompt, but it is not shown)."""
    report = AnnualReport.objects.filter(year=year).first()
    if report is None or not (report.is_published or can_edit_reports(request.user)):
        raise Http404
    image = report_image(report, pk)
    if image is None or not image.file:
        raise Http404
    response = FileResponse(image.file.open("rb"), content_type=image.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = (
        "public, max-age=300" if report.is_published else "private, no-store"
    )
    return response


def _to_section(report: AnnualReport, section_pk: int) -> HttpResponse:
    url = reverse("community:report_edit", args=[report.year])
    return HttpResponseRedirect(f"{url}#review-{section_pk}")


@editor_required
def comments(request: AuthenticatedRequest, year: int, pk: int) -> HttpResponse:
    """A section's review comments with the form to add one (the editor page shows them
    too; this page takes the form's errors)."""
    report = _draft_or_404(year)
    section = report_section(report, pk)
    if section is None:
        raise Http404
    form = CommentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_comment_add(
                section=section, by=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Your comment has been added."))
            return _to_section(report, section.pk)
    listed = [
        {"comment": c, "can_delete": can_delete_comment(request.user, c)}
        for c in section.comments.select_related("author", "resolved_by").order_by(
            "created_at", "pk"
        )[:200]
    ]
    return render(
        request,
        "community/reports/comments.html",
        {"report": report, "section": section, "comments": listed, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
@editor_required
def comment_resolve(request: AuthenticatedRequest, year: int, pk: int) -> HttpResponse:
    report = _draft_or_404(year)
    comment = report_comment(report, pk)
    if comment is None:
        raise Http404
    try:
        services.report_comment_resolve(comment=comment, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The comment is marked resolved."))
    return _to_section(report, comment.section_id)


@editor_required
def comment_delete(request: AuthenticatedRequest, year: int, pk: int) -> HttpResponse:
    """Its author deletes an unresolved comment, after a confirmation (404 to anyone else)."""
    report = _draft_or_404(year)
    comment = report_comment(report, pk)
    if comment is None or comment.author_id != request.user.pk:
        raise Http404
    if request.method == "POST":
        try:
            services.report_comment_delete(comment=comment, by=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Your comment has been deleted."))
        return _to_section(report, comment.section_id)
    return render(
        request,
        "community/reports/comment_delete.html",
        {
            "report": report,
            "comment": comment,
            "can_delete": can_delete_comment(request.user, comment),
        },
    )
