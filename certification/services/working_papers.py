"""Auditor working papers: notes and files per criterion (or for the audit as a whole),
private to the audit team and the office — the company never sees them.

The case's active auditors add and edit them until the report is submitted; an edit names
the version it started from and is refused when a colleague saved in between. The author
deletes their own paper while the audit is being scored. Files are checked by their content
like evidence and stored privately; the activity log names them, never their content.
"""

import hashlib
import uuid
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from cpo_portal.accounts.models import User
from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError, StaleVersion

from ..models import (
    SCORING_STATES,
    Application,
    ApplicationStatus,
    WorkingPaper,
    WorkingPaperKind,
)
from ..uploads import check_upload
from .applications import locked_application, require_state
from .audits import active_assignment
from .self_assessment import criterion_of_scheme, filename_shortened

S = ApplicationStatus
# The audit team works on its papers until the report is submitted; then they are the record.
WORKING_STATES = (S.AUDITOR_ASSIGNED, S.SELF_ASSESSMENT, *SCORING_STATES)


class WorkingPaperConflict(StaleVersion):
    """Someone saved this working paper since the version the editor started from."""

    def __init__(self, current: WorkingPaper) -> None:
        super().__init__(
            _("This working paper was changed by %(who)s in the meantime. Review both values."),
            current=current,
            who=current.updated_by,
        )


def _clean_fields(kind: str, title: str, body: str) -> tuple[str, str, str]:
    if kind not in WorkingPaperKind.values:
        raise DomainError(_("Choose the kind of working paper."), code="kind")
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the working paper a title."), code="title")
    return kind, title[:200], (body or "").strip()


def _attach(paper: WorkingPaper, upload: UploadedFile) -> None:
    """Check the file by its content and store it under a random name."""
    name = filename_shortened((upload.name or "working-paper").rsplit("/", 1)[-1], 200)
    found = check_upload(upload, name=name, size=upload.size)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    paper.original_name = name
    paper.content_type = found.content_type
    paper.size = upload.size
    paper.sha256 = digest.hexdigest()
    paper.file.save(f"{uuid.uuid4().hex}.{found.extensions[0]}", upload, save=False)


def _save(paper: WorkingPaper, stored_before: str) -> None:
    try:
        paper.full_clean(exclude=["application", "criterion", "created_by", "updated_by", "file"])
        paper.save()
    except Exception:
        if paper.file and paper.file.name != stored_before:
            paper.file.storage.delete(paper.file.name or "")
        raise


def _record(paper: WorkingPaper, by: User | None, *, verb: str, **data: Any) -> None:
    # Title and file name only: the notes and the file's content stay out of the log.
    activity_record(
        actor=by,
        organization=paper.application.organization,
        verb=verb,
        target=paper.application,
        data={"working_paper": paper.pk, "title": paper.title, **data},
    )


@transaction.atomic
def working_paper_add(
    *,
    application: Application,
    kind: str,
    title: str,
    body: str,
    by: User | None,
    criterion_id: Any = None,
    upload: UploadedFile | None = None,
) -> WorkingPaper:
    """An active auditor of the case records a working paper, with a file if given."""
    application = locked_application(application)
    active_assignment(application, by)
    require_state(application, *WORKING_STATES)
    criterion = (
        None if criterion_id in (None, "") else criterion_of_scheme(application, criterion_id)
    )
    kind, title, body = _clean_fields(kind, title, body)
    now = timezone.now()
    with scope(organization=application.organization):
        paper = WorkingPaper(
            application=application,
            criterion=criterion,
            kind=kind,
            title=title,
            body=body,
            version=1,
            created_by=by,
            created_at=now,
            updated_by=by,
            updated_at=now,
        )
        if upload is not None:
            _attach(paper, upload)
        _save(paper, "")
    _record(
        paper,
        by,
        verb="certification.working_paper_added",
        criterion=getattr(criterion, "code", ""),
        file=paper.original_name,
        sha256=paper.sha256,
    )
    return paper


def _locked(paper: WorkingPaper) -> tuple[Application, WorkingPaper]:
    application = locked_application(paper.application)
    with scope(organization=application.organization):
        paper = (
            WorkingPaper.objects.select_for_update(of=("self",))
            .select_related("updated_by")
            .get(pk=paper.pk, application=application)
        )
    paper.application = application
    return application, paper


@transaction.atomic
def working_paper_update(
    *,
    paper: WorkingPaper,
    kind: str,
    title: str,
    body: str,
    expected_version: int | None,
    by: User | None,
    upload: UploadedFile | None = None,
) -> WorkingPaper:
    """An active auditor of the case edits a paper (a new file replaces the old one); an
    edit based on an older version is refused with the newer paper."""
    application, paper = _locked(paper)
    active_assignment(application, by)
    require_state(application, *WORKING_STATES)
    kind, title, body = _clean_fields(kind, title, body)
    unchanged = (paper.kind, paper.title, paper.body) == (kind, title, body) and upload is None
    if unchanged:
        return paper
    if expected_version is not None and expected_version != paper.version:
        raise WorkingPaperConflict(paper)
    before = {"kind": paper.kind, "title": paper.title, "file": paper.original_name}
    old_file = (paper.file.name or "") if paper.file else ""
    paper.kind, paper.title, paper.body = kind, title, body
    if upload is not None:
        _attach(paper, upload)
    paper.version += 1
    paper.updated_by, paper.updated_at = by, timezone.now()
    _save(paper, old_file)
    if upload is not None and old_file:
        storage = paper.file.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    _record(
        paper,
        by,
        verb="certification.working_paper_updated",
        before=before,
        version=paper.version,
        file=paper.original_name,
        sha256=paper.sha256,
    )
    return paper


@transaction.atomic
def working_paper_delete(*, paper: WorkingPaper, by: User | None) -> None:
    """The author deletes their own paper while the audit is being scored."""
    application, paper = _locked(paper)
    active_assignment(application, by)
    require_state(application, *SCORING_STATES)
    if paper.created_by_id is None or by is None or paper.created_by_id != by.pk:
        raise DomainError(_("Only the author can delete a working paper."), code="not_author")
    name = paper.file.name if paper.file else ""
    _record(paper, by, verb="certification.working_paper_deleted", file=paper.original_name)
    with scope(organization=application.organization):
        paper.delete()
    if name:
        storage = paper.file.storage
        transaction.on_commit(lambda: storage.delete(name))
