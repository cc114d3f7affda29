"""A person's part in certification (see cpo_portal.accounts.personal_data): as an
auditor (qualifications, conflicts, assignments, audit plans, scores, findings), for a
company (applications, self-assessment answers, evidence, acceptances of the certification
agreement, audit plans confirmed and objections raised) and for the office (decisions,
certificates, agreement versions, plans sent, objections decided). All of it is the
certification record and stays on erasure, linked to the anonymised account; an auditor
assigned to an audit in progress is released first.

Erasure rewrites one thing: the audit team each sent plan recorded as text (names, not
accounts) marks the person as erased, so the plan shows "Former member" in the reader's
language. An acceptance of the certification agreement is kept whole, like the CPO
signature (signees/personal_data.py): the signatory's name is part of the text accepted,
which its SHA-256 covers, and the time, IP address and browser are the evidence of who
accepted for the company."""

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_scopes import scopes_disabled

from cpo_portal.accounts.models import Auditor, User
from cpo_portal.accounts.personal_data import ErasureLine, Provider, Subject, register_provider

from .models import (
    AgreementAcceptance,
    AgreementVersion,
    Application,
    ApplicationEvent,
    AssignmentStatus,
    AuditorAssignment,
    AuditorConflict,
    AuditorObjection,
    AuditorQualification,
    AuditPlan,
    AuditPlanItem,
    Certificate,
    CertificateEvent,
    Evidence,
    Finding,
    OrganizationalGrant,
    ScoreChange,
    SelfAssessmentAnswer,
)


def _auditor(user: User) -> dict[str, Any] | None:
    auditor = getattr(user, "auditor", None)
    if auditor is None:
        return None
    return {
        "qualifications": [
            {
                "scheme": q.scheme_kind,
                "status": q.status,
                "training": q.training,
                "experience": q.experience,
                "audits_witnessed": q.audits_witnessed,
                "evidence_file": q.evidence_name,
                "applied": q.applied_at,
                "decided": q.decided_at,
                "decision_note": q.decision_note,
                "valid_from": q.valid_from,
                "valid_until": q.valid_until,
            }
            for q in AuditorQualification.objects.filter(auditor=auditor).order_by("pk")
        ],
        "conflicts_declared": [
            {
                "organization": c.organization.display_name,
                "reason": c.reason,
                "until": c.until,
                "declared": c.declared_at,
            }
            for c in AuditorConflict.objects.filter(auditor=auditor)
            .select_related("organization")
            .order_by("pk")
        ],
        "assignments": [
            {
                "application": a.application_id,
                "organization": a.application.organization.display_name,
                "role": a.role,
                "status": a.status,
                "assigned": a.assigned_at,
                "ended": a.ended_at,
                "reason": a.reason,
            }
            for a in AuditorAssignment.objects.filter(auditor=auditor)
            .select_related("application__organization")
            .order_by("assigned_at", "pk")
        ],
    }


def _agreements(user: User) -> dict[str, Any]:
    acceptances = (
        AgreementAcceptance.objects.filter(accepted_by=user)
        .select_related("organization", "agreement")
        .order_by("accepted_at", "pk")
    )
    return {
        "agreement_acceptances": [
            {
                "organization": a.organization.display_name,
                "agreement_version": a.agreement.number,
                "agreement_title": a.agreement.title,
                "signatory_name": a.signatory_name,
                "signatory_position": a.signatory_position,
                "accepted": a.accepted_at,
                "ip_address": a.ip_address,
                "user_agent": a.user_agent,
                "text_sha256": a.text_sha256,
            }
            for a in acceptances
        ],
        "agreement_versions": [
            {
                "version": v.number,
                "title": v.title,
                "created_by_this_person": v.created_by_id == user.pk,
                "published_by_this_person": v.published_by_id == user.pk,
                "published": v.published_at,
            }
            for v in AgreementVersion.objects.filter(
                Q(created_by=user) | Q(published_by=user)
            ).order_by("number")
        ],
    }


