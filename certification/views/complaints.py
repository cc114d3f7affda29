"""Complaints (ISO/IEC 17065 §7.13): anyone may complain about a certified company or
product, misuse of the seal or logo, or the certification body; the office acknowledges,
investigates, decides and answers within the due dates it sets. Nothing about a complainant
is public.

- Anyone (/complaints/new/): the form, rate limited per client address (COMPLAINT_RATE_LIMIT
  posts an hour, else 429), with the spam guard of forms/complaints.py; a bot's post is
  answered with the same receipt page, without a reference, and nothing is stored. The
  receipt (/complaints/received/<token>/) shows the reference, read from a signed token.
- The CPO office (/office/complaints/…): every office member reads the list and a complaint
  with its history; reviewers act (certifiers suspend or withdraw the linked certificate).
  Each action is a page of its own (GET shows what it does, POST does it); the complaint's
  page shows the same forms.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from cpo_portal.accounts.decorators import office_required
from cpo_portal.accounts.models import OfficeRole
from cpo_portal.accounts.roles import has_office_role
from cpo_portal.forms import PortalForm
from cpo_portal.http import AuthenticatedRequest, PortalRequest
from cpo_portal.navigation import TodoItem
from cpo_portal.pagination import paginate
from cpo_portal.ratelimit import client_key, count_in_window

from ..forms.complaints import (
    ComplaintAcknowledgeForm,
    ComplaintCertificateForm,
    ComplaintDatesForm,
    ComplaintDecideForm,
    ComplaintFilterForm,
    ComplaintForm,
    ComplaintLinkForm,
    ComplaintNoteForm,
    ComplaintOptionalNoteForm,
    ComplaintSpecialAuditForm,
    ComplaintTakeForm,
)
from ..models import Complaint, ComplaintStatus
from ..selectors import complaints as selectors
from ..services import complaints as services

RECEIPT_SALT = "certification.complaints.receipt"
RATE_WINDOW = 3600


def _rate_limit() -> int:
    return int(getattr(settings, "COMPLAINT_RATE_LIMIT", 5))


def _over_limit(request: PortalRequest) -> int | None:
    """Count one post; the seconds to wait when the client sent too many this hour."""
    now = int(timezone.now().timestamp())
    key = f"rate:complaint:{client_key(request)}:{now // RATE_WINDOW}"
    if count_in_window(key, seconds=RATE_WINDOW + 5) > _rate_limit():
        return RATE_WINDOW - now % RATE_WINDOW or 1
    return None


def _too_many(request: PortalRequest, retry_after: int) -> HttpResponse:
    response = render(
        request,
        "certification/complaints/rate_limited.html",
        {"minutes": max(1, retry_after // 60)},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def _initial(request: PortalRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    return {"name": user.full_name, "email": user.email}


@require_http_methods(["GET", "POST"])
def complaint_new(request: PortalRequest) -> HttpResponseBase:
    """The public complaint form."""
    if request.method == "POST":
        retry_after = _over_limit(request)
        if retry_after is not None:
            return _too_many(request, retry_after)
        form = ComplaintForm(request.POST)
        if form.is_bot():
            # Answered like a success, nothing stored: see forms/complaints.py.
            return redirect("certification:complaint_received", token="-")
        if form.is_valid():
            try:
                complaint, _created = services.complaint_submit(
                    subject=form.cleaned_data["subject"],
                    description=form.cleaned_data["description"],
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    organization_name=form.cleaned_data["organization"],
                    subject_detail=form.subject_detail_text(),
                    certificate=form.certificate,
                    complainant=request.user if request.user.is_authenticated else None,
                    language=request.LANGUAGE_CODE,
                )
            except ValidationError as exc:
                form.refuse(exc)
            else:
                token = signing.dumps(complaint.reference, salt=RECEIPT_SALT)
                return redirect("certification:complaint_received", token=token)
    else:
        number = request.GET.get("certificate", "")[:30]
        subject = request.GET.get("about", "")[:20]
        form = ComplaintForm(
            initial={**_initial(request), "certificate_number": number, "subject": subject}
        )
    response = render(request, "certification/complaints/new.html", {"form": form})
    response["Cache-Control"] = "no-store"
    return response


def complaint_received(request: PortalRequest, token: str) -> HttpResponse:
    """The receipt: the reference (from a signed token, valid a day), and what happens next."""
    try:
        reference = signing.loads(token, salt=RECEIPT_SALT, max_age=24 * 60 * 60)
    except signing.BadSignature:
        reference = None
    response = render(request, "certification/complaints/received.html", {"reference": reference})
    response["Cache-Control"] = "no-store"
    return response


# --- The office ---------------------------------------------------------------------------------


@office_required
def office_complaints(request: AuthenticatedRequest) -> HttpResponse:
    """Every complaint, the open ones by due date first; filters by status, subject, overdue."""
    filter_form = ComplaintFilterForm(request.GET or None)
    filters = selectors.ComplaintFilter()
    if filter_form.is_valid():
        filters = selectors.ComplaintFilter(
            status=filter_form.cleaned_data["status"],
            subject=filter_form.cleaned_data["subject"],
            overdue=filter_form.cleaned_data["overdue"],
        )
    page = paginate(request, selectors.complaints_for_office(filters), per_page=50)
    return render(
        request,
        "certification/complaints/office_complaints.html",
        {
            "page": page,
            "complaints": list(page.object_list),
            "filter_form": filter_form,
            "today": timezone.localdate(),
            "open_statuses": selectors.OPEN,
        },
    )


def _complaint_or_404(pk: int) -> Complaint:
    complaint = selectors.complaint_for_office(pk)
    if complaint is None:
        raise Http404
    return complaint


# Each action: its form, the service that does it, and who may (the page offers it to them).
ACTIONS: dict[str, dict[str, Any]] = {
    "take": {"form": ComplaintTakeForm, "role": OfficeRole.REVIEWER},
    "acknowledge": {"form": ComplaintAcknowledgeForm, "role": OfficeRole.REVIEWER},
    "investigate": {"form": ComplaintOptionalNoteForm, "role": OfficeRole.REVIEWER},
    "note": {"form": ComplaintNoteForm, "role": OfficeRole.REVIEWER},
    "dates": {"form": ComplaintDatesForm, "role": OfficeRole.REVIEWER},
    "link": {"form": ComplaintLinkForm, "role": OfficeRole.REVIEWER},
    "special_audit": {"form": ComplaintSpecialAuditForm, "role": OfficeRole.REVIEWER},
    "suspend": {"form": ComplaintCertificateForm, "role": OfficeRole.CERTIFIER},
    "withdraw": {"form": ComplaintCertificateForm, "role": OfficeRole.CERTIFIER},
    "decide": {"form": ComplaintDecideForm, "role": OfficeRole.REVIEWER},
    "close": {"form": ComplaintOptionalNoteForm, "role": OfficeRole.REVIEWER},
}


def _form(action: str, data: Any = None, complaint: Complaint | None = None) -> PortalForm:
    form_class = ACTIONS[action]["form"]
    initial: dict[str, Any] = {}
    if complaint is not None and action == "dates":
        initial = {"acknowledge_by": complaint.acknowledge_by, "answer_by": complaint.answer_by}
    if complaint is not None and action == "link" and complaint.certificate is not None:
        initial = {"number": complaint.certificate.number}
    if form_class is ComplaintTakeForm:
        return ComplaintTakeForm(
            data, reviewers=selectors.office_reviewers(), prefix=action, initial=initial
        )
    form: PortalForm = form_class(data, prefix=action, initial=initial)
    return form


def _available(complaint: Complaint) -> set[str]:
    """The actions the complaint's status allows (the services hold the same rules)."""
    status = complaint.status
    open_ = status in selectors.OPEN
    actions: set[str] = set()
    if open_:
        actions |= {"take", "note", "dates", "link"}
        if complaint.certificate_id:
            actions |= {"special_audit", "suspend", "withdraw"}
    if status == ComplaintStatus.RECEIVED:
        actions.add("acknowledge")
    if status == ComplaintStatus.ACKNOWLEDGED:
        actions.add("investigate")
    if status in (ComplaintStatus.ACKNOWLEDGED, ComplaintStatus.INVESTIGATING):
        actions.add("decide")
    if status == ComplaintStatus.DECIDED:
        actions.add("close")
    return actions


