"""The annual CPO report: the Core Team and the office draft it, freeze its figures, have
its PDF rendered (the Document pipeline) and the office publishes it.

The figures come from a snapshot taken on request ("refresh figures"), never live: the
page and every rendering of the PDF read the same snapshot. A published report is frozen:
no section, image or comment changes, no new snapshot.

Images (the Core Team photo, logos) are checked like evidence, by their content (the
floor's cpo_portal/uploads.py: PNG or JPEG, at most 5 MB, sane dimensions; SVG refused) and
kept private until the report is published. Core Team members review each other's sections
with comments (never printed, never public). When the draft is ready, a Core Team member
says so and the office is told (`community.report_ready`); a later change of the content
takes the mark back. Publishing tells every community member (`community.report_published`).
"""

import hashlib
import uuid

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.accounts.roles import is_office
from cpo_portal.activity.services import activity_record
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.documents.services import document_request, document_rerender
from cpo_portal.errors import DomainError, StaleVersion
from cpo_portal.mail import lazy_format
from cpo_portal.notifications.services import notify
from cpo_portal.uploads import check_image, image_without_metadata

from ..models import AnnualReport, ReportComment, ReportImage, ReportSection
from ..report_figures import take_snapshot
from ..selectors.elections import is_core_team_member
from ..selectors.membership import community_people
from ..selectors.reports import office_people

REPORT_DOCUMENT_KIND = "annual_report"
DEFAULT_SECTIONS = (
    lambda: _("Foreword"),
    lambda: _("The year in review"),
    lambda: _("Outlook"),
)


def can_edit_reports(user: User | AnonymousUser | None) -> bool:
    """The Core Team authors the report; the office helps."""
    return bool(getattr(user, "is_authenticated", False)) and (
        is_office(user) or is_core_team_member(user)
    )


def can_publish_reports(user: User | AnonymousUser | None) -> bool:
    """Publishing is the office's step (DESIGN §3)."""
    return bool(getattr(user, "is_authenticated", False)) and is_office(user)


def _require_editor(user: User | None) -> None:
    if not can_edit_reports(user):
        raise DomainError(_("Only the CPO Core Team and the CPO office can do this."))


def _require_draft(report: AnnualReport) -> None:
    if report.published_at is not None:
        raise DomainError(
            _("This report is published and can no longer be changed."), code="published"
        )


def _locked(report: AnnualReport) -> AnnualReport:
    return AnnualReport.objects.select_for_update().get(pk=report.pk)


def _touch(report: AnnualReport) -> None:
    """The report changed: a PDF rendered before now is out of date, and a draft marked
    ready for review is no longer (the office is told again when it is ready again)."""
    AnnualReport.objects.filter(pk=report.pk).update(
        updated_at=timezone.now(), ready_at=None, ready_by=None
    )


@transaction.atomic
def report_create(*, year: int, title: str = "", by: User | None) -> AnnualReport:
    """A new draft report for `year`, with the usual sections to fill in."""
    _require_editor(by)
    if AnnualReport.objects.filter(year=year).exists():
        raise DomainError(
            _("There is already a report for %(year)s.") % {"year": year}, code="year"
        )
    report = AnnualReport(
        year=year,
        title=(title or "").strip() or _("CPO annual report %(year)s") % {"year": year},
        created_by=by,
    )
    report.full_clean()
    report.save()
    ReportSection.objects.bulk_create(
        ReportSection(report=report, position=i, title=str(label()), updated_by=by)
        for i, label in enumerate(DEFAULT_SECTIONS, 1)
    )
    activity_record(actor=by, verb="report.created", target=report, data={"year": year})
    return report


class ReportSectionConflict(StaleVersion):
    """Someone saved this section since the version the editor started from."""

    def __init__(self, current: ReportSection, *, deleting: bool = False) -> None:
        message = (
            _(
                "This section was changed by %(who)s after you loaded the page. Look at it, "
                "then delete it again if it should still go."
            )
            if deleting
            else _("This section was changed by %(who)s in the meantime. Review both values.")
        )
        super().__init__(message, current=current, who=current.updated_by)


