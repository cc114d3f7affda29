"""Evaluation planning: the audit plan and objections to auditors, for three audiences.

- The CPO office (/office/certification/<pk>/plan/…): every office member reads the plan,
  its versions and objections; reviewers draft, send and decide objections. The queue of
  objections awaiting a decision is /office/certification/objections/.
- The auditors (/audit/<pk>/plan/…): the team reads the plan; the lead auditor drafts and
  sends it. An audit the user is not actively assigned to is a 404.
- The company (/o/<org_slug>/certification/<pk>/plan/…): members read the plan in force and
  the earlier versions; owners and admins confirm it or object to an auditor.

The draft editor and the send confirmation are the same pages for the office and the lead
auditor (`_editor`, `_send`), with each audience's links. Writes go through the services;
a refusal becomes a form error or a message, a stale save of the draft a 409 with both
values.
"""

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from cpo_portal.accounts.decorators import auditor_required, office_required
from cpo_portal.accounts.models import OfficeRole, User
from cpo_portal.accounts.roles import has_office_role
from cpo_portal.errors import DomainError
from cpo_portal.forms import Conflict, error_text
from cpo_portal.http import AuthenticatedRequest, OrganizationRequest
from cpo_portal.pagination import paginate
from cpo_portal.tenancy.decorators import org_admin_required
from criteria.models import SubjectArea

from ..duration import Duration, audit_duration
from ..forms.plans import (
    ObjectionDecideForm,
    ObjectionForm,
    PlanConfirmForm,
    PlanForm,
    PlanItemFormSet,
    PlanSendForm,
    item_initial,
)
from ..models import (
    Application,
    AssignmentStatus,
    AuditorObjection,
    AuditPlan,
    ObjectionStatus,
    PlanStatus,
)
from ..selectors import plans as selectors
from ..selectors.auditors import assignments_of
from ..selectors.audits import audit_for_auditor
from ..services import plans as services
from ..services.certificates import certification_policy
from .applications import (
    case_url,
    is_admin,
    office_application_or_404,
    organization_application_or_404,
)

OFFICE = "office"
AUDIT = "audit"

# --- What every plan page shows ---------------------------------------------------------------


@dataclass(frozen=True)
class PlanRow:
    """A version of the plan with what the rule gives for it and the team to show (the team
    recorded when it was sent; for a draft, the team as it is)."""

    plan: AuditPlan
    rule: Duration
    team: list[dict[str, Any]]


def _area_count(application: Application) -> int:
    return SubjectArea.objects.filter(scheme_id=application.scheme_id).count()


def _team_now(application: Application) -> list[dict[str, Any]]:
    active = [a for a in assignments_of(application) if a.status == AssignmentStatus.ACTIVE]
    return services.team_snapshot(active)


def _row(
    plan: AuditPlan,
    application: Application,
    area_count: int,
    team_now: list[dict[str, Any]] | None,
) -> PlanRow:
    rule = audit_duration(
        scheme_kind=application.kind, site_count=plan.site_count, area_count=area_count
    )
    team = plan.team if plan.status != PlanStatus.DRAFT else (team_now or [])
    return PlanRow(plan=plan, rule=rule, team=team)


def _rows(application: Application, plans: list[AuditPlan]) -> list[PlanRow]:
    count = _area_count(application)
    team_now = _team_now(application) if any(p.status == PlanStatus.DRAFT for p in plans) else []
    return [_row(plan, application, count, team_now) for plan in plans]


def _versions(application: Application, *, with_draft: bool) -> dict[str, Any]:
    """The plan in force, the draft and the earlier versions, as the plan pages list them."""
    rows = _rows(application, selectors.plans_of(application, with_draft=with_draft))
    in_force = next((r for r in rows if r.plan.status in selectors.IN_FORCE), None)
    draft = next((r for r in rows if r.plan.status == PlanStatus.DRAFT), None)
    earlier = [r for r in rows if r.plan.status == PlanStatus.SUPERSEDED]
    objections = [o for r in rows for o in r.plan.objections.all()]
    return {
        "in_force": in_force,
        "draft": draft,
        "earlier": earlier,
        "objections": sorted(objections, key=lambda o: (o.raised_at, o.pk)),
        "pending": [o for o in objections if o.status == ObjectionStatus.PENDING],
    }