def _perform(action: str, complaint: Complaint, data: dict[str, Any], by: Any) -> str:
    """Call the action's service; the message for the next page."""
    s = services
    if action == "take":
        s.complaint_take(complaint=complaint, handler=data["handler"], by=by)
        return _("The complaint's handler is recorded.")
    if action == "acknowledge":
        s.complaint_acknowledge(complaint=complaint, message=data["message"], by=by)
        return _("The complaint is acknowledged; the complainant has been told.")
    if action == "investigate":
        s.complaint_investigate(complaint=complaint, note=data["note"], by=by)
        return _("The investigation has started.")
    if action == "note":
        s.complaint_note(complaint=complaint, note=data["note"], by=by)
        return _("The note is recorded.")
    if action == "dates":
        s.complaint_dates_change(
            complaint=complaint,
            acknowledge_by=data["acknowledge_by"],
            answer_by=data["answer_by"],
            reason=data["reason"],
            by=by,
        )
        return _("The due dates are changed.")
    if action == "link":
        s.complaint_link(complaint=complaint, number=data["number"], by=by)
        return _("The link to the certificate is recorded.")
    if action == "special_audit":
        case = s.complaint_special_audit_open(
            complaint=complaint,
            window_start=data["window_start"],
            window_end=data["window_end"],
            by=by,
        )
        return _("Special audit #%(number)s opened; the company has been told.") % {
            "number": case.pk
        }
    if action == "suspend":
        s.complaint_certificate_suspend(complaint=complaint, reason=data["reason"], by=by)
        return _("The certificate is suspended.")
    if action == "withdraw":
        s.complaint_certificate_withdraw(complaint=complaint, reason=data["reason"], by=by)
        return _("The certificate is withdrawn.")
    if action == "decide":
        s.complaint_decide(
            complaint=complaint,
            outcome=data["outcome"],
            decision=data["decision"],
            answer=data["answer"],
            by=by,
        )
        return _("The complaint is decided; the answer has been sent to the complainant.")
    s.complaint_close(complaint=complaint, note=data["note"], by=by)
    return _("The complaint is closed.")


