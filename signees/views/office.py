"""The CPO office's review of signees: the queue, the full record, and the decisions.

Decisions go through the services, which check the lifecycle edge, log and e-mail the
company; a refusal becomes a message on the record page, never an error page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cpo_portal.accounts.decorators import office_required
from cpo_portal.activity.selectors import activity_for_office
from cpo_portal.pagination import paginate

from ..forms_office import QueueFilterForm, ReasonForm
from ..models import Signee, SigneeReview, SigneeStatus
from ..selectors_office import (
    signee_countries_for_office,
    signee_for_office,
    signee_record_for_office,
    signees_for_office,
    warnings_for_office,
)
from ..services import signee_approve, signee_reject, signee_return, signee_unpublish

S = SigneeStatus


@dataclass(frozen=True)
class Decision:
    """One decision the office can take, and from which statuses it is offered.

    The service is the authority on what is allowed; `offered_from` only decides which
    forms the record page shows (tests keep it in step with the services' lifecycle).
    """

    name: str
    label: Promise
    help: Promise
    offered_from: tuple[str, ...]
    service: Callable[..., Signee]
    needs_reason: bool
    danger: bool = False


DECISIONS = {
    d.name: d
    for d in (
        Decision(
            "approve",
            gettext_lazy("Approve"),
            gettext_lazy("The signee appears on the public list; the company is told by e-mail."),
            (S.PENDING, S.UNPUBLISHED),
            signee_approve,
            needs_reason=False,
        ),
        Decision(
            "return",
            gettext_lazy("Return for changes"),
            gettext_lazy("The company corrects its details and submits again."),
            (S.PENDING,),
            signee_return,
            needs_reason=True,
        ),
        Decision(
            "reject",
            gettext_lazy("Reject"),
            gettext_lazy("The signature is refused; the company may sign again later."),
            (S.PENDING, S.CHANGES_REQUESTED),
            signee_reject,
            needs_reason=True,
            danger=True,
        ),
        Decision(
            "unpublish",
            gettext_lazy("Unpublish"),
            gettext_lazy("The signee is taken off the public list; it can be approved again."),
            (S.APPROVED,),
            signee_unpublish,
            needs_reason=True,
            danger=True,
        ),
    )
}


def _signee_or_404(pk: int) -> Signee:
    signee = signee_for_office(pk)
    if signee is None:
        raise Http404
    return signee


def _record_url(signee: Signee) -> str:
    return reverse("signees:office_detail", kwargs={"pk": signee.pk})


REVIEW_ACTIONS = {
    "sign": gettext_lazy("Signed again"),
    "approve": gettext_lazy("Approved"),
    "reject": gettext_lazy("Rejected"),
    "return": gettext_lazy("Returned for changes"),
    "resubmit": gettext_lazy("Resubmitted"),
    "unpublish": gettext_lazy("Unpublished"),
    "rereview": gettext_lazy("Back to review after a change"),
    "withdraw": gettext_lazy("Withdrawn"),
}


@dataclass(frozen=True)
class ReviewRow:
    review: SigneeReview
    action: str
    before: str
    after: str


def _status_label(value: str) -> str:
    return str(SigneeStatus(value).label) if value in SigneeStatus.values else value


def _review_row(review: SigneeReview) -> ReviewRow:
    return ReviewRow(
        review=review,
        action=str(REVIEW_ACTIONS.get(review.action, review.action)),
        before=_status_label(review.status_before),
        after=_status_label(review.status_after),
    )


@office_required
def signee_list(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET, country_codes=signee_countries_for_office())
    page = paginate(request, signees_for_office(form.filters()), per_page=50)
    signees = list(page.object_list)
    warnings = warnings_for_office(signees)
    return render(
        request,
        "signees/office/list.html",
        {
            "form": form,
            "page": page,
            "rows": [(s, warnings[s.pk]) for s in signees],
            "filtering": not form.is_default,
        },
    )


def _render_record(
    request: HttpRequest, signee: Signee, forms: dict[str, ReasonForm] | None = None
) -> HttpResponse:
    forms = forms or {}
    offered = [
        (d, forms.get(d.name) or (ReasonForm(action=d.name) if d.needs_reason else None))
        for d in DECISIONS.values()
        if signee.status in d.offered_from
    ]
    record = signee_record_for_office(signee)
    return render(
        request,
        "signees/office/detail.html",
        {
            "record": record,
            "signee": signee,
            "organization": record.organization,
            "reviews": [_review_row(r) for r in record.reviews],
            "activity": activity_for_office(organization=record.organization)[:20],
            "decisions": offered,
            "has_errors": any(f.errors for f in forms.values()),
        },
    )


@office_required
def signee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_record(request, _signee_or_404(pk))


def _success_message(decision: Decision, signee: Signee) -> str:
    name = signee.organization.legal_name
    if decision.name == "approve":
        approved = signee.approved_at
        since = date_format(timezone.localtime(approved), "SHORT_DATE_FORMAT") if approved else ""
        return _("%(name)s is approved and on the public list (signee since %(since)s).") % {
            "name": name,
            "since": since,
        }
    texts = {
        "return": _("%(name)s has been returned for changes; the company has been e-mailed."),
        "reject": _("%(name)s has been rejected; the company has been e-mailed."),
        "unpublish": _(
            "%(name)s has been taken off the public list; the company has been e-mailed."
        ),
    }
    return texts[decision.name] % {"name": name}


@office_required
@require_POST
def signee_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    decision = DECISIONS.get(action)
    if decision is None:
        raise Http404
    signee = _signee_or_404(pk)
    kwargs: dict[str, Any] = {"signee": signee, "by": request.user}
    if decision.needs_reason:
        form = ReasonForm(request.POST, action=decision.name)
        # A form no longer on the page (the status changed meanwhile) is left to the
        # service, which refuses the transition with a message.
        if not form.is_valid() and signee.status in decision.offered_from:
            return _render_record(request, signee, {decision.name: form})
        kwargs["reason"] = form.cleaned_data.get("reason", "")
    try:
        signee = decision.service(**kwargs)
    except ValidationError as exc:
        # DomainError and TransitionNotAllowed, e.g. another office user decided first.
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _success_message(decision, signee))
    return redirect(_record_url(signee))