def _team_member(plan: AuditPlan, auditor_id: int | None) -> dict[str, Any] | None:
    if auditor_id is None:
        return None
    return next((m for m in plan.team if m.get("auditor") == auditor_id), None)


def _plans(user: User, auditor: Auditor | None) -> dict[str, Any]:
    """The audit plans naming the person in their team or on their agenda (an auditor),
    and those they drew up, sent or confirmed."""
    auditor_id = auditor.pk if auditor is not None else None
    acted = Q(created_by=user) | Q(sent_by=user) | Q(confirmed_by=user)
    if auditor_id is not None:
        cases = AuditorAssignment.objects.filter(auditor_id=auditor_id).values("application_id")
        acted |= Q(application_id__in=cases)
    plans = AuditPlan.objects.filter(acted).select_related("application__organization")
    agenda: dict[int, list[AuditPlanItem]] = {}
    if auditor_id is not None:
        items = AuditPlanItem.objects.filter(auditor_id=auditor_id).select_related("area")
        for item in items.order_by("date", "start_time", "position", "pk"):
            agenda.setdefault(item.plan_id, []).append(item)
    rows = []
    for plan in plans.order_by("application_id", "number"):
        member = _team_member(plan, auditor_id)
        mine = plan.created_by_id == user.pk or plan.sent_by_id == user.pk
        mine = mine or plan.confirmed_by_id == user.pk
        if member is None and plan.pk not in agenda and not mine:
            continue  # another auditor's plan in a case the person audited
        rows.append(
            {
                "application": plan.application_id,
                "organization": plan.application.organization.display_name,
                "plan_version": plan.number,
                "status": plan.status,
                "mode": plan.mode,
                "from": plan.start_date,
                "until": plan.end_date,
                "team_role": member.get("role") if member else None,
                "agenda": [
                    {
                        "date": item.date,
                        "from": item.start_time,
                        "until": item.end_time,
                        "subject": str(item.area) if item.area else item.topic,
                    }
                    for item in agenda.get(plan.pk, [])
                ],
                "created_by_this_person": plan.created_by_id == user.pk,
                "sent_by_this_person": plan.sent_by_id == user.pk,
                "sent": plan.sent_at,
                "confirmed_by_this_person": plan.confirmed_by_id == user.pk,
                "confirmed": plan.confirmed_at,
            }
        )
    return {"audit_plans": rows, **_objections(user, auditor_id)}


def _objections(user: User, auditor_id: int | None) -> dict[str, Any]:
    objections = AuditorObjection.objects.select_related(
        "plan", "assignment__auditor__user"
    ).order_by("raised_at", "pk")
    against = objections.filter(assignment__auditor_id=auditor_id) if auditor_id is not None else []
    return {
        "objections_raised": [
            {
                "application": o.plan.application_id,
                "plan_version": o.plan.number,
                "auditor": o.assignment.auditor.user.public_name,
                "reason": o.reason,
                "status": o.status,
                "raised": o.raised_at,
                "decision_reason": o.decision_reason,
                "decided": o.decided_at,
            }
            for o in objections.filter(raised_by=user)
        ],
        "objections_decided": [
            {
                "application": o.plan.application_id,
                "plan_version": o.plan.number,
                "status": o.status,
                "decision_reason": o.decision_reason,
                "decided": o.decided_at,
            }
            for o in objections.filter(decided_by=user)
        ],
        # The company's reasons are not given to the auditor (as in the portal): that an
        # objection was raised, when, and how it was decided.
        "objections_to_this_person": [
            {
                "application": o.plan.application_id,
                "plan_version": o.plan.number,
                "status": o.status,
                "raised": o.raised_at,
                "decided": o.decided_at,
            }
            for o in against
        ],
    }