@dataclass(frozen=True)
class Links:
    """Where the planning pages of one audience are."""

    audience: str
    page: str
    draft: str
    send: str
    back: str

    def objection(self, objection: AuditorObjection) -> str:
        return reverse(
            "certification:office_objection",
            kwargs={"pk": objection.plan.application_id, "objection_id": objection.pk},
        )


def _links(application: Application, audience: str) -> Links:
    pk = {"pk": application.pk}
    if audience == OFFICE:
        return Links(
            audience,
            page=reverse("certification:office_plan", kwargs=pk),
            draft=reverse("certification:office_plan_draft", kwargs=pk),
            send=reverse("certification:office_plan_send", kwargs=pk),
            back=reverse("certification:office_application", kwargs=pk),
        )
    return Links(
        audience,
        page=reverse("certification:audit_plan", kwargs=pk),
        draft=reverse("certification:audit_plan_draft", kwargs=pk),
        send=reverse("certification:audit_plan_send", kwargs=pk),
        back=reverse("certification:audit", kwargs=pk),
    )


def _base(application: Application, links: Links, user: User) -> dict[str, Any]:
    planner = services.is_planner(application, user)
    return {
        "application": application,
        "organization": application.organization,
        "links": links,
        "is_office": links.audience == OFFICE,
        "can_plan": planner and application.status in services.PLAN_STATES,
        "is_reviewer": has_office_role(user, OfficeRole.REVIEWER),
    }


# --- The office and the auditors: the plan page -----------------------------------------------


def _plan_page(request: AuthenticatedRequest, application: Application, audience: str) -> Any:
    links = _links(application, audience)
    context = _base(application, links, request.user)
    context.update(_versions(application, with_draft=True))
    template = "office_plan.html" if audience == OFFICE else "audit_plan.html"
    return render(request, f"certification/plans/{template}", context)


