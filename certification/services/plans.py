"""Evaluation planning (ISO/IEC 17065 §7.4, ISO/IEC 17021-1 §9.2): the audit plan and the
company's objections to auditors.

The office (a reviewer) or the case's lead auditor drafts the plan once a lead auditor is
assigned: dates near the audit window, mode, sites, method and sampling, an agenda row per
subject area, the duration by the documented rule (certification/duration.py) or another
with its reason. Sending it records the team as it stands and opens the company's window to
object to an auditor; a later version replaces the one in force and says what changed. The
company's owners and admins confirm the plan or object to one auditor, until the objection
deadline; the office upholds the objection (the auditor's assignment ends, a replacement is
assigned and a revised plan sent) or dismisses it, with a reason either way. The audit
report waits for a plan sent and no objection pending (`plan_require_for_report`).
"""

from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope

from cpo_portal.accounts.models import OfficeRole, User
from cpo_portal.accounts.roles import has_office_role
from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError, StaleVersion
from cpo_portal.guards import require_office_role, require_org_admin
from cpo_portal.mail import lazy_format, mail_on_commit, office_emails, organization_admin_emails
from cpo_portal.states import Edges, check_transition
from criteria.models import SubjectArea

from ..duration import Duration, audit_duration
from ..models import (
    OBJECTION_EDGES,
    Application,
    ApplicationStatus,
    AssignmentRole,
    AssignmentStatus,
    AuditMode,
    AuditorAssignment,
    AuditorObjection,
    AuditPlan,
    AuditPlanItem,
    DeadlineKind,
    ObjectionStatus,
    PlanStatus,
)
from ..notify import AUDITORS, notify
from ..selectors.auditors import assignments_of, conflict_reason
from ..selectors.plans import AGENDA_ORDER, IN_FORCE
from .applications import locked_application
from .auditors import assignment_end
from .certificates import certification_policy
from .deadlines import deadline_close, deadline_open

S = ApplicationStatus
P = PlanStatus

# A plan is drawn up from the assignment of the lead auditor until the report.
PLAN_STATES = (S.AUDITOR_ASSIGNED, S.SELF_ASSESSMENT, S.AUDIT, S.CORRECTIVE_ACTIONS)
# The plan's life: a draft is sent; the company confirms it; a later version replaces it.
PLAN_EDGES: dict[str, Edges] = {
    "send": {P.DRAFT: (P.SENT,)},
    "confirm": {P.SENT: (P.CONFIRMED,)},
    "supersede": {P.SENT: (P.SUPERSEDED,), P.CONFIRMED: (P.SUPERSEDED,)},
}
# Dates outside the audit window the company asked for are shown with a warning; further
# away than this they are refused (the window was agreed with the application).
NEAR_WINDOW_DAYS = 60
# One audit, one stretch of days: a longer one is two audits, or a typo.
LONGEST_AUDIT_DAYS = 31
MAX_AGENDA_ITEMS = 100
MAX_SITES = 500
MAX_PERSON_DAYS = Decimal("500")
PLAN_MAIL = "certification/plans/email/plan_sent.txt"
OBJECTION_MAIL = "certification/plans/email/objection_raised.txt"
DECISION_MAIL = "certification/plans/email/objection_decided.txt"


@dataclass(frozen=True)
class PlanItemInput:
    """One agenda row as the editor gives it: a subject area or another topic (an opening
    or closing meeting), on a day, optionally with times and the auditor who covers it."""

    date: date
    area_id: int | None = None
    topic: str = ""
    start_time: time | None = None
    end_time: time | None = None
    auditor_id: int | None = None


@dataclass(frozen=True)
class PlanValues:
    start_date: date
    end_date: date
    mode: str
    site_count: int
    sites: str = ""
    method: str = ""
    # None: the duration the rule gives.
    person_days: Decimal | None = None
    person_days_reason: str = ""


class PlanConflict(StaleVersion):
    """Someone saved the draft since the version the editor started from."""

    def __init__(self, current: AuditPlan) -> None:
        super().__init__(
            _("The draft plan was changed by %(who)s in the meantime. Review both values."),
            current=current,
            who=current.updated_by,
        )


# --- Who may do what ------------------------------------------------------------------------


