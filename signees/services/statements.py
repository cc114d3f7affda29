"""CPO Statements: drafting, answering, linking or uploading, publishing, and the deadline.

A statement is a draft until the company publishes it; publishing supersedes the version
before, which stays readable. Only one draft exists at a time (a database constraint).

    draft ──publish──▶ published ──(next version published)──▶ superseded
"""

import hashlib
import logging
import uuid
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.activity.services import activity_record
from cpo_portal.documents.services import document_request, document_rerender
from cpo_portal.errors import DomainError, StaleVersion
from cpo_portal.guards import require_org_admin
from cpo_portal.mail import StrOrPromise, lazy_format, mail_on_commit
from cpo_portal.notifications.services import notify
from cpo_portal.tenancy.models import Membership, Organization, Role
from criteria.diff import CriterionChange, catalogue_diff
from criteria.models import CatalogueVersion, Criterion, VersionStatus

from ..models import (
    PUBLIC_STATEMENT_STATUSES,
    SIGNED_STATUSES,
    Fulfilment,
    ReminderKind,
    Signee,
    SigneeGroup,
    Statement,
    StatementAnswer,
    StatementKind,
    StatementReminder,
    StatementStatus,
)
from ..selectors.statements import (
    STATEMENT_DOCUMENT_KIND,
    answer_carries_over,
    applicable_criteria,
    catalogue_published_audience,
    has_public_statement,
    outdated_statement_documents,
    previous_public_version,
    statement_progress,
    statement_version_in_force,
)

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
# An answer other than "fulfilled" needs a reason the reader can follow.
EXPLANATION_REQUIRED = {Fulfilment.PARTIALLY, Fulfilment.NOT_FULFILLED, Fulfilment.NOT_APPLICABLE}
_validate_url = URLValidator(schemes=["http", "https"])


# --- checks -------------------------------------------------------------------------------


def _locked_draft(statement: Statement, by: User | None) -> Statement:
    """The statement, locked, with its signee; refused unless it is still a draft."""
    with scopes_disabled():
        locked = (
            Statement.objects.select_for_update(of=("self",))
            .select_related("signee__organization", "catalogue_version")
            .get(pk=statement.pk)
        )
    require_org_admin(locked.signee.organization, by)
    if locked.status != StatementStatus.DRAFT:
        raise DomainError(_("This version is published and can no longer be changed."))
    return locked


def _clean_url(value: str, *, field: str) -> str:
    value = value.strip()
    if not value:
        return ""
    if len(value) > 500:
        raise DomainError({field: [_("The link is too long (at most 500 characters).")]})
    try:
        _validate_url(value)
    except ValidationError:
        raise DomainError(
            {field: [_("Enter a complete web address starting with https:// or http://.")]}
        ) from None
    return value


def _log(
    statement: Statement, by: User | None, verb: str, data: dict[str, Any] | None = None
) -> None:
    activity_record(
        actor=by,
        organization=statement.signee.organization,
        verb=f"statement.{verb}",
        target=statement,
        data={"number": statement.number, **(data or {})},
    )


# --- drafting -----------------------------------------------------------------------------


