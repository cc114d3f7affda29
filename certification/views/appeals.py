"""Appeals (ISO/IEC 17065 §7.13): a client appeals a certification decision (refusal,
suspension, withdrawal, a finding) within the policy's period; a person who took no part in
the decision or the audit decides.

- The company (/o/<org_slug>/certification/appeals/…): members read its appeals and their
  history; owners and admins file an appeal against one of its own decisions and withdraw
  an open one (a confirmation page).
- The CPO office (/office/certification/appeals/…): every office member reads; a certifier
  names the impartial decider (the page lists the certifiers who cannot decide, and why),
  the decider decides, and a certifier takes the follow-up of an upheld appeal.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cpo_portal.accounts.decorators import office_required
from cpo_portal.accounts.models import OfficeRole
from cpo_portal.accounts.roles import has_office_role
from cpo_portal.http import AuthenticatedRequest, OrganizationRequest
from cpo_portal.navigation import TodoItem
from cpo_portal.pagination import paginate
from cpo_portal.tenancy.decorators import org_admin_required
from cpo_portal.tenancy.models import Organization

from ..forms.appeals import (
    AppealAssignForm,
    AppealDecideForm,
    AppealFollowUpForm,
    AppealForm,
    AppealWithdrawForm,
)
from ..models import Appeal, AppealStatus
from ..selectors import appeals as selectors
from ..selectors.deadlines import queue_of
from ..services import appeals as services
from ..services.certificates import certification_policy

PAGE_SIZE = 50
OPEN = (AppealStatus.FILED, AppealStatus.UNDER_REVIEW)


# --- The company -------------------------------------------------------------------------------


def _appeal_or_404(request: OrganizationRequest, appeal_id: int) -> Appeal:
    appeal = selectors.appeal_of_organization(request.organization, appeal_id)
    if appeal is None:
        raise Http404
    return appeal


def appeals(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """The organization's appeals, the latest first."""
    page = paginate(request, selectors.appeals_of_organization(request.organization))
    return render(
        request,
        "certification/appeals/list.html",
        {
            "organization": request.organization,
            "page": page,
            "appeals": list(page.object_list),
            "is_admin": request.membership.is_admin,
            "appeal_days": certification_policy().appeal_days,
        },
    )


