"""A person's part in certification (see cpo_portal.accounts.personal_data): as an
auditor (qualifications, conflicts, assignments, scores, findings), for a company
(applications, self-assessment answers, evidence) and for the office (decisions,
certificates). All of it is the certification record and stays on erasure, linked to the
anonymised account; an auditor assigned to an audit in progress is released first."""

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.accounts.personal_data import Provider, register_provider

from .models import (
    Application,
    ApplicationEvent,
    AssignmentStatus,
    AuditorAssignment,
    AuditorConflict,
    AuditorQualification,
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


def export(user: User) -> dict[str, Any]:
    with scopes_disabled():
        applications = Application.objects.select_related("organization")
        return {
            "auditor": _auditor(user),
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


def register() -> None:
    register_provider(
        Provider(
            key="certification",
            export=export,
            blockers=blockers,
            kept=[
                _(
                    "The certification record stays: applications, self-assessment answers, "
                    "evidence, audit scores and their history, findings, audit reports, "
                    "certification decisions, certificates and their events, auditor "
                    "qualifications and declared conflicts. It is linked to the anonymised "
                    "account, so who scored and who decided remains provable."
                )
            ],
        )
    )
