"""Complaints (ISO/IEC 17065 §7.13): anyone may complain about a certified company or
product, misuse of the seal or logo, or the certification body; the office acknowledges,
investigates, decides and answers within the due dates it sets. Nothing about a complainant
is public.

Every office member reads complaints; a reviewer acts on them (`require_office_role`), except
that suspending or withdrawing the certificate concerned is the certifier's (the certificate
services hold that rule). Each step is one `ComplaintEvent` and one activity entry; the
activity log names the complaint by its reference, never the complainant.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from cpo_portal.accounts.models import OfficeRole, User
from cpo_portal.accounts.roles import has_office_role
from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError
from cpo_portal.guards import require_office_role
from cpo_portal.mail import lazy_format, mail_on_commit, office_emails
from cpo_portal.states import check_transition

from ..models import (
    COMPLAINT_EDGES,
    COMPLAINT_OPEN_STATES,
    Application,
    AuditType,
    Certificate,
    Complaint,
    ComplaintEvent,
    ComplaintOutcome,
    ComplaintStatus,
    ComplaintSubject,
)
from ..notify import COMPANY, notify
from ..selectors.complaints import certificate_by_number
from .certificates import (
    certificate_audit_open,
    certificate_suspend,
    certificate_withdraw,
    certification_policy,
    reference_next,
    reference_sequence_lock,
)

S = ComplaintStatus
OPEN = COMPLAINT_OPEN_STATES
# The same e-mail address and text again within this time is the same complaint (a double
# click, a reload of the posted form): no second record, no second receipt.
DOUBLE_SUBMIT_WINDOW = timedelta(minutes=15)
REFERENCE_PREFIX = "CPL"
REFERENCE_SEQUENCE = "complaint"
TEMPLATES = "certification/complaints/email/"
# What takes the complainant's address once their data is erased: no mail goes there.
ERASED_ADDRESS = "erased@erased.invalid"


def _record(
    complaint: Complaint,
    *,
    verb: str,
    before: str,
    by: User | None,
    note: str = "",
    data: dict[str, str] | None = None,
) -> ComplaintEvent:
    """One step: the complaint's own history and the activity log (its reference, never an
    e-mail address or the complainant's name)."""
    actor = by if by is not None and by.is_authenticated else None
    event = ComplaintEvent(
        complaint=complaint,
        action=verb.split(".", 1)[1],
        status_before=before,
        status_after=complaint.status,
        note=note,
        data=data or {},
        by=actor,
        at=timezone.now(),
    )
    event.full_clean(exclude=["complaint", "by"])
    event.save()
    activity_record(
        actor=actor,
        verb=verb,
        target=complaint,
        data={"reference": complaint.reference, **(data or {})},
    )
    return event