def is_planner(application: Application, user: User | None) -> bool:
    """An office reviewer, or the case's active (and still independent) lead auditor."""
    if user is None or not user.is_authenticated:
        return False
    if has_office_role(user, OfficeRole.REVIEWER):
        return True
    lead = _active_lead(application)
    return (
        lead is not None
        and lead.auditor.user_id == user.pk
        and conflict_reason(lead.auditor, application.organization) is None
    )


def _require_planner(application: Application, by: User | None) -> None:
    if not is_planner(application, by):
        raise DomainError(
            _("Only an office reviewer or the lead auditor of this case can plan the audit."),
            code="not_planner",
        )


def _require_reviewer(by: User | None) -> None:
    require_office_role(by, OfficeRole.REVIEWER)


def _active(application: Application) -> list[AuditorAssignment]:
    return [a for a in assignments_of(application) if a.status == AssignmentStatus.ACTIVE]


def _active_lead(application: Application) -> AuditorAssignment | None:
    return next((a for a in _active(application) if a.role == AssignmentRole.LEAD), None)


def _require_plan_state(application: Application) -> None:
    if application.status not in PLAN_STATES:
        raise DomainError(
            _("The audit cannot be planned while the application is “%(status)s”.")
            % {"status": application.get_status_display()},
            code="state",
        )
    if _active_lead(application) is None:
        raise DomainError(_("Assign the lead auditor first."), code="no_lead")


# --- The duration and the dates ---------------------------------------------------------------


def _areas(application: Application) -> list[SubjectArea]:
    return list(SubjectArea.objects.filter(scheme_id=application.scheme_id).order_by("position"))


def plan_duration(application: Application, site_count: int) -> Duration:
    """What the documented rule gives for this case with `site_count` sites."""
    area_count = SubjectArea.objects.filter(scheme_id=application.scheme_id).count()
    return audit_duration(
        scheme_kind=application.kind, site_count=max(site_count, 1), area_count=area_count
    )


def date_warnings(application: Application, start: date, end: date) -> list[str]:
    """What the planner should look at twice, without being refused."""
    warnings = []
    if start < application.window_start or end > application.window_end:
        warnings.append(
            _(
                "The audit dates lie outside the audit window the company asked for "
                "(%(start)s to %(end)s): agree them with the company."
            )
            % {"start": application.window_start, "end": application.window_end}
        )
    if start < timezone.localdate():
        warnings.append(_("The audit begins in the past."))
    return warnings


def _check_dates(application: Application, start: date, end: date) -> None:
    if end < start:
        raise DomainError(_("The audit ends before it begins."), code="dates")
    if (end - start).days + 1 > LONGEST_AUDIT_DAYS:
        raise DomainError(
            _("An audit lasts at most %(days)s days; plan a longer one as several audits.")
            % {"days": LONGEST_AUDIT_DAYS},
            code="dates",
        )
    near = timedelta(days=NEAR_WINDOW_DAYS)
    if start < application.window_start - near or end > application.window_end + near:
        raise DomainError(
            _(
                "The audit dates lie more than %(days)s days outside the audit window the "
                "company asked for (%(start)s to %(end)s)."
            )
            % {
                "days": NEAR_WINDOW_DAYS,
                "start": application.window_start,
                "end": application.window_end,
            },
            code="dates",
        )


def _check_values(application: Application, values: PlanValues) -> tuple[Duration, Decimal]:
    """The values checked; returns the rule's duration and the duration planned."""
    _check_dates(application, values.start_date, values.end_date)
    if values.mode not in AuditMode.values:
        raise DomainError(_("Choose on-site, remote or both."), code="mode")
    if not 1 <= values.site_count <= MAX_SITES:
        raise DomainError(
            _("Give between 1 and %(max)s sites.") % {"max": MAX_SITES}, code="site_count"
        )
    rule = plan_duration(application, values.site_count)
    planned = rule.person_days if values.person_days is None else values.person_days
    try:
        planned = planned.quantize(Decimal("0.01"))
    except InvalidOperation:
        raise DomainError(_("Give the duration in person-days."), code="person_days") from None
    if not Decimal("0") < planned <= MAX_PERSON_DAYS:
        raise DomainError(
            _("The duration must be more than 0 and at most %(max)s person-days.")
            % {"max": MAX_PERSON_DAYS},
            code="person_days",
        )
    if planned != rule.person_days and not values.person_days_reason.strip():
        raise DomainError(
            _(
                "The rule gives %(rule)s person-days: give the reason for planning "
                "%(planned)s instead."
            )
            % {"rule": rule.person_days, "planned": planned},
            code="person_days_reason",
        )
    return rule, planned