@transaction.atomic
def statement_start_draft(*, signee: Signee, by: User | None) -> Statement:
    """Start the next version against the catalogue version in force, prefilled from the last.

    The draft answers the version in force (the signed one while no version is in force);
    it is `based_on` the newest version filled in online (else the newest published one).
    Its answers are carried over where the criterion kept its code and its meaning
    (criteria/diff.py); they are left open where it is new or changed.
    """
    require_org_admin(signee.organization, by)
    with scopes_disabled():
        # The signee row serialises drafting and publishing of one company.
        signee = (
            Signee.objects.select_for_update(of=("self",))
            .select_related("organization", "catalogue_version")
            .get(pk=signee.pk)
        )
    if signee.status not in SIGNED_STATUSES or signee.catalogue_version is None:
        raise DomainError(_("A CPO Statement can be written once the company has signed the CPO."))
    version = statement_version_in_force() or signee.catalogue_version
    with scope(organization=signee.organization):
        statements = Statement.objects.filter(signee=signee)
        if statements.filter(status=StatementStatus.DRAFT).exists():
            raise DomainError(_("A draft of the CPO Statement exists already."))
        last = statements.aggregate(n=Max("number"))["n"] or 0
        public = statements.filter(status__in=PUBLIC_STATEMENT_STATUSES).select_related(
            "catalogue_version"
        )
        # The newest version filled in online, even if a linked or uploaded one followed it.
        previous = public.filter(kind=StatementKind.ONLINE).order_by("-number").first()
        based_on = previous or public.order_by("-number").first()
        statement = Statement(
            signee=signee,
            number=last + 1,
            catalogue_version=version,
            based_on=based_on,
            kind=StatementKind.ONLINE,
            status=StatementStatus.DRAFT,
            summary=previous.summary if previous else "",
        )
        try:
            with transaction.atomic():
                statement.save()
        except IntegrityError:
            raise DomainError(_("A draft of the CPO Statement exists already.")) from None
        copied = _copy_answers(previous, statement) if previous else 0
    _log(
        statement,
        by,
        "draft_started",
        {
            "version": version.code,
            "copied": copied,
            "based_on": based_on.number if based_on else None,
            "based_on_version": based_on.catalogue_version.code if based_on else None,
        },
    )
    return statement


def _copy_answers(source: Statement, target: Statement) -> int:
    """Carry answers over by criterion code (a new catalogue version has new criterion rows),
    where the criterion's meaning did not change between the two versions."""
    wanted = {c.code: c for c in applicable_criteria(target)}
    changes: dict[str, CriterionChange] = {}
    if source.catalogue_version_id != target.catalogue_version_id:
        diff = catalogue_diff(source.catalogue_version, target.catalogue_version)
        changes = {change.code: change for change in diff.changed}
    answers = StatementAnswer.objects.filter(statement=source).select_related("criterion")
    copies = [
        StatementAnswer(
            statement=target,
            criterion=wanted[a.criterion.code],
            fulfilment=a.fulfilment,
            explanation=a.explanation,
            link=a.link,
        )
        for a in answers
        if a.criterion.code in wanted
        and answer_carries_over(
            a.fulfilment, wanted[a.criterion.code], changes.get(a.criterion.code)
        )
    ]
    StatementAnswer.objects.bulk_create(copies)
    return len(copies)


def _check_criterion(statement: Statement, criterion: Criterion) -> None:
    if criterion.version_id != statement.catalogue_version_id:
        raise DomainError(
            _(
                "Criterion %(code)s is not part of catalogue version %(version)s, "
                "which this statement answers."
            )
            % {"code": criterion.code, "version": statement.catalogue_version.code}
        )
    if statement.signee.group not in criterion.applies_to:
        raise DomainError(
            _("Criterion %(code)s does not apply to %(group)s.")
            % {"code": criterion.code, "group": statement.signee.get_group_display()}
        )


def _check_answer(criterion: Criterion, fulfilment: str, explanation: str) -> None:
    if fulfilment not in Fulfilment.values:
        raise DomainError({"fulfilment": [_("Choose how the criterion is fulfilled.")]})
    if fulfilment == Fulfilment.NOT_APPLICABLE and not criterion.na_allowed:
        raise DomainError(
            {
                "fulfilment": [
                    _("“Not applicable” is not allowed for criterion %(code)s.")
                    % {"code": criterion.code}
                ]
            }
        )
    if fulfilment in EXPLANATION_REQUIRED and not explanation:
        raise DomainError(
            {
                "explanation": [
                    _("Explain this answer: readers need to know what is missing or why.")
                ]
            }
        )
    if len(explanation) > 5000:
        raise DomainError(
            {"explanation": [_("The explanation is too long (at most 5000 characters).")]}
        )


class StatementAnswerConflict(StaleVersion):
    """Someone saved this answer since the version the editor started from."""

    def __init__(self, current: StatementAnswer) -> None:
        super().__init__(
            _("This answer was changed by %(who)s in the meantime. Review both values."),
            current=current,
            who=current.updated_by,
        )