@org_admin_required
def appeal_new(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """Appeal one of the organization's own decisions (the choice offers only those)."""
    policy = certification_policy()
    items = selectors.appealable_items(request.organization, appeal_days=policy.appeal_days)
    initial = {}
    for name in ("refusal", "suspension", "withdrawal", "finding", "other"):
        if request.GET.get(name):
            initial["item"] = f"{name}:{request.GET[name]}"
    form = AppealForm(
        request.POST if request.method == "POST" else None, items=items, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            appeal = services.appeal_file(
                organization=request.organization,
                item=form.cleaned_data["item"],
                grounds=form.cleaned_data["grounds"],
                by=request.user,
            )
        except ValidationError as exc:
            form.refuse(exc)
        else:
            messages.success(
                request,
                _(
                    "Your appeal %(reference)s is filed. A certifier who took no part in the "
                    "decision decides it by %(date)s."
                )
                % {
                    "reference": appeal.reference,
                    "date": date_format(appeal.due_on, "DATE_FORMAT"),
                },
            )
            return redirect(
                "certification:appeal", org_slug=request.organization.slug, appeal_id=appeal.pk
            )
    context = {
        "organization": request.organization,
        "form": form,
        "items": items,
        "appeal_days": policy.appeal_days,
    }
    status = 422 if form.errors else 200
    return render(request, "certification/appeals/new.html", context, status=status)


def appeal(request: OrganizationRequest, org_slug: str, appeal_id: int) -> HttpResponse:
    """One appeal: what it is against, the grounds, its history; the outcome once decided."""
    found = _appeal_or_404(request, appeal_id)
    return render(
        request,
        "certification/appeals/detail.html",
        {
            "organization": request.organization,
            "appeal": found,
            "events": selectors.events_of_appeal(found),
            "can_withdraw": request.membership.is_admin and found.status in OPEN,
        },
    )


@org_admin_required
def appeal_withdraw(request: OrganizationRequest, org_slug: str, appeal_id: int) -> HttpResponse:
    """Withdraw an open appeal: a confirmation page (GET), the step (POST)."""
    found = _appeal_or_404(request, appeal_id)
    form = AppealWithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.appeal_withdraw(
                appeal=found, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Your appeal is withdrawn."))
            return redirect(
                "certification:appeal", org_slug=request.organization.slug, appeal_id=found.pk
            )
    context = {"organization": request.organization, "appeal": found, "form": form}
    status = 422 if form.errors else 200
    return render(request, "certification/appeals/withdraw.html", context, status=status)


# --- The office --------------------------------------------------------------------------------


def _office_appeal_or_404(appeal_id: int) -> Appeal:
    found = selectors.appeal_for_office(appeal_id)
    if found is None:
        raise Http404
    return found


@office_required
def office_appeals(request: AuthenticatedRequest) -> HttpResponse:
    """Every appeal (filter: open, or one status), the latest first."""
    status = request.GET.get("status", "")
    page = paginate(request, selectors.appeals_for_office(status), per_page=PAGE_SIZE)
    return render(
        request,
        "certification/appeals/office_list.html",
        {
            "page": page,
            "appeals": list(page.object_list),
            "status": status,
            "statuses": AppealStatus.choices,
            "today": timezone.localdate(),
        },
    )


def _office_page(
    request: AuthenticatedRequest,
    found: Appeal,
    *,
    decide_form: AppealDecideForm | None = None,
    follow_up_form: AppealFollowUpForm | None = None,
) -> HttpResponse:
    certifier = has_office_role(request.user, OfficeRole.CERTIFIER)
    is_decider = found.decider_id == request.user.pk and found.status == AppealStatus.UNDER_REVIEW
    offered = services.follow_ups_offered(found)
    context: dict[str, Any] = {
        "appeal": found,
        "organization": found.organization,
        "events": selectors.events_of_appeal(found),
        "is_certifier": certifier,
        "can_assign": certifier and found.status in OPEN,
        "is_decider": is_decider,
        "decide_form": decide_form or AppealDecideForm(),
        "follow_up_form": follow_up_form or AppealFollowUpForm(offered=offered),
        "can_follow_up": certifier and bool(offered),
        "impartiality": selectors.appeal_impartiality_refusal(found, request.user),
    }
    errors = (decide_form and decide_form.errors) or (follow_up_form and follow_up_form.errors)
    return render(
        request, "certification/appeals/office_detail.html", context, status=422 if errors else 200
    )


@office_required
def office_appeal(request: AuthenticatedRequest, appeal_id: int) -> HttpResponse:
    return _office_page(request, _office_appeal_or_404(appeal_id))


@office_required
def office_appeal_assign(request: AuthenticatedRequest, appeal_id: int) -> HttpResponse:
    """Name the decider: only impartial certifiers are offered, the others listed with why."""
    found = _office_appeal_or_404(appeal_id)
    options = selectors.decider_options(found)
    form = AppealAssignForm(request.POST if request.method == "POST" else None, options=options)
    if request.method == "POST" and form.is_valid():
        chosen = next((o.user for o in options if o.user.pk == form.cleaned_data["decider"]), None)
        try:
            if chosen is None:
                raise ValidationError(_("Choose a certifier."))
            services.appeal_assign(appeal=found, decider=chosen, by=request.user)
        except ValidationError as exc:
            form.refuse(exc)
        else:
            messages.success(
                request,
                _("%(person)s decides the appeal and is told.") % {"person": chosen.public_name},
            )
            return redirect("certification:office_appeal", appeal_id=found.pk)
    context = {
        "appeal": found,
        "organization": found.organization,
        "form": form,
        "eligible": [o for o in options if o.eligible],
        "ineligible": [o for o in options if not o.eligible],
        "is_certifier": has_office_role(request.user, OfficeRole.CERTIFIER),
        "can_assign": found.status in OPEN,
    }
    status = 422 if form.errors else 200
    return render(request, "certification/appeals/office_assign.html", context, status=status)


@office_required
@require_POST
def office_appeal_decide(request: AuthenticatedRequest, appeal_id: int) -> HttpResponse:
    found = _office_appeal_or_404(appeal_id)
    form = AppealDecideForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_decide(
                appeal=found,
                outcome=form.cleaned_data["outcome"],
                reasons=form.cleaned_data["reasons"],
                by=request.user,
            )
        except ValidationError as exc:
            form.refuse(exc)
        else:
            messages.success(
                request, _("The appeal is decided; the company and the office are told.")
            )
            return redirect("certification:office_appeal", appeal_id=found.pk)
    return _office_page(request, found, decide_form=form)


@office_required
def office_appeal_follow_up(request: AuthenticatedRequest, appeal_id: int) -> HttpResponse:
    """The follow-up of an upheld appeal: a confirmation page (GET), the step (POST)."""
    found = _office_appeal_or_404(appeal_id)
    offered = services.follow_ups_offered(found)
    form = AppealFollowUpForm(
        request.POST if request.method == "POST" else None,
        offered=offered,
        initial={"action": offered[0]} if offered else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.appeal_follow_up(
                appeal=found,
                action=form.cleaned_data["action"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("The follow-up is done and recorded on the appeal."))
            return redirect("certification:office_appeal", appeal_id=found.pk)
    context = {
        "appeal": found,
        "organization": found.organization,
        "form": form,
        "offered": offered,
        "is_certifier": has_office_role(request.user, OfficeRole.CERTIFIER),
    }
    status = 422 if form.errors else 200
    return render(request, "certification/appeals/office_follow_up.html", context, status=status)


# --- To-do lists (registered in apps.py) ---------------------------------------------------------


def office_appeal_todo(request: HttpRequest, organization: Any = None) -> list[TodoItem]:
    """The office's queue of appeals waiting for a decider or a decision (one query); no
    line while none waits."""
    queue = queue_of(selectors.office_appeal_queue(), "filed_at")
    if not queue.count:
        return []
    return [
        TodoItem(
            key="appeals",
            label=_("Appeals to decide"),
            url=reverse("certification:office_appeals") + "?status=open",
            count=queue.count,
            oldest=queue.oldest,
            order=45,
        )
    ]


def organization_appeal_todo(request: HttpRequest, organization: Organization) -> list[TodoItem]:
    """The organization's open appeals, each with the date its decision is due."""
    rows = selectors.open_appeals_of_organization(organization)
    if not rows:
        return []
    return [
        TodoItem(
            key="appeals",
            label=ngettext(
                "%(count)s appeal awaits the decision of the CPO office",
                "%(count)s appeals await the decision of the CPO office",
                len(rows),
            )
            % {"count": len(rows)},
            url=reverse("certification:appeals", kwargs={"org_slug": organization.slug}),
            count=len(rows),
            due_on=min(a.due_on for a in rows),
            oldest=min(a.filed_at for a in rows),
            order=90,
        )
    ]
