"""Deadlines: the office's list of open deadlines, the process policy page, and the to-do
lists of certification (the office's queues, what a company must do next, the reports an
auditor owes), which the floor's pages show through cpo_portal/navigation.py.

The to-do providers are registered in apps.py; each keeps its queries bounded (a count and
the oldest row per queue), so the office's start page costs the same with a thousand cases
as with one.
"""

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cpo_portal.accounts.decorators import office_required
from cpo_portal.accounts.models import OfficeRole
from cpo_portal.accounts.roles import has_office_role
from cpo_portal.errors import DomainError
from cpo_portal.http import AuthenticatedRequest
from cpo_portal.navigation import TodoItem
from cpo_portal.pagination import paginate
from cpo_portal.tenancy.models import Organization

from ..forms.deadlines import DeadlineFilterForm, PolicyForm
from ..models import DeadlineKind
from ..selectors import agreements as agreement_selectors
from ..selectors.auditors import office_qualification_queue
from ..selectors.deadlines import (
    Queue,
    auditor_report_queue,
    certificate_attention_queue,
    deadline_rows,
    office_queues,
    open_deadlines_for_office,
    organization_todo,
    queue_of,
    today,
)
from ..selectors.plans import office_objection_queue
from ..services.certificates import certification_policy
from ..services.deadlines import POLICY_FIELDS, PolicyChanged, certification_policy_update

PAGE_SIZE = 50
K = DeadlineKind


# --- The office's open deadlines ---------------------------------------------------------------


@office_required
def office_deadlines(request: AuthenticatedRequest) -> HttpResponse:
    form = DeadlineFilterForm(request.GET or None)
    filters = form.filters()
    on = today()
    page = paginate(request, open_deadlines_for_office(filters, on=on), per_page=PAGE_SIZE)
    return render(
        request,
        "certification/deadlines/office_list.html",
        {
            "form": form,
            "page": page,
            "rows": deadline_rows(page.object_list, on=on),
            "filtering": filters.active,
            "today": on,
        },
    )


# --- The process policy ------------------------------------------------------------------------


@office_required
def office_policy(request: AuthenticatedRequest) -> HttpResponse:
    """Every office member reads the policy; the office administrator changes it."""
    policy = certification_policy()
    may_change = has_office_role(request.user, OfficeRole.ADMINISTRATOR)
    conflict = None
    if request.method == "POST" and may_change:
        form = PolicyForm(request.POST, instance=policy)
        if form.is_valid():
            try:
                certification_policy_update(
                    values=form.values(), based_on=form.based_on_time(), by=request.user
                )
            except PolicyChanged as exc:
                conflict = _policy_conflict(form, exc.current)
                # The same values, on top of the version now saved: saving again keeps them.
                data = request.POST.copy()
                data["based_on"] = exc.current.updated_at.isoformat()
                form = PolicyForm(data, instance=policy)
                form.is_valid()
                form.add_error(None, exc.messages)
            except DomainError as exc:
                form.refuse(exc)
            else:
                messages.success(
                    request,
                    _(
                        "The policy is saved. It applies to the steps that begin from now on; "
                        "open deadlines keep their dates."
                    ),
                )
                return redirect(reverse("certification:office_certification_policy"))
        status = 409 if conflict else 200
    else:
        form = PolicyForm(instance=policy)
        status = 200
    return render(
        request,
        "certification/deadlines/office_policy.html",
        {
            "form": form,
            "policy": policy,
            "may_change": may_change,
            "conflict": conflict,
            "day_fields": [
                form[name]
                for name in POLICY_FIELDS
                if name != "suspend_products_with_organizational"
            ],
            "role": OfficeRole.ADMINISTRATOR,
        },
        status=status,
    )


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _policy_conflict(form: PolicyForm, current: Any) -> list[tuple[str, str, str]]:
    """The settings that differ between the unsaved form and the saved policy."""
    rows = []
    for name in POLICY_FIELDS:
        yours, theirs = form.cleaned_data.get(name), getattr(current, name)
        if yours != theirs:
            rows.append((str(form.fields[name].label), _shown(yours), _shown(theirs)))
    return rows