@transaction.atomic
def statement_answer_save(
    *,
    statement: Statement,
    criterion: Criterion,
    fulfilment: str,
    explanation: str = "",
    link: str = "",
    by: User | None,
    expected_version: int | None = None,
) -> StatementAnswer:
    """Answer one criterion of a draft (insert or update); an unchanged answer is a no-op.

    `expected_version` is the version the editor started from (0: no answer yet); a save based
    on an older one is refused with StatementAnswerConflict, which carries the newer answer.
    """
    statement = _locked_draft(statement, by)
    _check_criterion(statement, criterion)
    explanation = explanation.strip()
    _check_answer(criterion, fulfilment, explanation)
    link = _clean_url(link, field="link")
    with scope(organization=statement.signee.organization):
        # The draft is locked above: no other save of this answer runs meanwhile.
        answer = (
            StatementAnswer.objects.select_related("updated_by")
            .filter(statement=statement, criterion=criterion)
            .first()
        )
        before = (answer.fulfilment, answer.explanation, answer.link) if answer else None
        if answer is not None and before == (fulfilment, explanation, link):
            return answer  # autosave sends unchanged rows too: nothing to write or log
        if answer is not None and expected_version not in (None, answer.version):
            raise StatementAnswerConflict(answer)
        if answer is None:
            answer = StatementAnswer(statement=statement, criterion=criterion, version=1)
        else:
            answer.version += 1
        answer.fulfilment = fulfilment
        answer.explanation = explanation
        answer.link = link
        answer.updated_by = by
        answer.full_clean(exclude=["statement", "criterion", "updated_by"])
        answer.save()
    _log(
        statement,
        by,
        "answer_saved",
        {
            "criterion": criterion.code,
            "before": before[0] if before else None,
            "after": fulfilment,
            "version": answer.version,
        },
    )
    return answer


@transaction.atomic
def statement_summary_save(*, statement: Statement, summary: str, by: User | None) -> Statement:
    """The introduction readers see above the answers."""
    statement = _locked_draft(statement, by)
    summary = summary.strip()
    if len(summary) > 5000:
        raise DomainError({"summary": [_("The summary is too long (at most 5000 characters).")]})
    if summary != statement.summary:
        statement.summary = summary
        statement.save(update_fields=["summary", "updated_at"])
        _log(statement, by, "summary_saved")
    return statement


@transaction.atomic
def statement_set_kind(*, statement: Statement, kind: str, by: User | None) -> Statement:
    """Fill in online, link an external statement or upload a PDF: answers are kept."""
    statement = _locked_draft(statement, by)
    if kind not in StatementKind.values:
        raise DomainError(_("Choose how the statement is provided."))
    if kind != statement.kind:
        before = statement.kind
        statement.kind = kind
        statement.save(update_fields=["kind", "updated_at"])
        _log(statement, by, "kind_changed", {"before": before, "after": kind})
    return statement


@transaction.atomic
def statement_set_link(*, statement: Statement, url: str, by: User | None) -> Statement:
    """Point the statement to one the company publishes on its own website."""
    statement = _locked_draft(statement, by)
    url = _clean_url(url, field="external_url")
    if not url:
        raise DomainError({"external_url": [_("Enter the web address of the statement.")]})
    statement.kind = StatementKind.LINK
    statement.external_url = url
    statement.save(update_fields=["kind", "external_url", "updated_at"])
    _log(statement, by, "link_set", {"url": url})
    return statement


def _read_pdf(upload: UploadedFile) -> tuple[bytes, str]:
    """The upload's bytes and SHA-256, refused unless it is a PDF of at most 10 MB."""
    limit_mb = MAX_UPLOAD_BYTES // (1024 * 1024)
    too_big = DomainError({"file": [_("The file is larger than %(mb)s MB.") % {"mb": limit_mb}]})
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise too_big
    data = bytearray()
    for chunk in upload.chunks():
        data += chunk
        if len(data) > MAX_UPLOAD_BYTES:  # the declared size may lie
            raise too_big
    # The name and the declared content type are the sender's claims; the bytes are not.
    if not bytes(data[:1024]).lstrip().startswith(PDF_MAGIC):
        raise DomainError({"file": [_("This file is not a PDF document. Upload a PDF file.")]})
    if b"%%EOF" not in data[-2048:]:
        raise DomainError(
            {"file": [_("This PDF file is incomplete or damaged. Upload the complete file.")]}
        )
    content = bytes(data)
    return content, hashlib.sha256(content).hexdigest()