def _check_items(
    application: Application,
    values: PlanValues,
    items: list[PlanItemInput],
    team: dict[int, AuditorAssignment],
) -> None:
    if len(items) > MAX_AGENDA_ITEMS:
        raise DomainError(
            _("The agenda has at most %(max)s rows.") % {"max": MAX_AGENDA_ITEMS}, code="items"
        )
    area_ids = {a.pk for a in _areas(application)}
    for number, item in enumerate(items, start=1):
        label = {"row": number}
        if item.area_id is None and not item.topic.strip():
            raise DomainError(
                _("Agenda row %(row)s: choose a subject area or name the topic.") % label,
                code="items",
            )
        if item.area_id is not None and item.area_id not in area_ids:
            raise DomainError(
                _("Agenda row %(row)s: the subject area is not one of this scheme.") % label,
                code="items",
            )
        if not values.start_date <= item.date <= values.end_date:
            raise DomainError(
                _("Agenda row %(row)s: the date lies outside the audit dates.") % label,
                code="items",
            )
        if item.start_time and item.end_time and item.end_time <= item.start_time:
            raise DomainError(
                _("Agenda row %(row)s: it ends before it begins.") % label, code="items"
            )
        if item.auditor_id is not None and item.auditor_id not in team:
            raise DomainError(
                _("Agenda row %(row)s: the auditor is not on the audit team of this case.") % label,
                code="items",
            )


def _team(application: Application) -> dict[int, AuditorAssignment]:
    """The active assignments of the case, by auditor."""
    return {a.auditor_id: a for a in _active(application)}


# --- Drafting ---------------------------------------------------------------------------------


def _locked_plan(plan: AuditPlan) -> AuditPlan:
    with scope(organization=plan.application.organization):
        # Only the plan's row: PostgreSQL locks no nullable side of an outer join.
        return (
            AuditPlan.objects.select_for_update(of=("self",))
            .select_related("updated_by")
            .get(pk=plan.pk)
        )


def default_method() -> str:
    return _(
        "Review of the self-assessment and its evidence before the audit; interviews with the "
        "people responsible for each subject area; a sample of records, documents and "
        "interfaces for each criterion, chosen by the auditors on the day."
    )


@transaction.atomic
def plan_draft(*, application: Application, by: User | None) -> AuditPlan:
    """Start the next version of the case's plan: a copy of the latest one, or the first one
    with an agenda row per subject area (the lead auditor on each), dated at the beginning
    of the audit window and as long as the rule says."""
    application = locked_application(application)
    _require_planner(application, by)
    _require_plan_state(application)
    team = _team(application)
    lead = _active_lead(application)
    assert lead is not None  # _require_plan_state
    with scope(organization=application.organization):
        if AuditPlan.objects.filter(application=application, status=P.DRAFT).exists():
            raise DomainError(
                _("A draft of the plan is already being prepared; edit that one."),
                code="draft_exists",
            )
        latest = (
            AuditPlan.objects.filter(application=application)
            .prefetch_related("items")
            .order_by("-number")
            .first()
        )
        number = latest.number + 1 if latest else 1
        if latest is not None:
            plan = _copy(latest, number=number, team=team, by=by)
        else:
            plan = _first(application, lead=lead, by=by)
    activity_record(
        actor=by,
        organization=application.organization,
        verb="certification.plan_drafted",
        target=application,
        data={"plan": plan.number},
    )
    return plan


def _clean(row: AuditPlan | AuditorObjection, application: Application) -> None:
    # Model validation reads the constraints' rows through the scoped manager.
    with scope(organization=application.organization):
        row.full_clean()


def _create(plan: AuditPlan) -> AuditPlan:
    _clean(plan, plan.application)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise DomainError(
            _("A draft of the plan is already being prepared; edit that one."),
            code="draft_exists",
        ) from None
    return plan