# --- To-do lists (cpo_portal/navigation.py) -----------------------------------------------------


def _url(name: str, query: str = "") -> str:
    return reverse(name) + (f"?{query}" if query else "")


def _item(key: str, label: str, url: str, queue: Queue, order: int, **extra: Any) -> TodoItem:
    return TodoItem(
        key=key,
        label=label,
        url=url,
        count=queue.count,
        oldest=queue.oldest,
        due_on=queue.due_on,
        overdue=bool(queue.overdue),
        order=order,
        **extra,
    )


def _late_note(count: int) -> str:
    if not count:
        return ""
    return ngettext("%(count)s overdue", "%(count)s overdue", count) % {"count": count}


def office_todo(request: HttpRequest, organization: Any = None) -> list[TodoItem]:
    """The office's queues of certification, each with its count and oldest row."""
    on = today()
    queues = office_queues(on=on)
    objections = queue_of(office_objection_queue(), "raised_at")
    objection_deadlines = queues.by_kind.get(K.OBJECTION, Queue(0))
    qualifications = queue_of(office_qualification_queue(), "applied_at")
    awaiting = agreement_selectors.organizations_awaiting_acceptance()
    certificates = certificate_attention_queue(on=on)
    return [
        _item(
            "applications",
            _("Applications to review"),
            _url("certification:office_applications", "status=submitted"),
            queues.submitted,
            20,
        ),
        _item(
            "objections",
            _("Objections to auditors to decide"),
            _url("certification:office_objections"),
            Queue(
                objections.count,
                objections.oldest,
                objection_deadlines.due_on,
                objection_deadlines.overdue,
            ),
            30,
            note=_late_note(objection_deadlines.overdue),
        ),
        _item(
            "decisions",
            _("Decisions waiting (audit report submitted)"),
            _url("certification:office_applications", "status=report_submitted"),
            queues.decisions,
            40,
            note=_late_note(queues.decisions.overdue),
        ),
        _item(
            "overdue",
            _("Overdue steps"),
            _url("certification:office_deadlines", "overdue=on"),
            queues.overdue,
            50,
            note=", ".join(
                f"{K(kind).label}: {queue.overdue}"
                for kind, queue in sorted(queues.by_kind.items())
                if queue.overdue
            ),
        ),
        _item(
            "certificates",
            _("Certificates needing attention"),
            _url("certification:office_certificates_attention"),
            certificates,
            60,
            note=ngettext(
                "%(count)s surveillance audit overdue",
                "%(count)s surveillance audits overdue",
                certificates.overdue,
            )
            % {"count": certificates.overdue}
            if certificates.overdue
            else "",
        ),
        _item(
            "qualifications",
            _("Auditor qualifications awaiting a decision"),
            _url("certification:office_qualification_queue"),
            qualifications,
            70,
        ),
        _item(
            "agreements",
            _("Organizations yet to accept the certification agreement"),
            _url("certification:office_agreements"),
            Queue(awaiting.count, awaiting.oldest),
            80,
        ),
    ]