def export(user: User) -> dict[str, Any]:
    with scopes_disabled():
        applications = Application.objects.select_related("organization")
        auditor = Auditor.objects.filter(user=user).first()
        return {
            "auditor": _auditor(user),
            **_agreements(user),
            **_plans(user, auditor),
            "scores_given": [
                {
                    "application": c.score.application_id,
                    "criterion": c.score.criterion_id,
                    "version": c.version,
                    "rating": c.rating,
                    "rationale": c.rationale,
                    "time": c.at,
                }
                for c in ScoreChange.objects.filter(by=user)
                .select_related("score")
                .order_by("at", "pk")
            ],
            "findings": [
                {
                    "application": f.application_id,
                    "kind": f.kind,
                    "description": f.description,
                    "raised_by_this_person": f.raised_by_id == user.pk,
                    "answered_by_this_person": f.answered_by_id == user.pk,
                    "closed_by_this_person": f.closed_by_id == user.pk,
                    "raised": f.raised_at,
                }
                for f in Finding.objects.filter(
                    Q(raised_by=user) | Q(answered_by=user) | Q(closed_by=user)
                ).order_by("raised_at", "pk")
            ],
            "applications": [
                {
                    "application": a.pk,
                    "organization": a.organization.display_name,
                    "kind": a.kind,
                    "created_by_this_person": a.created_by_id == user.pk,
                    "report_submitted_by_this_person": a.report_submitted_by_id == user.pk,
                    "decided_by_this_person": a.decided_by_id == user.pk,
                    "decision": a.decision,
                    "decided": a.decided_at,
                }
                for a in applications.filter(
                    Q(created_by=user) | Q(report_submitted_by=user) | Q(decided_by=user)
                ).order_by("pk")
            ],
            "application_events": [
                {"application": e.application_id, "action": e.action, "time": e.at}
                for e in ApplicationEvent.objects.filter(by=user).order_by("at", "pk")
            ],
            "self_assessment_answers_last_edited": SelfAssessmentAnswer.objects.filter(
                updated_by=user
            ).count(),
            "evidence_added": [
                {
                    "application": e.application_id,
                    "file_name": e.original_name,
                    "title": e.title,
                    "link": e.url,
                    "added": e.uploaded_at,
                }
                for e in Evidence.objects.filter(uploaded_by=user).order_by("uploaded_at", "pk")
            ],
            "certificates_issued": list(
                Certificate.objects.filter(issued_by=user)
                .order_by("pk")
                .values_list("number", flat=True)
            ),
            "certificate_events": [
                {"certificate": e.certificate.number, "action": e.action, "time": e.at}
                for e in CertificateEvent.objects.filter(by=user)
                .select_related("certificate")
                .order_by("at", "pk")
            ],
            "organizational_grants_recorded": [
                {"organization": g.organization.display_name, "reference": g.reference}
                for g in OrganizationalGrant.objects.filter(recorded_by=user).select_related(
                    "organization"
                )
            ],
        }


def _plans_naming(auditor: Auditor | None) -> list[AuditPlan]:
    """The plans whose recorded team still names the auditor (only the cases they were
    assigned to can)."""
    if auditor is None:
        return []
    cases = AuditorAssignment.objects.filter(auditor=auditor).values("application_id")
    plans = AuditPlan.objects.filter(application_id__in=cases).order_by("pk")
    return [
        plan
        for plan in plans
        if any(m.get("auditor") == auditor.pk and not m.get("erased") for m in plan.team)
    ]


def erase(subject: Subject, by: User | None) -> dict[str, int]:
    with scopes_disabled():
        auditor = Auditor.objects.filter(user=subject.user).first()
        plans = _plans_naming(auditor)
        for plan in plans:
            team = [
                {**m, "name": "", "erased": True}
                if auditor and m.get("auditor") == auditor.pk
                else m
                for m in plan.team
            ]
            # Only the recorded names change: no new version, no log entry of its own.
            AuditPlan.objects.filter(pk=plan.pk).update(team=team)
    return {"audit_plan_teams": len(plans)}