@office_required
def office_plan(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The case's plan: the version in force, the draft, earlier versions, objections."""
    return _plan_page(request, office_application_or_404(pk), OFFICE)


def _audit_or_404(request: AuthenticatedRequest, pk: int) -> Application:
    application = audit_for_auditor(request.user, pk)
    if application is None:
        raise Http404
    return application


@auditor_required
def audit_plan(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The audit team reads the plan; the lead auditor prepares it."""
    return _plan_page(request, _audit_or_404(request, pk), AUDIT)


# --- The draft editor ---------------------------------------------------------------------


def _choices(application: Application) -> dict[str, list[tuple[Any, Any]]]:
    areas = SubjectArea.objects.filter(scheme_id=application.scheme_id).order_by("position")
    active = [a for a in assignments_of(application) if a.status == AssignmentStatus.ACTIVE]
    return {
        "areas": [(area.pk, str(area)) for area in areas],
        "team": [(a.auditor_id, f"{a.auditor} ({a.get_role_display()})") for a in active],
    }


def _conflict(form: PlanForm, exc: services.PlanConflict) -> Conflict:
    """Both values of every field that differs, and who saved the newer draft."""
    values = form.cleaned_data
    fields = [
        name
        for name in PlanForm.COMPARED
        if values.get(name) not in (None, "") or getattr(exc.current, name) not in (None, "")
        if values.get(name) != getattr(exc.current, name)
    ]
    conflict = form.conflict_with(exc.current, fields)
    return replace(conflict, who=str(exc.current.updated_by or ""))


def _start(request: AuthenticatedRequest, application: Application, links: Links) -> HttpResponse:
    try:
        services.plan_draft(application=application, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(links.page)
    messages.success(request, _("The draft of the plan is ready: check it and send it."))
    return redirect(links.draft)


def _discard(request: AuthenticatedRequest, draft: AuditPlan, links: Links) -> HttpResponse:
    try:
        services.plan_discard(plan=draft, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(links.draft)
    messages.success(request, _("The draft is discarded."))
    return redirect(links.page)


def _editor(request: AuthenticatedRequest, application: Application, audience: str) -> Any:
    links = _links(application, audience)
    context = _base(application, links, request.user)
    draft = selectors.draft_plan_of(application)
    if request.method == "POST" and context["can_plan"]:
        if "start" in request.POST:
            return _start(request, application, links)
        if draft is not None and "discard" in request.POST:
            return _discard(request, draft, links)
    if draft is None or not context["can_plan"]:
        rows = _rows(application, [draft]) if draft else []
        context["draft"] = rows[0] if rows else None
        return render(request, "certification/plans/edit.html", context)
    choices = _choices(application)
    posted = request.POST if request.method == "POST" else None
    form = PlanForm(posted, plan=draft)
    formset = PlanItemFormSet(
        posted, initial=None if posted else item_initial(draft), form_kwargs=choices
    )
    conflict = None
    if posted is not None and form.is_valid() and formset.is_valid():
        try:
            saved = services.plan_save(
                plan=draft,
                values=form.values(),
                items=formset.items(),
                expected_version=form.expected_version(),
                by=request.user,
            )
        except services.PlanConflict as exc:
            conflict = _conflict(form, exc)
        except DomainError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("The draft is saved."))
            for warning in saved.warnings:
                messages.warning(request, warning)
            return redirect(links.send if "send" in request.POST else links.draft)
    context.update(
        {
            "draft": _rows(application, [draft])[0],
            "form": form,
            "formset": formset,
            "conflict": conflict,
            "warnings": services.date_warnings(application, draft.start_date, draft.end_date),
        }
    )
    status = 409 if conflict else (422 if posted is not None else 200)
    return render(request, "certification/plans/edit.html", context, status=status)


@office_required
def office_plan_draft(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The draft: dates, mode, sites, method, duration and the agenda (reviewers edit)."""
    return _editor(request, office_application_or_404(pk), OFFICE)


@auditor_required
def audit_plan_draft(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The draft, edited by the lead auditor (the co-auditors read it)."""
    return _editor(request, _audit_or_404(request, pk), AUDIT)


# --- Sending (a confirmation page) ----------------------------------------------------------------


def _send(request: AuthenticatedRequest, application: Application, audience: str) -> Any:
    links = _links(application, audience)
    context = _base(application, links, request.user)
    draft = selectors.draft_plan_of(application)
    if draft is None or not context["can_plan"]:
        messages.error(request, _("There is no draft of the plan to send."))
        return redirect(links.page)
    later = services.previous_versions_exist(draft)
    form = PlanSendForm(request.POST if request.method == "POST" else None, later=later)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_send(
                plan=draft, by=request.user, change_note=form.cleaned_data.get("change_note", "")
            )
        except ValidationError as exc:
            form.refuse(exc)
        else:
            messages.success(
                request,
                _("Version %(number)s of the plan is sent to the company and the audit team.")
                % {"number": draft.number},
            )
            return redirect(links.page)
    days = certification_policy().objection_days
    context.update(
        {
            "draft": _rows(application, [draft])[0],
            "form": form,
            "later": later,
            "objection_deadline": timezone.localdate() + timedelta(days=days),
            "refusal": services.plan_send_refusal(draft),
        }
    )
    return render(
        request, "certification/plans/send.html", context, status=422 if form.errors else 200
    )


@office_required
def office_plan_send(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _send(request, office_application_or_404(pk), OFFICE)


@auditor_required
def audit_plan_send(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _send(request, _audit_or_404(request, pk), AUDIT)


# --- The office decides objections --------------------------------------------------------------


@office_required
def office_objections(request: AuthenticatedRequest) -> HttpResponse:
    """Objections to auditors awaiting the office's decision, the oldest first."""
    with scopes_disabled():
        page = paginate(request, selectors.office_objection_queue(), per_page=50)
        objections = list(page.object_list)
    return render(
        request,
        "certification/plans/office_objections.html",
        {"page": page, "objections": objections, "today": timezone.localdate()},
    )


@office_required
def office_objection(request: AuthenticatedRequest, pk: int, objection_id: int) -> HttpResponse:
    """One objection: the plan, the auditor, the company's reason; a reviewer decides."""
    application = office_application_or_404(pk)
    objection = selectors.objection_of_application(application, objection_id)
    if objection is None:
        raise Http404
    reviewer = has_office_role(request.user, OfficeRole.REVIEWER)
    form = ObjectionDecideForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and reviewer and form.is_valid():
        decide = (
            services.objection_uphold
            if form.cleaned_data["decision"] == "uphold"
            else services.objection_dismiss
        )
        try:
            decided = decide(
                objection=objection, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as exc:
            form.refuse(exc)
        else:
            if decided.status == ObjectionStatus.UPHELD:
                messages.success(
                    request,
                    _(
                        "The objection is upheld and %(auditor)s's assignment ended. Assign "
                        "another auditor, then send a revised plan."
                    )
                    % {"auditor": objection.assignment.auditor},
                )
                return redirect("certification:office_application", pk=application.pk)
            messages.success(request, _("The objection is dismissed; the company is told why."))
            return redirect("certification:office_plan", pk=application.pk)
    version = selectors.plan_version_of(application, objection.plan.number)
    assert version is not None  # an objection is raised to a plan sent
    context = {
        "application": application,
        "organization": application.organization,
        "objection": objection,
        "row": _rows(application, [version])[0],
        "form": form,
        "is_reviewer": reviewer,
        "due_on": selectors.objection_due_on(application, objection),
    }
    status = 422 if form.errors else 200
    return render(request, "certification/plans/office_objection.html", context, status=status)


# --- The company ------------------------------------------------------------------------------


def _company(request: OrganizationRequest, application: Application) -> dict[str, Any]:
    context = _versions(application, with_draft=False)
    plan = context["in_force"].plan if context["in_force"] else None
    admin = is_admin(request)
    window = plan is not None and services.objection_window_open(plan)
    return {
        "organization": request.organization,
        "application": application,
        "is_admin": admin,
        "can_confirm": admin and plan is not None and plan.status == PlanStatus.SENT,
        "can_object": admin and window,
        "window_open": window,
        **context,
    }


def plan(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    """The plan in force, its confirmation and objections, and the earlier versions."""
    application = organization_application_or_404(request, pk)
    return render(request, "certification/plans/plan.html", _company(request, application))


def plan_version(request: OrganizationRequest, org_slug: str, pk: int, number: int) -> HttpResponse:
    """One version of the plan as it was sent (a draft is the office's, not the company's)."""
    application = organization_application_or_404(request, pk)
    version = selectors.plan_version_of(application, number)
    if version is None:
        raise Http404
    context = {
        "organization": request.organization,
        "application": application,
        "row": _rows(application, [version])[0],
    }
    return render(request, "certification/plans/version.html", context)


def _in_force_or_redirect(
    request: OrganizationRequest, application: Application
) -> AuditPlan | HttpResponse:
    in_force = selectors.plan_of(application)
    if in_force is None:
        messages.error(request, _("No audit plan has been sent to you yet."))
        return redirect(case_url("plan", application))
    return in_force


@org_admin_required
def plan_confirm(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    """Confirm the plan in force and its team (a confirmation page: it cannot be undone)."""
    application = organization_application_or_404(request, pk)
    in_force = _in_force_or_redirect(request, application)
    if isinstance(in_force, HttpResponse):
        return in_force
    if in_force.status != PlanStatus.SENT:
        messages.info(request, _("This plan is confirmed already."))
        return redirect(case_url("plan", application))
    form = PlanConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_confirm(plan=in_force, by=request.user)
        except ValidationError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("You confirmed the audit plan; the auditors are told."))
            return redirect(case_url("plan", application))
    context = {
        "organization": request.organization,
        "application": application,
        "row": _rows(application, [in_force])[0],
        "form": form,
    }
    status = 422 if form.errors else 200
    return render(request, "certification/plans/confirm.html", context, status=status)


@org_admin_required
def plan_object(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    """Object to one auditor of the plan in force, with a reason, until the deadline."""
    application = organization_application_or_404(request, pk)
    in_force = _in_force_or_redirect(request, application)
    if isinstance(in_force, HttpResponse):
        return in_force
    team = services.team_assignments(in_force)
    form = ObjectionForm(request.POST if request.method == "POST" else None, team=team)
    if request.method == "POST" and form.is_valid():
        chosen = next((a for a in team if a.pk == form.cleaned_data["assignment"]), None)
        try:
            if chosen is None:
                raise DomainError(_("This auditor is not on the plan."))
            services.objection_raise(
                plan=in_force,
                assignment=chosen,
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as exc:
            form.refuse(exc)
        else:
            messages.success(
                request,
                _("Your objection to %(auditor)s is sent to the CPO office, which decides it.")
                % {"auditor": chosen.auditor},
            )
            return redirect(case_url("plan", application))
    context = {
        "organization": request.organization,
        "application": application,
        "plan": in_force,
        "form": form,
        "window_open": services.objection_window_open(in_force),
    }
    status = 422 if form.errors else 200
    return render(request, "certification/plans/object.html", context, status=status)