def organization_todo_items(request: HttpRequest, organization: Organization) -> list[TodoItem]:
    """What the company must do next in certification, each with its due date."""
    on = today()
    todo = organization_todo(organization, on=on)
    slug = organization.slug
    items: list[TodoItem] = []
    for row in todo.of_kind(K.SELF_ASSESSMENT):
        if row.application is None:
            continue
        items.append(
            TodoItem(
                key=f"self-assessment-{row.application.pk}",
                label=_("Submit the self-assessment of application #%(number)s")
                % {"number": row.application.pk},
                url=reverse(
                    "certification:self_assessment",
                    kwargs={"org_slug": slug, "pk": row.application.pk},
                ),
                due_on=row.deadline.due_on,
                overdue=row.overdue,
                oldest=row.deadline.opened_at,
                order=10,
            )
        )
    findings = defaultdict(list)
    for row in todo.of_kind(K.FINDING_ANSWER):
        if row.application is not None:
            findings[row.application].append(row)
    for application, rows in findings.items():
        items.append(
            TodoItem(
                key=f"findings-{application.pk}",
                label=ngettext(
                    "Answer %(count)s finding of application #%(number)s",
                    "Answer %(count)s findings of application #%(number)s",
                    len(rows),
                )
                % {"count": len(rows), "number": application.pk},
                url=reverse(
                    "certification:application", kwargs={"org_slug": slug, "pk": application.pk}
                )
                + "#findings",
                count=len(rows),
                due_on=min(row.deadline.due_on for row in rows),
                overdue=any(row.overdue for row in rows),
                oldest=min(row.deadline.opened_at for row in rows),
                order=20,
            )
        )
    # clarifications: the auditors' questions awaiting an answer, on top of the list.
    for row in todo.of_kind(K.CLARIFICATION):
        if row.application is None or row.deadline.clarification_id is None:
            continue
        items.append(
            TodoItem(
                key=f"clarification-{row.deadline.clarification_id}",
                label=_("Answer the auditor's question on application #%(number)s")
                % {"number": row.application.pk},
                url=reverse(
                    "certification:clarification",
                    kwargs={
                        "org_slug": slug,
                        "pk": row.application.pk,
                        "cid": row.deadline.clarification_id,
                    },
                ),
                due_on=row.deadline.due_on,
                overdue=row.overdue,
                oldest=row.deadline.opened_at,
                order=5,
            )
        )
    items.extend(_agreement_items(organization, todo.of_kind(K.AGREEMENT)))
    for plan in todo.plans:
        items.append(
            TodoItem(
                key=f"plan-{plan.application_id}",
                label=_(
                    "Confirm the audit plan of application #%(number)s, or object to an auditor"
                )
                % {"number": plan.application_id},
                url=reverse(
                    "certification:plan", kwargs={"org_slug": slug, "pk": plan.application_id}
                ),
                due_on=plan.objection_deadline,
                overdue=bool(plan.objection_deadline and plan.objection_deadline < on),
                oldest=plan.sent_at,
                order=40,
            )
        )
    for certificate in todo.expiring:
        items.append(
            TodoItem(
                key=f"certificate-{certificate.pk}",
                label=_("Certificate %(number)s expires: apply for its recertification")
                % {"number": certificate.number},
                url=reverse(
                    "certification:certificate", kwargs={"org_slug": slug, "pk": certificate.pk}
                ),
                due_on=certificate.valid_until,
                order=50,
            )
        )
    return items


def _agreement_items(organization: Organization, rows: list[Any]) -> list[TodoItem]:
    """Accept the agreement in force: asked with a due date (a new version for holders), or
    before an application can be accepted."""
    url = reverse("certification:agreement", kwargs={"org_slug": organization.slug})
    if rows:
        row = rows[0]
        return [
            TodoItem(
                key="agreement",
                label=_("Accept the certification agreement (version %(number)s)")
                % {"number": row.deadline.agreement.number if row.deadline.agreement else "?"},
                url=url,
                due_on=row.deadline.due_on,
                overdue=row.overdue,
                oldest=row.deadline.opened_at,
                order=30,
            )
        ]
    agreement = agreement_selectors.agreement_in_force()
    if agreement is None or agreement_selectors.agreement_accepted_by(organization, agreement):
        return []
    if not agreement_selectors.organizations_asked().filter(pk=organization.pk).exists():
        return []
    return [
        TodoItem(
            key="agreement",
            label=_("Accept the certification agreement (version %(number)s)")
            % {"number": agreement.number},
            url=url,
            order=30,
        )
    ]


def auditor_todo(request: HttpRequest, organization: Any = None) -> list[TodoItem]:
    """The audit reports the auditor owes as lead auditor, the earliest due first."""
    queue = auditor_report_queue(request.user)
    if not queue.count:
        return []
    return [
        _item(
            "reports",
            ngettext(
                "%(count)s audit report to submit", "%(count)s audit reports to submit", queue.count
            )
            % {"count": queue.count},
            reverse("certification:audits"),
            queue,
            10,
            note=_late_note(queue.overdue),
        )
    ]