def _first(application: Application, *, lead: AuditorAssignment, by: User | None) -> AuditPlan:
    rule = plan_duration(application, 1)
    start = application.window_start
    days = int(rule.person_days.to_integral_value(rounding=ROUND_CEILING))
    end = min(max(application.window_end, start), start + timedelta(days=max(days, 1) - 1))
    plan = _create(
        AuditPlan(
            application=application,
            number=1,
            status=P.DRAFT,
            mode=AuditMode.REMOTE,
            start_date=start,
            end_date=end,
            site_count=1,
            method=default_method(),
            person_days=rule.person_days,
            person_days_rule=rule.person_days,
            created_by=by,
            updated_by=by,
        )
    )
    areas = _areas(application)
    rows = [AuditPlanItem(topic=_("Opening meeting"), date=start, start_time=time(9), position=0)]
    rows += [
        AuditPlanItem(area=area, date=start, auditor_id=lead.auditor_id, position=index)
        for index, area in enumerate(areas, start=1)
    ]
    rows.append(AuditPlanItem(topic=_("Closing meeting"), date=end, position=len(areas) + 1))
    for row in rows:
        row.plan = plan
    AuditPlanItem.objects.bulk_create(rows)
    return plan


def _copy(
    latest: AuditPlan, *, number: int, team: dict[int, AuditorAssignment], by: User | None
) -> AuditPlan:
    names = [
        "mode",
        "start_date",
        "end_date",
        "sites",
        "site_count",
        "method",
        "person_days",
        "person_days_rule",
        "person_days_reason",
    ]
    plan = _create(
        AuditPlan(
            application=latest.application,
            number=number,
            status=P.DRAFT,
            created_by=by,
            updated_by=by,
            **{name: getattr(latest, name) for name in names},
        )
    )
    # An auditor who left the team leaves their rows open for someone else.
    AuditPlanItem.objects.bulk_create(
        AuditPlanItem(
            plan=plan,
            position=item.position,
            area_id=item.area_id,
            topic=item.topic,
            date=item.date,
            start_time=item.start_time,
            end_time=item.end_time,
            auditor_id=item.auditor_id if item.auditor_id in team else None,
        )
        for item in latest.items.all()
    )
    return plan


@dataclass(frozen=True)
class PlanSaved:
    plan: AuditPlan
    warnings: list[str]


@transaction.atomic
def plan_save(
    *,
    plan: AuditPlan,
    values: PlanValues,
    items: list[PlanItemInput],
    expected_version: int | None,
    by: User | None,
) -> PlanSaved:
    """Save the draft (its agenda replaced by `items`) if `expected_version` is still the
    draft's; refuse with the newer draft if someone saved it in between."""
    application = locked_application(plan.application)
    _require_planner(application, by)
    _require_plan_state(application)
    plan = _locked_plan(plan)
    if plan.status != P.DRAFT:
        raise DomainError(_("Only a draft plan can be changed."), code="not_draft")
    if expected_version is not None and expected_version != plan.version:
        raise PlanConflict(plan)
    rule, planned = _check_values(application, values)
    _check_items(application, values, items, _team(application))
    plan.start_date, plan.end_date = values.start_date, values.end_date
    plan.mode, plan.site_count = values.mode, values.site_count
    plan.sites, plan.method = values.sites.strip(), values.method.strip()
    plan.person_days, plan.person_days_rule = planned, rule.person_days
    plan.person_days_reason = (
        "" if planned == rule.person_days else values.person_days_reason.strip()
    )
    plan.updated_by = by
    plan.version += 1
    _clean(plan, application)
    plan.save()
    with scope(organization=application.organization):
        plan.items.all().delete()
        AuditPlanItem.objects.bulk_create(
            AuditPlanItem(
                plan=plan,
                position=position,
                area_id=item.area_id,
                topic=item.topic.strip()[:300],
                date=item.date,
                start_time=item.start_time,
                end_time=item.end_time,
                auditor_id=item.auditor_id,
            )
            for position, item in enumerate(items)
        )
    return PlanSaved(plan, date_warnings(application, plan.start_date, plan.end_date))


