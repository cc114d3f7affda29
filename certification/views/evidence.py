"""Evidence downloads: one checked view for every role (members of the organization, the
auditors while actively assigned, the CPO office). Anyone else learns nothing: a visitor is
sent to sign in whether or not the file exists, a signed-in stranger gets 404."""

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase

from ..selectors import evidence_for_user


def evidence_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    evidence = evidence_for_user(request.user, pk)
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
        filename=evidence.original_name or evidence.file.name.rsplit("/", 1)[-1],
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # The file is the company's, not ours: never let it run as a page of the portal.
    response["Content-Security-Policy"] = "sandbox"
    return response