def locked_complaint(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def complaint_transition(complaint: Complaint, action: str) -> str:
    """Move the (locked) complaint along the action's edge (`COMPLAINT_EDGES`), or refuse;
    returns the status before. The caller saves and records the step."""
    edges = COMPLAINT_EDGES[action]
    before = complaint.status
    to = next(iter(edges.get(before, ())), "")
    check_transition(
        edges,
        before,
        to,
        message=_("A complaint that is “%(status)s” cannot be changed this way.")
        % {"status": complaint.get_status_display()},
    )
    complaint.status = to
    return before


def _require_open(complaint: Complaint) -> None:
    if complaint.status not in OPEN:
        raise DomainError(_("The complaint has been decided; it cannot be changed any more."))


def _mail_complainant(
    complaint: Complaint, *, subject: str, template: str, context: dict[str, object]
) -> None:
    if complaint.complainant_email == ERASED_ADDRESS:
        return
    mail_on_commit(
        subject=subject,
        template=TEMPLATES + template,
        context={"complaint": complaint, **context},
        to=[complaint.complainant_email],
        language=complaint.language,
    )


def _reviewer_emails(complaint: Complaint) -> list[str]:
    """Who is told of a complaint: its handler, or every reviewer while it has none."""
    if complaint.handler is not None and complaint.handler.is_active:
        return [complaint.handler.email]
    return office_emails(OfficeRole.REVIEWER)


# --- Receiving a complaint (the public form) -------------------------------------------------


def _duplicate(email: str, description: str) -> Complaint | None:
    since = timezone.now() - DOUBLE_SUBMIT_WINDOW
    return (
        Complaint.objects.filter(
            complainant_email__iexact=email, description=description, received_at__gte=since
        )
        .order_by("-received_at")
        .first()
    )


@transaction.atomic
def complaint_submit(
    *,
    subject: str,
    description: str,
    name: str,
    email: str,
    organization_name: str = "",
    subject_detail: str = "",
    certificate: Certificate | None = None,
    complainant: User | None = None,
    language: str | None = None,
) -> tuple[Complaint, bool]:
    """Receive a complaint from anyone: its reference, the due dates from the policy, a
    receipt to the complainant and a notice to the reviewers. A second post of the same text
    by the same address within minutes is the first complaint again (`created` False)."""
    email = email.strip()
    description = description.strip()
    # Serialise submissions of one year on the sequence row, so two identical posts at once
    # cannot both pass the duplicate check.
    now = timezone.now()
    reference_sequence_lock(name=REFERENCE_SEQUENCE, year=now.year)
    existing = _duplicate(email, description)
    if existing is not None:
        return existing, False
    policy = certification_policy()
    received_on = timezone.localdate(now)
    complaint = Complaint(
        reference=reference_next(name=REFERENCE_SEQUENCE, prefix=REFERENCE_PREFIX, year=now.year),
        subject=subject,
        subject_detail=subject_detail.strip(),
        description=description,
        certificate=certificate,
        organization=certificate.organization if certificate is not None else None,
        complainant_name=name.strip(),
        complainant_email=email,
        complainant_organization=organization_name.strip(),
        complainant=complainant
        if complainant is not None and complainant.is_authenticated
        else None,
        language=(language or translation.get_language() or settings.LANGUAGE_CODE)[:10],
        received_at=now,
        acknowledge_by=received_on + timedelta(days=policy.complaint_acknowledge_days),
        answer_by=received_on + timedelta(days=policy.complaint_answer_days),
    )
    complaint.full_clean(exclude=["organization", "certificate", "complainant"])
    complaint.save()
    _record(
        complaint,
        verb="complaint.received",
        before="",
        by=complaint.complainant,
        data={"subject": complaint.subject},
    )
    _mail_complainant(
        complaint,
        subject=lazy_format(
            gettext_lazy("Your complaint %(reference)s has been received"),
            reference=complaint.reference,
        ),
        template="receipt.txt",
        context={},
    )
    mail_on_commit(
        subject=lazy_format(
            gettext_lazy("New complaint %(reference)s: %(subject)s"),
            reference=complaint.reference,
            subject=ComplaintSubject(complaint.subject).label,
        ),
        template=TEMPLATES + "office_notice.txt",
        context={"complaint": complaint},
        to=office_emails(OfficeRole.REVIEWER),
    )
    return complaint, True


# --- The office's steps ----------------------------------------------------------------------


def _reviewer(by: User | None) -> User:
    require_office_role(by, OfficeRole.REVIEWER)  # office roles: a reviewer handles complaints
    assert by is not None
    return by


@transaction.atomic
def complaint_take(
    *, complaint: Complaint, by: User | None, handler: User | None = None
) -> Complaint:
    """A reviewer takes the complaint, or gives it to another reviewer."""
    by = _reviewer(by)
    handler = handler or by
    if not has_office_role(handler, OfficeRole.REVIEWER):
        raise DomainError(_("Only a reviewer of the CPO office can handle complaints."))
    complaint = locked_complaint(complaint)
    _require_open(complaint)
    complaint.handler = handler
    complaint.save(update_fields=["handler"])
    _record(
        complaint,
        verb="complaint.assigned",
        before=complaint.status,
        by=by,
        data={"handler": str(handler)},
    )
    return complaint


@transaction.atomic
def complaint_acknowledge(*, complaint: Complaint, by: User | None, message: str = "") -> Complaint:
    """Confirm to the complainant that the complaint is being dealt with, and by when it is
    answered."""
    by = _reviewer(by)
    complaint = locked_complaint(complaint)
    before = complaint_transition(complaint, "acknowledge")
    complaint.acknowledged_at = timezone.now()
    if complaint.handler is None:
        complaint.handler = by
    # The next step (the answer) has its own reminder and escalation.
    complaint.reminded_at = complaint.escalated_at = None
    complaint.save(
        update_fields=["status", "acknowledged_at", "handler", "reminded_at", "escalated_at"]
    )
    _record(complaint, verb="complaint.acknowledged", before=before, by=by, note=message.strip())
    _mail_complainant(
        complaint,
        subject=lazy_format(
            gettext_lazy("Your complaint %(reference)s is being dealt with"),
            reference=complaint.reference,
        ),
        template="acknowledgement.txt",
        context={"message": message.strip()},
    )
    return complaint


@transaction.atomic
def complaint_investigate(*, complaint: Complaint, by: User | None, note: str = "") -> Complaint:
    by = _reviewer(by)
    complaint = locked_complaint(complaint)
    before = complaint_transition(complaint, "investigate")
    complaint.save(update_fields=["status"])
    _record(complaint, verb="complaint.investigating", before=before, by=by, note=note.strip())
    return complaint


@transaction.atomic
def complaint_note(*, complaint: Complaint, note: str, by: User | None) -> ComplaintEvent:
    """An internal note on the complaint's history (never sent to anyone)."""
    by = _reviewer(by)
    note = note.strip()
    if not note:
        raise DomainError({"note": _("Write the note.")})
    complaint = locked_complaint(complaint)
    return _record(complaint, verb="complaint.noted", before=complaint.status, by=by, note=note)


@transaction.atomic
def complaint_dates_change(
    *, complaint: Complaint, acknowledge_by: date, answer_by: date, reason: str, by: User | None
) -> Complaint:
    """The office moves a due date, with the reason on the record; the reminders of the
    changed date are sent again."""
    by = _reviewer(by)
    reason = reason.strip()
    if not reason:
        raise DomainError({"reason": _("Give the reason for the new due dates.")})
    if answer_by < acknowledge_by:
        raise DomainError({"answer_by": _("The answer cannot be due before the acknowledgement.")})
    complaint = locked_complaint(complaint)
    _require_open(complaint)
    data = {
        "acknowledge_by": f"{complaint.acknowledge_by} → {acknowledge_by}",
        "answer_by": f"{complaint.answer_by} → {answer_by}",
    }
    complaint.acknowledge_by, complaint.answer_by = acknowledge_by, answer_by
    complaint.reminded_at = complaint.escalated_at = None
    complaint.save(update_fields=["acknowledge_by", "answer_by", "reminded_at", "escalated_at"])
    _record(
        complaint,
        verb="complaint.dates_changed",
        before=complaint.status,
        by=by,
        note=reason,
        data=data,
    )
    return complaint


@transaction.atomic
def complaint_link(*, complaint: Complaint, number: str, by: User | None) -> Complaint:
    """Link the certificate concerned (found by its number) and so its company; an empty
    number removes the link."""
    by = _reviewer(by)
    complaint = locked_complaint(complaint)
    _require_open(complaint)
    number = number.strip()
    certificate = certificate_by_number(number) if number else None
    if number and certificate is None:
        raise DomainError({"number": _("No certificate has this number.")})
    complaint.certificate = certificate
    complaint.organization = certificate.organization if certificate is not None else None
    complaint.save(update_fields=["certificate", "organization"])
    _record(
        complaint,
        verb="complaint.linked" if certificate else "complaint.unlinked",
        before=complaint.status,
        by=by,
        data={"certificate": certificate.number} if certificate else {},
    )
    return complaint


def _linked_certificate(complaint: Complaint) -> Certificate:
    if complaint.certificate is None:
        raise DomainError(_("Link the certificate concerned first."))
    return complaint.certificate


@transaction.atomic
def complaint_special_audit_open(
    *, complaint: Complaint, window_start: date, window_end: date, by: User | None
) -> Application:
    """A special audit of the linked certificate (ISO/IEC 17065 §7.9: short-notice audits
    on complaints): a case like a surveillance audit, accepted at once; failed, it suspends
    the certificate; passed, it leaves the surveillance date where it is."""
    by = _reviewer(by)
    complaint = locked_complaint(complaint)
    _require_open(complaint)
    certificate = _linked_certificate(complaint)
    application = certificate_audit_open(
        certificate=certificate,
        audit_type=AuditType.SPECIAL,
        window_start=window_start,
        window_end=window_end,
        by=by,
    )
    complaint.special_audit = application
    complaint.save(update_fields=["special_audit"])
    _record(
        complaint,
        verb="complaint.special_audit_opened",
        before=complaint.status,
        by=by,
        data={"certificate": certificate.number, "case": str(application.pk)},
    )
    notify(
        application,
        subject=lazy_format(gettext_lazy("Special audit of %(number)s"), number=certificate.number),
        # The company learns that an audit is due, not who complained.
        message=gettext_lazy(
            "The CPO office has opened a special audit of your certificate at short notice."
        ),
        to=(COMPANY,),
    )
    return application


def _certificate_reason(complaint: Complaint, reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise DomainError(
            {"reason": _("Give a reason: it is shown publicly on the verification page.")}
        )
    return _("%(reason)s (complaint %(reference)s)") % {
        "reason": reason,
        "reference": complaint.reference,
    }


def _certificate_step(
    complaint: Complaint,
    *,
    step: Callable[..., Certificate],
    verb: str,
    reason: str,
    by: User | None,
) -> Certificate:
    """Suspend or withdraw the linked certificate on the complaint (a certifier's decision:
    the certificate service requires the role); the public reason names the complaint's
    reference, never the complainant."""
    complaint = locked_complaint(complaint)
    _require_open(complaint)
    certificate = step(
        certificate=_linked_certificate(complaint),
        reason=_certificate_reason(complaint, reason),
        by=by,
    )
    _record(
        complaint,
        verb=verb,
        before=complaint.status,
        by=by,
        note=reason.strip(),
        data={"certificate": certificate.number},
    )
    return certificate


@transaction.atomic
def complaint_certificate_suspend(
    *, complaint: Complaint, reason: str, by: User | None
) -> Certificate:
    """Suspend the linked certificate on the complaint."""
    return _certificate_step(
        complaint,
        step=certificate_suspend,
        verb="complaint.certificate_suspended",
        reason=reason,
        by=by,
    )


@transaction.atomic
def complaint_certificate_withdraw(
    *, complaint: Complaint, reason: str, by: User | None
) -> Certificate:
    """Withdraw the linked certificate on the complaint."""
    return _certificate_step(
        complaint,
        step=certificate_withdraw,
        verb="complaint.certificate_withdrawn",
        reason=reason,
        by=by,
    )


@transaction.atomic
def complaint_decide(
    *, complaint: Complaint, outcome: str, decision: str, answer: str, by: User | None
) -> Complaint:
    """Record the outcome and the findings behind it, and send the answer to the complainant."""
    by = _reviewer(by)
    decision, answer = decision.strip(), answer.strip()
    errors = {}
    if outcome not in ComplaintOutcome.values:
        errors["outcome"] = _("Choose the outcome.")
    if not decision:
        errors["decision"] = _("Write down the findings and reasons.")
    if not answer:
        errors["answer"] = _("Write the answer to the complainant.")
    if errors:
        raise DomainError(errors)
    complaint = locked_complaint(complaint)
    before = complaint_transition(complaint, "decide")
    complaint.outcome, complaint.decision, complaint.answer = outcome, decision, answer
    complaint.decided_by, complaint.decided_at = by, timezone.now()
    complaint.full_clean(exclude=["organization", "certificate", "special_audit", "complainant"])
    complaint.save(
        update_fields=["status", "outcome", "decision", "answer", "decided_by", "decided_at"]
    )
    _record(complaint, verb="complaint.decided", before=before, by=by, data={"outcome": outcome})
    _mail_complainant(
        complaint,
        subject=lazy_format(
            gettext_lazy("The answer to your complaint %(reference)s"),
            reference=complaint.reference,
        ),
        template="answer.txt",
        context={"outcome": ComplaintOutcome(outcome).label},
    )
    return complaint


@transaction.atomic
def complaint_close(*, complaint: Complaint, by: User | None, note: str = "") -> Complaint:
    by = _reviewer(by)
    complaint = locked_complaint(complaint)
    before = complaint_transition(complaint, "close")
    complaint.closed_at = timezone.now()
    complaint.save(update_fields=["status", "closed_at"])
    _record(complaint, verb="complaint.closed", before=before, by=by, note=note.strip())
    return complaint


# --- The daily job: the due dates ------------------------------------------------------------


def _due_on(complaint: Complaint) -> date:
    """The step's due date: the acknowledgement until it is sent, then the answer."""
    return complaint.acknowledge_by if complaint.status == S.RECEIVED else complaint.answer_by


def _remind(complaint: Complaint, *, now: datetime, overdue: bool) -> None:
    due = _due_on(complaint)
    if overdue:
        subject = lazy_format(
            gettext_lazy("Complaint %(reference)s is overdue (due %(due)s)"),
            reference=complaint.reference,
            due=due.isoformat(),
        )
        to = sorted(set(_reviewer_emails(complaint)) | set(office_emails(OfficeRole.REVIEWER)))
        complaint.escalated_at = now
        verb_field = "escalated_at"
    else:
        subject = lazy_format(
            gettext_lazy("Complaint %(reference)s is due today"), reference=complaint.reference
        )
        to = _reviewer_emails(complaint)
        complaint.reminded_at = now
        verb_field = "reminded_at"
    mail_on_commit(
        subject=subject,
        template=TEMPLATES + "reminder.txt",
        context={"complaint": complaint, "due": due, "overdue": overdue},
        to=to,
    )
    complaint.save(update_fields=[verb_field])
    _record(
        complaint,
        verb="complaint.escalated" if overdue else "complaint.reminded",
        before=complaint.status,
        by=None,
        data={"due": due.isoformat()},
    )


def complaints_remind(*, today: date | None = None) -> int:
    """Daily: a reminder to the handler (or the reviewers) on the due day of the current step,
    and an escalation to every reviewer once it is overdue; each once per due date (changing
    a date clears the stamps)."""
    today = today or timezone.localdate()
    now = timezone.now()
    sent = 0
    with scopes_disabled():
        candidates = list(
            Complaint.objects.filter(status__in=OPEN)
            .filter(escalated_at__isnull=True)
            .select_related("handler")
        )
    for complaint in candidates:
        due = _due_on(complaint)
        if due < today:
            overdue = True
        elif due == today and complaint.reminded_at is None:
            overdue = False
        else:
            continue
        with transaction.atomic():
            locked = locked_complaint(complaint)
            if locked.escalated_at is not None or (not overdue and locked.reminded_at):
                continue
            _remind(locked, now=now, overdue=overdue)
        sent += 1
    return sent