@transaction.atomic
def plan_discard(*, plan: AuditPlan, by: User | None) -> None:
    """Throw the draft away (the versions sent stay)."""
    application = locked_application(plan.application)
    _require_planner(application, by)
    plan = _locked_plan(plan)
    if plan.status != P.DRAFT:
        raise DomainError(_("Only a draft plan can be discarded."), code="not_draft")
    number = plan.number
    plan.delete()
    activity_record(
        actor=by,
        organization=application.organization,
        verb="certification.plan_discarded",
        target=application,
        data={"plan": number},
    )


# --- Sending ----------------------------------------------------------------------------------


def _check_for_sending(application: Application, plan: AuditPlan) -> list[AuditorAssignment]:
    """Everything a plan must be before the company sees it; returns the team."""
    values = PlanValues(
        start_date=plan.start_date,
        end_date=plan.end_date,
        mode=plan.mode,
        site_count=plan.site_count,
        sites=plan.sites,
        method=plan.method,
        person_days=plan.person_days,
        person_days_reason=plan.person_days_reason,
    )
    _check_values(application, values)
    team = _team(application)
    with scope(organization=application.organization):
        items = list(plan.items.select_related("auditor__user", "area").order_by("position"))
    for item in items:
        if item.auditor_id is not None and item.auditor_id not in team:
            raise DomainError(
                _(
                    "%(auditor)s is no longer on the audit team: choose another auditor for "
                    "“%(topic)s”."
                )
                % {"auditor": item.auditor, "topic": item.topic or item.area},
                code="items",
            )
    _check_items(
        application,
        values,
        [
            PlanItemInput(
                date=i.date,
                area_id=i.area_id,
                topic=i.topic,
                start_time=i.start_time,
                end_time=i.end_time,
                auditor_id=i.auditor_id,
            )
            for i in items
        ],
        team,
    )
    if not plan.method.strip():
        raise DomainError(_("Describe the method and sampling of the audit."), code="method")
    if plan.mode != AuditMode.REMOTE and not plan.sites.strip():
        raise DomainError(_("Name the sites visited on-site."), code="sites")
    covered = {i.area_id for i in items}
    missing = [a for a in _areas(application) if a.pk not in covered]
    if missing:
        raise DomainError(
            _("The agenda does not cover every subject area of the scheme: %(areas)s.")
            % {"areas": "; ".join(str(a) for a in missing)},
            code="items",
        )
    return sorted(team.values(), key=lambda a: (a.role != AssignmentRole.LEAD, a.assigned_at))


def plan_send_refusal(plan: AuditPlan) -> str | None:
    """Why the draft cannot be sent as it is (shown before anyone tries), or None."""
    application = plan.application
    try:
        _require_plan_state(application)
        with scope(organization=application.organization):
            if AuditorObjection.objects.filter(
                plan__application=application, status=ObjectionStatus.PENDING
            ).exists():
                raise DomainError(
                    _("An objection to an auditor awaits the office's decision; decide it first.")
                )
        _check_for_sending(application, plan)
    except DomainError as exc:
        return " ".join(exc.messages)
    return None


def team_snapshot(team: list[AuditorAssignment]) -> list[dict[str, Any]]:
    """The team as the plan records it: each auditor's id, name, role and auditing body."""
    return [
        {
            "auditor": a.auditor_id,
            "assignment": a.pk,
            "name": a.auditor.user.public_name,
            "role": a.role,
            "body": a.auditor.organisation_name,
        }
        for a in team
    ]


def previous_versions_exist(plan: AuditPlan) -> bool:
    with scope(organization=plan.application.organization):
        return (
            AuditPlan.objects.filter(application_id=plan.application_id)
            .exclude(status=P.DRAFT)
            .exists()
        )