def _current_section(report: AnnualReport, section: ReportSection) -> ReportSection:
    """The section as stored now (the report is locked: no other save of it runs meanwhile)."""
    current = (
        ReportSection.objects.select_related("updated_by")
        .filter(pk=section.pk, report=report)
        .first()
    )
    if current is None:
        raise DomainError(_("This section was deleted in the meantime."), code="deleted")
    return current


@transaction.atomic
def report_section_save(
    *,
    report: AnnualReport,
    by: User | None,
    title: str,
    body: str,
    position: int | None = None,
    section: ReportSection | None = None,
    expected_version: int | None = None,
) -> ReportSection:
    """Add a section or change one; the Markdown is stored as written, sanitized on output.

    `expected_version` is the version the editor started from; a change based on an older
    one is refused with ReportSectionConflict, which carries the newer section. Saving the
    values already stored changes nothing, whatever the version.
    """
    _require_editor(by)
    report = _locked(report)
    _require_draft(report)
    title = (title or "").strip()
    body = body or ""
    if section is None:
        last = report.sections.order_by("-position").values_list("position", flat=True).first()
        section = ReportSection(report=report, position=(last or 0) + 1, version=1)
    else:
        if section.report_id != report.pk:
            raise DomainError(_("This section belongs to another report."))
        section = _current_section(report, section)
        unchanged = (title, body, section.position if position is None else position)
        if (section.title, section.body, section.position) == unchanged:
            return section  # the same text saved twice: nothing to write or log
        if expected_version not in (None, section.version):
            raise ReportSectionConflict(section)
        section.version += 1
    section.title = title
    section.body = body
    if position is not None:
        section.position = position
    section.updated_by = by
    section.full_clean()
    section.save()
    _touch(report)
    activity_record(
        actor=by,
        verb="report.section_saved",
        target=report,
        data={
            "section": section.pk,
            "title": section.title[:100],
            "version": section.version,
        },
    )
    return section


@transaction.atomic
def report_section_delete(
    *, section: ReportSection, by: User | None, expected_version: int | None = None
) -> None:
    """Delete a section, unless it changed since the version the deleting person saw."""
    _require_editor(by)
    report = _locked(section.report)
    _require_draft(report)
    current = _current_section(report, section)
    if expected_version not in (None, current.version):
        raise ReportSectionConflict(current, deleting=True)
    title = current.title
    current.delete()
    section.pk = None  # the caller's copy is gone too
    _touch(report)
    activity_record(
        actor=by, verb="report.section_deleted", target=report, data={"title": title[:100]}
    )


@transaction.atomic
def report_snapshot_take(*, report: AnnualReport, by: User | None) -> AnnualReport:
    """Freeze the figures as they stand now ("refresh figures"); only while a draft."""
    _require_editor(by)
    report = _locked(report)
    _require_draft(report)
    now = timezone.now()
    report.snapshot = take_snapshot(report.year, now=now)
    report.snapshot_taken_at = now
    report.save(update_fields=["snapshot", "snapshot_taken_at", "updated_at"])
    activity_record(
        actor=by, verb="report.snapshot_taken", target=report, data={"year": report.year}
    )
    return report


def report_document(report: AnnualReport) -> Document | None:
    """The report's PDF (one per report; re-rendering replaces its file)."""
    with scopes_disabled():
        return (
            Document.objects.filter(
                kind=REPORT_DOCUMENT_KIND,
                owner_type=ContentType.objects.get_for_model(AnnualReport),
                owner_id=str(report.pk),
            )
            .order_by("-created_at", "-pk")
            .first()
        )


@transaction.atomic
def report_render(*, report: AnnualReport, by: User | None, language: str = "en") -> Document:
    """Have the PDF rendered (again) from the current sections and the frozen snapshot."""
    _require_editor(by)
    report = _locked(report)
    if report.snapshot is None:
        raise DomainError(_("Take the figures first."), code="no_snapshot")
    document = report_document(report)
    if document is None:
        document = document_request(
            kind=REPORT_DOCUMENT_KIND,
            owner=report,
            organization=None,
            title=report.title,
            language=language,
            by=by,
        )
    else:
        document = document_rerender(document=document, by=by)
    activity_record(actor=by, verb="report.render_requested", target=report)
    return document


def pdf_is_current(report: AnnualReport, document: Document | None) -> bool:
    """A ready PDF rendered after the last change of the sections and the figures."""
    return (
        document is not None
        and document.status == DocumentStatus.READY
        and bool(document.file)
        and document.rendered_at is not None
        and document.rendered_at >= report.updated_at
    )