def describe(user: User) -> list[ErasureLine]:
    with scopes_disabled():
        plans = len(_plans_naming(Auditor.objects.filter(user=user).first()))
    if not plans:
        return []
    text = ngettext(
        "%(count)d audit plan names the person in its audit team: the name is replaced by "
        "“Former member”; the plan stays in the case record.",
        "%(count)d audit plans name the person in their audit team: the name is replaced by "
        "“Former member”; the plans stay in the case record.",
        plans,
    ) % {"count": plans}
    return [ErasureLine("anonymise", text)]


def blockers(user: User) -> list[Any]:
    auditor = getattr(user, "auditor", None)
    if auditor is None:
        return []
    with scopes_disabled():
        active = (
            AuditorAssignment.objects.filter(auditor=auditor, status=AssignmentStatus.ACTIVE)
            .select_related("application__organization")
            .order_by("pk")
        )
        return [
            _(
                "%(person)s is assigned to the audit of application #%(application)s "
                "(%(organization)s): end the assignment first."
            )
            % {
                "person": user.public_name,
                "application": a.application_id,
                "organization": a.application.organization.display_name,
            }
            for a in active
        ]


# --- Complaints (complaints): the person as a complainant ----------------------------------
# Found by the account that sent them or by the address given on the form. Erasure keeps the
# record (the body must keep its complaints) and removes who complained: name, address and
# organization.


def _complaints_of(user: User, email: str = "") -> Any:
    """The person's complaints (imported late: selectors import models like this module)."""
    from .selectors.complaints import complaints_of_person

    return complaints_of_person(user=user, email=email or user.email)


def complaints_export(user: User) -> dict[str, Any]:
    return {
        "complaints": [
            {
                "reference": c.reference,
                "about": c.subject,
                "concerning": c.subject_detail,
                "complaint": c.description,
                "name": c.complainant_name,
                "email": c.complainant_email,
                "organization": c.complainant_organization,
                "received": c.received_at,
                "status": c.status,
                "outcome": c.outcome,
                "answer": c.answer,
            }
            for c in _complaints_of(user)
        ]
    }


def complaints_erase(subject: Subject, by: User | None) -> dict[str, int]:
    from .services.complaints import ERASED_ADDRESS

    count = _complaints_of(subject.user, subject.email).update(
        complainant_name="[erased]",
        complainant_email=ERASED_ADDRESS,
        complainant_organization="",
        complainant=None,
    )
    return {"complaints_anonymised": count}


def complaints_describe(user: User) -> list[ErasureLine]:
    count = _complaints_of(user).count()
    if not count:
        return []
    text = ngettext(
        "%(count)d complaint sent by the person: their name, e-mail address and "
        "organization are removed from it; the complaint stays on record.",
        "%(count)d complaints sent by the person: their name, e-mail address and "
        "organization are removed from them; the complaints stay on record.",
        count,
    ) % {"count": count}
    return [ErasureLine("anonymise", text)]


def register() -> None:
    register_provider(
        Provider(
            key="complaints",
            export=complaints_export,
            erase=complaints_erase,
            describe=complaints_describe,
            kept=[
                _(
                    "Complaints the person sent stay on record (the certification body keeps "
                    "its complaints and what it decided), without the complainant's name, "
                    "e-mail address and organization."
                )
            ],
        )
    )
    register_provider(
        Provider(
            key="certification",
            export=export,
            erase=erase,
            describe=describe,
            blockers=blockers,
            kept=[
                _(
                    "The certification record stays: applications, self-assessment answers, "
                    "evidence, audit scores and their history, findings, audit reports, "
                    "certification decisions, certificates and their events, auditor "
                    "qualifications and declared conflicts. It is linked to the anonymised "
                    "account, so who scored and who decided remains provable."
                ),
                _(
                    "Acceptances of the certification agreement (the signatory's name and "
                    "position, the text as accepted with its SHA-256, time, IP address and "
                    "browser) are the evidence of the company's agreement and are kept, like "
                    "CPO signatures. Audit plans and objections to auditors stay in the case "
                    "record; an auditor's name in the team recorded with a plan is replaced "
                    "by “Former member”."
                ),
            ],
        )
    )