@transaction.atomic
def plan_send(*, plan: AuditPlan, by: User | None, change_note: str = "") -> AuditPlan:
    """Send the draft to the company and the team: the version in force before it is
    superseded, the team recorded, the window to object to an auditor opens."""
    application = locked_application(plan.application)
    _require_planner(application, by)
    _require_plan_state(application)
    plan = _locked_plan(plan)
    check_transition(
        PLAN_EDGES["send"],
        plan.status,
        P.SENT,
        message=_("This version of the plan was sent already."),
    )
    with scope(organization=application.organization):
        if AuditorObjection.objects.filter(
            plan__application=application, status=ObjectionStatus.PENDING
        ).exists():
            raise DomainError(
                _("An objection to an auditor awaits the office's decision; decide it first."),
                code="objection_pending",
            )
        earlier = list(
            AuditPlan.objects.select_for_update()
            .filter(application=application, status__in=IN_FORCE)
            .order_by("number")
        )
    note = change_note.strip()
    if previous_versions_exist(plan) and not note:
        raise DomainError(
            _("Say what changed since the version sent before: the company reads it."),
            code="change_note",
        )
    team = _check_for_sending(application, plan)
    for old in earlier:
        check_transition(
            PLAN_EDGES["supersede"], old.status, P.SUPERSEDED, message=_("Not possible.")
        )
        old.status = P.SUPERSEDED
        old.save(update_fields=["status", "updated_at"])
    days = certification_policy().objection_days
    plan.status = P.SENT
    plan.team = team_snapshot(team)
    plan.change_note = note[:2000]
    plan.objection_deadline = timezone.localdate() + timedelta(days=days)
    plan.sent_by, plan.sent_at = by, timezone.now()
    plan.version += 1
    _clean(plan, application)
    plan.save()
    activity_record(
        actor=by,
        organization=application.organization,
        verb="certification.plan_sent",
        target=application,
        data={
            "plan": plan.number,
            "objection_deadline": str(plan.objection_deadline),
            "team": [member["name"] for member in plan.team],
        },
    )
    _mail_plan(application, plan, team)
    return plan


def _mail_plan(application: Application, plan: AuditPlan, team: list[AuditorAssignment]) -> None:
    with scope(organization=application.organization):
        items = list(plan.items.select_related("area", "auditor__user").order_by(*AGENDA_ORDER))
    subject = lazy_format(
        gettext_lazy("Audit plan (version %(number)s) for %(org)s"),
        number=plan.number,
        org=application.organization,
    )
    context = {
        "application": application,
        "plan": plan,
        "items": items,
        "duration": plan_duration(application, plan.site_count),
    }
    org, pk = application.organization.slug, application.pk
    mail_on_commit(
        subject=subject,
        template=PLAN_MAIL,
        context={
            **context,
            "for_company": True,
            "path": reverse("certification:plan", kwargs={"org_slug": org, "pk": pk}),
        },
        to=organization_admin_emails(application.organization),
    )
    mail_on_commit(
        subject=subject,
        template=PLAN_MAIL,
        context={**context, "path": reverse("certification:audit_plan", kwargs={"pk": pk})},
        to=[a.auditor.user.email for a in team],
    )


# --- The company: confirm or object -----------------------------------------------------------


@transaction.atomic
def plan_confirm(*, plan: AuditPlan, by: User | None) -> AuditPlan:
    """The company confirms the plan and its team (who and when are recorded); it can no
    longer object to an auditor of this version."""
    application = locked_application(plan.application)
    require_org_admin(application.organization, by)
    plan = _locked_plan(plan)
    if plan.status == P.SUPERSEDED:
        raise DomainError(
            _("This version of the plan was replaced by a later one; confirm that one."),
            code="superseded",
        )
    check_transition(
        PLAN_EDGES["confirm"],
        plan.status,
        P.CONFIRMED,
        message=_("This plan cannot be confirmed: it is “%(status)s”.")
        % {"status": plan.get_status_display()},
    )
    with scope(organization=application.organization):
        objections = set(plan.objections.values_list("status", flat=True))
    if ObjectionStatus.PENDING in objections:
        raise DomainError(
            _("Your objection to an auditor of this plan awaits the office's decision."),
            code="objection_pending",
        )
    if ObjectionStatus.UPHELD in objections:
        raise DomainError(
            _("The office upheld your objection: a revised plan with the new team follows."),
            code="objection_upheld",
        )
    plan.status = P.CONFIRMED
    plan.confirmed_by, plan.confirmed_at = by, timezone.now()
    _clean(plan, application)
    plan.save(update_fields=["status", "confirmed_by", "confirmed_at", "updated_at"])
    activity_record(
        actor=by,
        organization=application.organization,
        verb="certification.plan_confirmed",
        target=application,
        data={"plan": plan.number},
    )
    notify(
        application,
        subject=lazy_format(
            gettext_lazy("Audit plan confirmed: %(org)s"), org=application.organization
        ),
        message=lazy_format(
            gettext_lazy("The company confirmed version %(number)s of the audit plan."),
            number=plan.number,
        ),
        to=(AUDITORS,),
    )
    return plan