def _may(user: Any, action: str) -> bool:
    return has_office_role(user, ACTIONS[action]["role"])


@office_required
def office_complaint(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """One complaint: what was received, the due dates, its whole history and the actions
    the status allows, for those whose role takes them."""
    complaint = _complaint_or_404(pk)
    available = _available(complaint)
    forms = {
        action: _form(action, complaint=complaint)
        for action in ACTIONS
        if action in available and _may(request.user, action)
    }
    return render(
        request,
        "certification/complaints/office_complaint.html",
        {
            "complaint": complaint,
            "events": list(selectors.complaint_events(complaint)),
            "forms": forms,
            "today": timezone.localdate(),
            "due_on": complaint.acknowledge_by
            if complaint.status == ComplaintStatus.RECEIVED
            else complaint.answer_by,
            "is_open": complaint.status in selectors.OPEN,
            "reviewer": has_office_role(request.user, OfficeRole.REVIEWER),
            "certifier": has_office_role(request.user, OfficeRole.CERTIFIER),
        },
    )


@office_required
@require_http_methods(["GET", "POST"])
def office_complaint_action(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    """One action on a complaint: GET shows what it does, POST does it."""
    if action not in ACTIONS:
        raise Http404
    complaint = _complaint_or_404(pk)
    allowed = _may(request.user, action)
    form = _form(action, request.POST if request.method == "POST" else None, complaint)
    if request.method == "POST" and allowed and form.is_valid():
        try:
            message = _perform(action, complaint, form.cleaned_data, request.user)
        except ValidationError as exc:
            form.refuse(exc)
        else:
            messages.success(request, message)
            return redirect("certification:office_complaint", pk=complaint.pk)
    status = 200 if allowed else 403
    if request.method == "POST" and allowed:
        status = 400
    return render(
        request,
        "certification/complaints/office_action.html",
        {
            "complaint": complaint,
            "action": action,
            "form": form,
            "allowed": allowed,
            "available": action in _available(complaint),
            "role": ACTIONS[action]["role"].label,
        },
        status=status,
    )


def office_complaints_todo(request: Any, organization: Any = None) -> list[TodoItem]:
    """The office's to-do line for complaints: open ones, the oldest, the next due date."""
    queue = selectors.office_complaint_queue()
    if not queue.count:
        return []
    note = (
        ngettext("%(count)s overdue", "%(count)s overdue", queue.overdue) % {"count": queue.overdue}
        if queue.overdue
        else ""
    )
    return [
        TodoItem(
            key="complaints",
            label=_("Complaints to handle"),
            url=reverse("certification:office_complaints"),
            count=queue.count,
            oldest=queue.oldest,
            due_on=queue.due_on,
            overdue=bool(queue.overdue),
            note=note,
            order=35,
        )
    ]