def statement_upload(*, statement: Statement, upload: UploadedFile, by: User | None) -> Statement:
    """Store the company's own statement as a PDF (checked by content, at most 10 MB)."""
    content, digest = _read_pdf(upload)
    # Checked before the file is stored, so a refusal leaves nothing behind.
    checked = _checked_draft(statement, by)
    name = f"org-{checked.signee.organization_id}-v{checked.number}-{uuid.uuid4().hex[:8]}.pdf"
    stored = default_storage.save(_upload_name(checked, name), ContentFile(content))
    try:
        with transaction.atomic():
            statement = _locked_draft(statement, by)
            old_name = statement.file.name
            statement.file.name = stored
            statement.kind = StatementKind.UPLOAD
            statement.file_sha256 = digest
            statement.save(update_fields=["kind", "file", "file_sha256", "updated_at"])
            if old_name and old_name != stored:
                transaction.on_commit(lambda: default_storage.delete(old_name))
            _log(statement, by, "uploaded", {"sha256": digest, "size": len(content)})
    except BaseException:
        default_storage.delete(stored)  # never leave an orphan behind a failed save
        raise
    return statement


def _upload_name(statement: Statement, filename: str) -> str:
    return Statement._meta.get_field("file").generate_filename(statement, filename)


def _checked_draft(statement: Statement, by: User | None) -> Statement:
    with transaction.atomic():
        return _locked_draft(statement, by)


@transaction.atomic
def statement_discard(*, statement: Statement, by: User | None) -> None:
    """Throw a draft away (published versions are never deleted)."""
    statement = _locked_draft(statement, by)
    file_name = statement.file.name
    number = statement.number
    signee = statement.signee
    with scope(organization=signee.organization):
        statement.delete()
    if file_name:
        transaction.on_commit(lambda: default_storage.delete(file_name))
    activity_record(
        actor=by,
        organization=signee.organization,
        verb="statement.draft_discarded",
        target=signee,
        data={"number": number},
    )


# --- publishing ---------------------------------------------------------------------------


def _check_complete(statement: Statement) -> None:
    if statement.kind == StatementKind.LINK and not statement.external_url:
        raise DomainError(_("Enter the web address of the statement before publishing."))
    if statement.kind == StatementKind.UPLOAD and not statement.file:
        raise DomainError(_("Upload the PDF of the statement before publishing."))
    if statement.kind != StatementKind.ONLINE:
        return
    progress = statement_progress(statement)
    if progress.total == 0:
        raise DomainError(_("The signed catalogue version has no criteria for your group."))
    if progress.missing:
        codes = ", ".join(c.code for c in progress.missing[:10])
        more = len(progress.missing) - 10
        raise DomainError(
            _("Answer every criterion before publishing. Still open: %(codes)s%(more)s.")
            % {"codes": codes, "more": _(" and %(n)s more") % {"n": more} if more > 0 else ""}
        )