def objection_window_open(plan: AuditPlan, *, on: date | None = None) -> bool:
    today = on or timezone.localdate()
    return (
        plan.status == P.SENT
        and plan.objection_deadline is not None
        and today <= plan.objection_deadline
    )


def team_assignments(plan: AuditPlan) -> list[AuditorAssignment]:
    """The active assignments of the plan's team: the auditors the company may object to."""
    on_plan = {member.get("assignment") for member in plan.team}
    return [a for a in _active(plan.application) if a.pk in on_plan]


@transaction.atomic
def objection_raise(
    *, plan: AuditPlan, assignment: AuditorAssignment, reason: str, by: User | None
) -> AuditorObjection:
    """The company objects to one auditor of the plan in force, with a reason, until the
    objection deadline; the office reviewers are told and must decide."""
    application = locked_application(plan.application)
    require_org_admin(application.organization, by)
    plan = _locked_plan(plan)
    if plan.application_id != application.pk or assignment.application_id != application.pk:
        raise DomainError(_("This auditor is not on the plan."), code="not_on_plan")
    if plan.status == P.SUPERSEDED:
        raise DomainError(
            _("This version of the plan was replaced by a later one; object to that one."),
            code="superseded",
        )
    if plan.status == P.CONFIRMED:
        raise DomainError(
            _("You confirmed this plan and its team on %(date)s.")
            % {"date": timezone.localtime(plan.confirmed_at).date() if plan.confirmed_at else ""},
            code="confirmed",
        )
    if plan.status != P.SENT:
        raise DomainError(_("This plan was not sent to you."), code="not_sent")
    if not objection_window_open(plan):
        raise DomainError(
            _("The time to object to an auditor of this plan ended on %(date)s.")
            % {"date": plan.objection_deadline},
            code="deadline_passed",
        )
    if assignment.pk not in {a.pk for a in team_assignments(plan)}:
        raise DomainError(
            _("%(auditor)s is not on the audit team of this plan.")
            % {"auditor": assignment.auditor},
            code="not_on_plan",
        )
    text = reason.strip()
    if not text:
        raise DomainError(_("Give the reason for your objection."), code="reason")
    with scope(organization=application.organization):
        if AuditorObjection.objects.filter(
            assignment=assignment, status=ObjectionStatus.PENDING
        ).exists():
            raise DomainError(
                _("Your objection to %(auditor)s already awaits the office's decision.")
                % {"auditor": assignment.auditor},
                code="objection_pending",
            )
        objection = AuditorObjection(
            plan=plan, assignment=assignment, reason=text[:5000], raised_by=by
        )
        objection.full_clean()
        try:
            with transaction.atomic():
                objection.save()
        except IntegrityError:
            raise DomainError(
                _("Your objection to %(auditor)s already awaits the office's decision.")
                % {"auditor": assignment.auditor},
                code="objection_pending",
            ) from None
    deadline = deadline_open(
        kind=DeadlineKind.OBJECTION, organization=application.organization, objection=objection
    )
    activity_record(
        actor=by,
        organization=application.organization,
        verb="certification.objection_raised",
        target=application,
        data={"plan": plan.number, "auditor": assignment.auditor.user.public_name},
    )
    mail_on_commit(
        subject=lazy_format(
            gettext_lazy("Objection to an auditor: %(org)s"), org=application.organization
        ),
        template=OBJECTION_MAIL,
        context={
            "application": application,
            "objection": objection,
            "auditor": assignment.auditor,
            "due_on": deadline.due_on,
            "path": reverse(
                "certification:office_objection",
                kwargs={"pk": application.pk, "objection_id": objection.pk},
            ),
        },
        to=office_emails(OfficeRole.REVIEWER),
    )
    return objection


# --- The office decides -----------------------------------------------------------------------


def _locked_objection(objection: AuditorObjection) -> AuditorObjection:
    with scope(organization=objection.plan.application.organization):
        return (
            AuditorObjection.objects.select_for_update(of=("self",))
            .select_related("plan", "assignment__auditor__user")
            .get(pk=objection.pk)
        )