@transaction.atomic
def report_publish(*, report: AnnualReport, by: User | None) -> AnnualReport:
    """Publish at /community/reports/<year>/ with its PDF; from then on it is frozen."""
    if not can_publish_reports(by):
        raise DomainError(_("Only the CPO office can publish the report."), code="not_office")
    report = _locked(report)
    _require_draft(report)
    if report.snapshot is None:
        raise DomainError(_("Take the figures first."), code="no_snapshot")
    if not report.sections.exclude(body="").exists():
        raise DomainError(_("Write at least one section first."), code="empty")
    if not pdf_is_current(report, report_document(report)):
        raise DomainError(
            _("The PDF is missing or older than the last change. Render it, then publish."),
            code="pdf_outdated",
        )
    report.published_at = timezone.now()
    report.published_by = by
    report.save(update_fields=["published_at", "published_by"])
    activity_record(actor=by, verb="report.published", target=report, data={"year": report.year})
    # Every person of a community member organization hears of it, once (mails on commit).
    notify(
        kind="community.report_published",
        users=community_people(),
        subject=lazy_format(
            gettext_lazy("The annual CPO report %(year)s is published"), year=report.year
        ),
        template="community/reports/mail/report_published.txt",
        context={"report": report, "title": report.title, "year": report.year},
        url=reverse("community:report", args=[report.year]),
        key=f"report:{report.pk}:published",
    )
    return report


# --- Ready for the office's review --------------------------------------------------------


def can_mark_ready(user: User | AnonymousUser | None) -> bool:
    """The Core Team says when its draft is ready; the office is who is told."""
    return is_core_team_member(user)


@transaction.atomic
def report_mark_ready(*, report: AnnualReport, by: User | None) -> AnnualReport:
    """The Core Team's draft is ready for the office's review: the office is told.

    Marking an already marked draft again changes nothing and tells no one twice; a later
    change of a section or an image takes the mark back (`_touch`), and marking it again
    then tells the office again.
    """
    if not can_mark_ready(by):
        raise DomainError(
            _("Only a member of the CPO Core Team can mark the draft as ready."),
            code="not_core_team",
        )
    report = _locked(report)
    _require_draft(report)
    if report.ready_at is not None:
        return report
    if not report.sections.exclude(body="").exists():
        raise DomainError(_("Write at least one section first."), code="empty")
    now = timezone.now()
    report.ready_at = now
    report.ready_by = by
    report.save(update_fields=["ready_at", "ready_by"])
    activity_record(actor=by, verb="report.marked_ready", target=report, data={"year": report.year})
    who = by.public_name if by is not None else ""
    notify(
        kind="community.report_ready",
        users=office_people(),
        subject=lazy_format(
            gettext_lazy("The annual CPO report %(year)s is ready for review"), year=report.year
        ),
        template="community/reports/mail/report_ready.txt",
        context={"report": report, "title": report.title, "year": report.year, "who": who},
        url=reverse("community:report_edit", args=[report.year]),
        key=f"report:{report.pk}:ready:{now.isoformat()}",
    )
    return report


# --- Images ------------------------------------------------------------------------------


def _section_of(report: AnnualReport, section: ReportSection | None) -> ReportSection | None:
    if section is not None and section.report_id != report.pk:
        raise DomainError(_("This section belongs to another report."), code="section")
    return section


@transaction.atomic
def report_image_add(
    *,
    report: AnnualReport,
    by: User | None,
    upload: UploadedFile,
    caption: str,
    alt_text: str,
    section: ReportSection | None = None,
) -> ReportImage:
    """Add a picture after a section's text (without one: after the last section).

    The file is checked by its content (PNG or JPEG, size and dimensions), re-encoded
    without its metadata (EXIF with GPS, XMP, comments; turned upright by its orientation)
    and stored under a random name of its true type; a refusal stores nothing.
    """
    _require_editor(by)
    report = _locked(report)
    _require_draft(report)
    image = ReportImage(
        report=report,
        section=_section_of(report, section),
        caption=(caption or "").strip(),
        alt_text=(alt_text or "").strip(),
        uploaded_by=by,
    )
    image.full_clean(exclude=["file", "content_type", "sha256"])
    found = check_image(upload, name=upload.name or "", size=upload.size)
    # Stored without what the camera wrote beside the pixels (GPS position, serial, XMP).
    content = image_without_metadata(upload, found)
    image.content_type = found.content_type
    image.sha256 = hashlib.sha256(content).hexdigest()
    image.file.save(f"{uuid.uuid4().hex}.{found.extensions[0]}", ContentFile(content), save=False)
    stored = image.file.name or ""
    storage = image.file.storage
    try:
        image.save()
        _touch(report)
        activity_record(
            actor=by,
            verb="report.image_added",
            target=report,
            data={"image": image.pk, "caption": image.caption[:100]},
        )
    except Exception:
        storage.delete(stored)  # the row was not written: the file must not stay behind
        raise
    return image