@transaction.atomic
def statement_publish(*, statement: Statement, by: User | None) -> Statement:
    """Publish the draft; the version before is superseded and stays readable."""
    with scopes_disabled():
        # The signee row first, as in statement_start_draft: one lock order, no deadlock.
        signee = (
            Signee.objects.select_for_update(of=("self",))
            .select_related("organization")
            .get(pk=statement.signee_id)
        )
    statement = _locked_draft(statement, by)
    statement.signee = signee
    if signee.status not in SIGNED_STATUSES:
        raise DomainError(_("A CPO Statement can be published only while the signature stands."))
    in_force = statement_version_in_force()
    # A statement answers the version the company signed or the one in force now.
    if statement.catalogue_version_id not in (
        signee.catalogue_version_id,
        in_force.pk if in_force else None,
    ):
        raise DomainError(
            _(
                "The catalogue version this draft answers is neither the one your company "
                "signed nor the one in force. Discard the draft and start a new one: your "
                "answers are carried over where the criteria did not change."
            )
        )
    _check_complete(statement)
    now = timezone.now()
    with scope(organization=signee.organization):
        superseded = list(
            Statement.objects.filter(signee=signee, status=StatementStatus.PUBLISHED).values_list(
                "number", flat=True
            )
        )
        Statement.objects.filter(signee=signee, status=StatementStatus.PUBLISHED).update(
            status=StatementStatus.SUPERSEDED, updated_at=now
        )
    statement.status = StatementStatus.PUBLISHED
    statement.published_at = now
    statement.save(update_fields=["status", "published_at", "updated_at"])
    _log(
        statement,
        by,
        "published",
        {
            "kind": statement.kind,
            "version": statement.catalogue_version.code,
            "superseded": superseded,
        },
    )
    if statement.kind == StatementKind.ONLINE:
        organization = signee.organization
        document_request(
            kind=STATEMENT_DOCUMENT_KIND,
            owner=statement,
            organization=organization,
            title=_("CPO Statement of %(org)s, version %(number)s")
            % {"org": organization.display_name, "number": statement.number},
            language=translation.get_language() or "en",
            by=by,
        )
    return statement


# --- the deadline -------------------------------------------------------------------------


def _reminder_kind(due: date, today: date) -> str | None:
    # Windows, not exact days: a day the beat did not run still gets its reminder later.
    days_left = (due - today).days
    if days_left < 0:
        return ReminderKind.OVERDUE
    if days_left <= 7:
        return ReminderKind.DUE_IN_7
    if days_left <= 30:
        return ReminderKind.DUE_IN_30
    return None


def _admin_emails(organizations: list[Organization]) -> dict[int, list[str]]:
    with scopes_disabled():
        rows = Membership.objects.filter(
            organization__in=organizations,
            role__in=[Role.OWNER, Role.ADMIN],
            user__is_active=True,
        ).values_list("organization_id", "user__email")
        emails: dict[int, list[str]] = {}
        for organization_id, email in rows:
            emails.setdefault(organization_id, []).append(email)
    return emails


def _still_due(signee: Signee, due: date) -> bool:
    """Read again under the signee's lock, which publishing takes first too: a statement
    published, a deadline moved or a signature withdrawn since the daily list was read
    gets no reminder."""
    with scopes_disabled():
        current = (
            Signee.objects.select_for_update()
            .filter(pk=signee.pk)
            .values_list("group", "status", "statement_due")
            .first()
        )
    if current is None:
        return False
    group, status, statement_due = current
    return (
        group == SigneeGroup.IT_VENDOR
        and status in SIGNED_STATUSES
        and statement_due == due
        and not has_public_statement(signee)
    )


def _send_reminder(signee: Signee, kind: str, today: date, to: list[str]) -> bool:
    """Record and mail one reminder; False when it was sent before (idempotent)."""
    due = signee.statement_due
    assert due is not None
    with transaction.atomic():
        if not _still_due(signee, due):
            return False
        try:
            with transaction.atomic():
                reminder = StatementReminder.objects.create(signee=signee, kind=kind, due=due)
        except IntegrityError:
            return False
        organization = signee.organization
        context = {
            "signee": signee,
            "organization": organization,
            "kind": kind,
            "due": due,
            "days_left": (due - today).days,
            "days_overdue": (today - due).days,
        }
        subject: StrOrPromise = (
            gettext_lazy("Your CPO Statement is overdue")
            if kind == ReminderKind.OVERDUE
            else lazy_format(
                gettext_lazy("Your CPO Statement is due on %(date)s"), date=due.isoformat()
            )
        )
        mail_on_commit(
            subject=subject,
            template="signees/statements/email/reminder.txt",
            context=context,
            to=to,
        )
        activity_record(
            actor=None,
            organization=organization,
            verb="statement.reminder_sent",
            target=reminder.signee,
            data={"kind": kind, "due": due.isoformat(), "recipients": len(to)},
        )
    return True