def _decide(
    objection: AuditorObjection, to: str, *, reason: str, by: User | None
) -> tuple[Application, AuditorObjection, str]:
    application = locked_application(objection.plan.application)
    _require_reviewer(by)
    objection = _locked_objection(objection)
    action = "uphold" if to == ObjectionStatus.UPHELD else "dismiss"
    check_transition(
        OBJECTION_EDGES[action],
        objection.status,
        to,
        message=_("This objection was decided already: %(status)s.")
        % {"status": objection.get_status_display()},
    )
    text = reason.strip()
    if not text:
        raise DomainError(_("Give the reason for the decision: the company reads it."))
    return application, objection, text


def _record_decision(
    application: Application,
    objection: AuditorObjection,
    to: str,
    text: str,
    by: User | None,
) -> AuditorObjection:
    objection.status = to
    objection.decided_by, objection.decided_at = by, timezone.now()
    objection.decision_reason = text[:5000]
    _clean(objection, application)
    objection.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    deadline_close(
        kind=DeadlineKind.OBJECTION, organization=application.organization, objection=objection
    )
    upheld = to == ObjectionStatus.UPHELD
    activity_record(
        actor=by,
        organization=application.organization,
        verb="certification.objection_upheld" if upheld else "certification.objection_dismissed",
        target=application,
        data={
            "plan": objection.plan.number,
            "auditor": objection.assignment.auditor.user.public_name,
            "reason": text,
        },
    )
    mail_on_commit(
        subject=lazy_format(
            gettext_lazy("Your objection to an auditor is decided: %(org)s"),
            org=application.organization,
        ),
        template=DECISION_MAIL,
        context={
            "application": application,
            "objection": objection,
            "auditor": objection.assignment.auditor,
            "path": reverse(
                "certification:plan",
                kwargs={"org_slug": application.organization.slug, "pk": application.pk},
            ),
        },
        to=organization_admin_emails(application.organization),
    )
    return objection


@transaction.atomic
def objection_uphold(
    *, objection: AuditorObjection, reason: str, by: User | None
) -> AuditorObjection:
    """The objection holds: the auditor's assignment ends (the reason names the objection)
    and they cannot be assigned to this case again; the office assigns a replacement and
    sends a revised plan."""
    application, objection, text = _decide(objection, ObjectionStatus.UPHELD, reason=reason, by=by)
    assignment = objection.assignment
    if assignment.status == AssignmentStatus.ACTIVE:
        assert by is not None  # _require_reviewer
        assignment_end(
            assignment=assignment,
            by=by,
            reason=_("The company's objection to this auditor was upheld: %(reason)s")
            % {"reason": text},
        )
    return _record_decision(application, objection, ObjectionStatus.UPHELD, text, by)


@transaction.atomic
def objection_dismiss(
    *, objection: AuditorObjection, reason: str, by: User | None
) -> AuditorObjection:
    """The objection does not hold: the auditor stays; the company is told why."""
    application, objection, text = _decide(
        objection, ObjectionStatus.DISMISSED, reason=reason, by=by
    )
    return _record_decision(application, objection, ObjectionStatus.DISMISSED, text, by)


# --- The gate of the audit report -------------------------------------------------------------


def plan_require_for_report(application: Application) -> None:
    """The report waits for a plan sent to the company, no objection pending and, after an
    upheld objection, the revised plan with the new team."""
    with scope(organization=application.organization):
        plan = (
            AuditPlan.objects.filter(application=application, status__in=IN_FORCE)
            .order_by("-number")
            .first()
        )
        pending = AuditorObjection.objects.filter(
            plan__application=application, status=ObjectionStatus.PENDING
        ).exists()
        upheld = plan is not None and plan.objections.filter(status=ObjectionStatus.UPHELD).exists()
    if plan is None:
        raise DomainError(
            _("Send the audit plan to the company before submitting the report."),
            code="no_plan",
        )
    if pending:
        raise DomainError(
            _(
                "An objection of the company to an auditor awaits the office's decision; the "
                "report can be submitted once it is decided."
            ),
            code="objection_pending",
        )
    if upheld:
        raise DomainError(
            _(
                "The office upheld an objection to an auditor of the plan in force: send the "
                "revised plan with the new team before submitting the report."
            ),
            code="plan_outdated",
        )
