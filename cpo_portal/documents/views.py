"""Documents are downloaded only through these checked views, never from a media URL."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cpo_portal.accounts.decorators import office_required
from cpo_portal.errors import DomainError
from cpo_portal.http import AuthenticatedRequest, OrganizationRequest
from cpo_portal.pagination import paginate
from cpo_portal.tenancy.decorators import org_admin_required

from .access import can_download
from .models import Document
from .selectors import document_for_office, document_of_organization, documents_for_member
from .services import document_request, document_rerender


def document_file_response(document: Document) -> HttpResponseBase:
    """A ready document as a private download (404 while it is not ready); the caller has
    checked who may have it."""
    if not document.is_ready:
        raise Http404
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.filename,
        content_type=document.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _visible(request: OrganizationRequest, pk: int) -> Document:
    document = document_of_organization(request.organization, pk)
    if document is None or not can_download(request.user, document):
        raise Http404
    return document


def document_list(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    org = request.organization
    page = paginate(request, documents_for_member(request.membership), per_page=25)
    return render(request, "documents/document_list.html", {"organization": org, "page": page})


def document_detail(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    document = _visible(request, pk)
    template = "documents/_status.html" if request.htmx else "documents/document_detail.html"
    return render(
        request,
        template,
        {
            "organization": request.organization,
            "document": document,
        },
    )


def document_download(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponseBase:
    return document_file_response(_visible(request, pk))


@office_required
def office_document_download(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    document = document_for_office(pk)
    if document is None:
        raise Http404
    return document_file_response(document)


@require_POST
@org_admin_required
def activity_pdf_request(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    org = request.organization
    document = document_request(
        kind="organization_activity",
        owner=org,
        organization=org,
        by=request.user,
        title=_("Activity log of %(org)s") % {"org": org.display_name},
        language=get_language() or "en",
    )
    messages.info(request, _("The PDF is being prepared."))
    return redirect("documents:detail", org_slug=org.slug, pk=document.pk)


@require_POST
@org_admin_required
def document_rerender_view(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    document = _visible(request, pk)
    try:
        document_rerender(document=document, by=request.user)
        messages.info(request, _("The document is being produced again."))
    except DomainError as exc:
        messages.error(request, exc.messages[0])
    return redirect("documents:detail", org_slug=org_slug, pk=document.pk)