@transaction.atomic
def report_image_delete(*, image: ReportImage, by: User | None) -> None:
    """Remove a picture from a draft; its file goes once the change is committed."""
    _require_editor(by)
    report = _locked(image.report)
    _require_draft(report)
    current = ReportImage.objects.filter(pk=image.pk, report=report).first()
    if current is None:
        raise DomainError(_("This image was deleted in the meantime."), code="deleted")
    caption, stored, storage = current.caption, current.file.name or "", current.file.storage
    current.delete()
    _touch(report)
    activity_record(
        actor=by, verb="report.image_deleted", target=report, data={"caption": caption[:100]}
    )
    transaction.on_commit(lambda: storage.delete(stored))


# --- Review comments ---------------------------------------------------------------------


def can_comment_reports(user: User | AnonymousUser | None) -> bool:
    """Who reviews the draft: the Core Team and the office (the office reviews it too)."""
    return can_edit_reports(user)


def _require_reviewer(user: User | None) -> None:
    if not can_comment_reports(user):
        raise DomainError(_("Only the CPO Core Team and the CPO office can do this."))


@transaction.atomic
def report_comment_add(*, section: ReportSection, by: User | None, body: str) -> ReportComment:
    """A review comment on a section of a draft (never printed, never public)."""
    _require_reviewer(by)
    report = _locked(section.report)
    _require_draft(report)
    _current_section(report, section)
    comment = ReportComment(section=section, author=by, body=(body or "").strip())
    comment.full_clean()
    comment.save()
    activity_record(
        actor=by,
        verb="report.comment_added",
        target=report,
        data={"comment": comment.pk, "title": section.title[:100]},
    )
    return comment


def _comment_locked(comment: ReportComment) -> tuple[AnnualReport, ReportComment]:
    report = _locked(comment.section.report)
    _require_draft(report)
    current = ReportComment.objects.select_related("section").filter(pk=comment.pk).first()
    if current is None:
        raise DomainError(_("This comment was deleted in the meantime."), code="deleted")
    return report, current


@transaction.atomic
def report_comment_resolve(*, comment: ReportComment, by: User | None) -> ReportComment:
    """Any reviewer marks a comment resolved (resolving it twice changes nothing)."""
    _require_reviewer(by)
    report, current = _comment_locked(comment)
    if current.resolved_at is not None:
        return current
    current.resolved_at = timezone.now()
    current.resolved_by = by
    current.save(update_fields=["resolved_at", "resolved_by"])
    activity_record(
        actor=by,
        verb="report.comment_resolved",
        target=report,
        data={"comment": current.pk, "title": current.section.title[:100]},
    )
    return current


def can_delete_comment(user: User | AnonymousUser | None, comment: ReportComment) -> bool:
    """Its author, while it is not resolved."""
    return (
        bool(getattr(user, "is_authenticated", False))
        and comment.author_id is not None
        and comment.author_id == getattr(user, "pk", None)
        and comment.resolved_at is None
    )


@transaction.atomic
def report_comment_delete(*, comment: ReportComment, by: User | None) -> None:
    """The author takes back their own comment while it is not resolved."""
    _require_reviewer(by)
    report, current = _comment_locked(comment)
    if not can_delete_comment(by, current):
        raise DomainError(
            _("Only its author can delete a comment, and only while it is not resolved."),
            code="not_author",
        )
    title = current.section.title
    current.delete()
    activity_record(
        actor=by, verb="report.comment_deleted", target=report, data={"title": title[:100]}
    )