def statement_reminders_send(*, today: date | None = None) -> int:
    """E-mail IT vendors without a published statement 30 and 7 days ahead and when overdue."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=30)
    with scopes_disabled():
        signees = list(
            Signee.objects.filter(
                group=SigneeGroup.IT_VENDOR,
                status__in=SIGNED_STATUSES,
                statement_due__isnull=False,
                statement_due__lte=horizon,
            )
            .exclude(statements__status__in=PUBLIC_STATEMENT_STATUSES)
            .select_related("organization")
            .order_by("pk")
        )
        sent_before = set(
            StatementReminder.objects.filter(signee__in=signees).values_list(
                "signee_id", "kind", "due"
            )
        )
    due_now = []
    for signee in signees:
        assert signee.statement_due is not None
        kind = _reminder_kind(signee.statement_due, today)
        if kind and (signee.pk, kind, signee.statement_due) not in sent_before:
            due_now.append((signee, kind))
    emails = _admin_emails([s.organization for s, _kind in due_now])
    sent = 0
    for signee, kind in due_now:
        with scopes_disabled():
            sent += _send_reminder(signee, kind, today, emails.get(signee.organization_id, []))
    if sent:
        log.info("sent %s CPO Statement reminder(s)", sent)
    return sent


# --- a new catalogue version ----------------------------------------------------------------

CATALOGUE_PUBLISHED_KIND = "signees.catalogue_published"


def _diff_url(previous: CatalogueVersion | None, version: CatalogueVersion) -> str:
    if previous is None:
        return ""
    query = urlencode({"from": previous.code, "to": version.code})
    return f"{reverse('criteria:diff')}?{query}"


@transaction.atomic
def catalogue_published_notify(*, version: CatalogueVersion) -> int:
    """Tell the owners and admins of every approved signee that `version` is published, and
    invite IT vendors whose published statement answers an older version to update it.

    Each person is told once (key "catalogue:<code>"): a vendor's owner gets the vendor's
    text, everyone else the announcement. The current PDFs of statements answering an older
    version are rendered again, so that they say so. Returns the number of people told.
    """
    version = CatalogueVersion.objects.get(pk=version.pk)
    if version.status != VersionStatus.PUBLISHED:
        return 0  # retired (or never published) meanwhile: nothing to announce
    previous = previous_public_version(version)
    catalogue_url = reverse("criteria:catalogue", args=[version.code])
    context: dict[str, Any] = {
        "version": version,
        "previous": previous,
        "catalogue_url": catalogue_url,
        "diff_url": _diff_url(previous, version),
    }
    key = f"catalogue:{version.code}"
    audience = catalogue_published_audience(version)
    told = 0
    # The vendors first: the announcement below skips whoever was told already (same key).
    for item in audience.outdated:
        if not item.people:
            continue
        organization = item.statement.signee.organization
        statement_url = reverse("signees:statement", args=[organization.slug])
        told += notify(
            kind=CATALOGUE_PUBLISHED_KIND,
            users=item.people,
            subject=lazy_format(
                gettext_lazy(
                    "Catalogue version %(version)s is published: update your CPO Statement"
                ),
                version=version.code,
            ),
            template="signees/statements/mail/catalogue_published_vendor.txt",
            context={
                **context,
                "organization": organization,
                "statement": item.statement,
                "answered": item.statement.catalogue_version,
                "statement_url": statement_url,
                # The differences that matter to the vendor: from the version it answers.
                "previous": item.statement.catalogue_version,
                "diff_url": _diff_url(item.statement.catalogue_version, version),
            },
            url=statement_url,
            key=key,
        )
    told += notify(
        kind=CATALOGUE_PUBLISHED_KIND,
        users=audience.everyone,
        subject=lazy_format(
            gettext_lazy("Version %(version)s of the CPO catalogue is published"),
            version=version.code,
        ),
        template="signees/statements/mail/catalogue_published.txt",
        context=context,
        url=catalogue_url,
        key=key,
    )
    rerendered = 0
    for document in outdated_statement_documents(version):
        try:
            document_rerender(document=document, by=None)
        except DomainError:
            continue  # being rendered right now: that rendering reads the new state
        rerendered += 1
    activity_record(
        actor=None,
        verb="statement.catalogue_published_notified",
        target=version,
        data={
            "version": version.code,
            "told": told,
            "outdated": len(audience.outdated),
            "rerendered": rerendered,
        },
    )
    return told
