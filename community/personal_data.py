"""What the CPO Community holds about a person (see cpo_portal.accounts.personal_data).

On erasure the election records stay — candidacies, results, the Core Team — and name a
former member; a candidate's own statement goes, and so do the person's name and address
in conference registrations and in the figures of annual reports. Ballots were never linked
to a person or an organization (see models.Ballot): there is nothing to export or erase.
"""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_scopes import scopes_disabled

from cpo_portal.accounts.models import ERASED_EMAIL_DOMAIN, User
from cpo_portal.accounts.personal_data import ErasureLine, Provider, Subject, register_provider
from cpo_portal.documents.services import document_rerender

from .models import (
    AnnualReport,
    AssociationMembership,
    BallotCast,
    Candidate,
    Proposal,
    ProposalComment,
    Registration,
    RegistrationStatus,
    ReportComment,
    ReportImage,
    ReportSection,
)
from .services.conference import registration_cancel
from .services.reports import report_document

# What takes the place of an erased attendee's name: the same in every language.
ERASED = "[erased]"


def _candidacies(user: User) -> QuerySet[Candidate]:
    return Candidate.objects.filter(user=user).select_related(
        "election", "organization", "nominated_by_organization"
    )


def _registrations(email: str) -> QuerySet[Registration]:
    return Registration.objects.filter(attendee_email__iexact=email).select_related(
        "conference", "organization"
    )


def export(user: User) -> dict[str, Any]:
    with scopes_disabled():
        return {
            "candidacies": [
                {
                    "election": c.election.year,
                    "group": c.group,
                    "organization": c.organization.display_name,
                    "nominated_by": c.nominated_by_organization.display_name,
                    "status": c.status,
                    "statement": c.statement,
                    "nominated": c.nominated_at,
                    "answered": c.answered_at,
                }
                for c in _candidacies(user).order_by("election__year", "pk")
            ],
            "nominations_made": [
                {
                    "election": c.election.year,
                    "group": c.group,
                    "candidate_organization": c.organization.display_name,
                    "nominated": c.nominated_at,
                }
                for c in Candidate.objects.filter(nominated_by=user)
                .select_related("election", "organization")
                .order_by("nominated_at", "pk")
            ],
            # That the organization voted, and when: how it voted is known to nobody.
            "ballots_cast_for_organization": [
                {
                    "election": b.election.year,
                    "organization": b.organization.display_name,
                    "time": b.cast_at,
                }
                for b in BallotCast.objects.filter(cast_by=user)
                .select_related("election", "organization")
                .order_by("cast_at", "pk")
            ],
            "proposals": _proposals(user),
            "comments": [
                {
                    "proposal": c.proposal.title,
                    "organization": c.organization.display_name,
                    "comment": c.body,
                    "time": c.created_at,
                }
                for c in ProposalComment.objects.filter(author=user)
                .select_related("proposal", "organization")
                .order_by("created_at", "pk")
            ],
            "conference_registrations": [
                {
                    "conference": r.conference.year,
                    "organization": r.organization.display_name,
                    "attendee_name": r.attendee_name,
                    "attendee_email": r.attendee_email,
                    "status": r.status,
                    "registered": r.registered_at,
                }
                for r in _registrations(user.email).order_by("registered_at", "pk")
            ],
            "association_memberships": [
                {
                    "organization": m.organization.display_name,
                    "number": m.number,
                    "declared_by_this_person": m.declared_by_id == user.pk,
                    "verified_by_this_person": m.verified_by_id == user.pk,
                }
                for m in AssociationMembership.objects.filter(
                    Q(declared_by=user) | Q(verified_by=user)
                ).select_related("organization")
            ],
            "report_sections_last_edited": [
                {"report": s.report.year, "section": s.title, "time": s.updated_at}
                for s in ReportSection.objects.filter(updated_by=user)
                .select_related("report")
                .order_by("report__year", "position")
            ],
            "report_review_comments": [
                {
                    "report": c.section.report.year,
                    "section": c.section.title,
                    "comment": c.body,
                    "time": c.created_at,
                }
                for c in ReportComment.objects.filter(author=user)
                .select_related("section__report")
                .order_by("created_at", "pk")
            ],
            "report_images_uploaded": [
                {"report": i.report.year, "caption": i.caption, "time": i.uploaded_at}
                for i in ReportImage.objects.filter(uploaded_by=user)
                .select_related("report")
                .order_by("uploaded_at", "pk")
            ],
        }


def _proposals(user: User) -> dict[str, Any]:
    submitted = Proposal.objects.filter(submitted_by=user).select_related("organization")
    decided = Proposal.objects.filter(decided_by=user)
    return {
        "submitted": [
            {
                "title": p.title,
                "organization": p.organization.display_name,
                "kind": p.kind,
                "rationale": p.rationale,
                "status": p.status,
                "submitted": p.submitted_at,
            }
            for p in submitted.order_by("submitted_at", "pk")
        ],
        "decided": [
            {"title": p.title, "status": p.status, "decided": p.decided_at}
            for p in decided.order_by("decided_at", "pk")
        ],
    }


def _reports_naming(user: User, full_name: str) -> list[AnnualReport]:
    """Reports whose frozen election figures list the person by name."""
    if not full_name:
        return []
    years = Candidate.objects.filter(user=user).values_list("election__year", flat=True)
    reports = AnnualReport.objects.filter(year__in=list(years), snapshot__isnull=False)
    return [r for r in reports if _names(r.snapshot, full_name)]


def _names(snapshot: dict[str, Any] | None, full_name: str) -> list[dict[str, Any]]:
    groups = ((snapshot or {}).get("election") or {}).get("groups") or {}
    return [
        candidate
        for figures in groups.values()
        for candidate in figures.get("candidates", [])
        if str(candidate.get("name", "")).strip() == full_name
    ]


def _erase_from_reports(subject: Subject, by: User | None) -> int:
    reports = _reports_naming(subject.user, subject.full_name)
    for report in reports:
        snapshot = report.snapshot
        for candidate in _names(snapshot, subject.full_name):
            candidate["name"], candidate["erased"] = "", True
        report.snapshot = snapshot
        report.save(update_fields=["snapshot", "updated_at"])
        document = report_document(report)
        if report.is_published and document is not None:
            # The published PDF is produced again from the corrected figures.
            document_rerender(document=document, by=by)
    return len(reports)


def _erase_registrations(subject: Subject, by: User | None) -> int:
    today = timezone.localdate()
    registrations = list(_registrations(subject.email))
    for registration in registrations:
        # Anonymised first: the cancellation's log entry names the registration.
        Registration.objects.filter(pk=registration.pk).update(
            attendee_name=ERASED,
            attendee_email=f"erased-registration-{registration.pk}@{ERASED_EMAIL_DOMAIN}",
        )
        upcoming = registration.conference.ends_on >= today
        if upcoming and registration.status != RegistrationStatus.CANCELLED:
            registration_cancel(registration=registration, by=by)
    return len(registrations)


def erase(subject: Subject, by: User | None) -> dict[str, int]:
    with scopes_disabled():
        statements = (
            Candidate.objects.filter(user=subject.user).exclude(statement="").update(statement="")
        )
        return {
            "candidate_statements": statements,
            "conference_registrations": _erase_registrations(subject, by),
            "annual_reports": _erase_from_reports(subject, by),
        }


def describe(user: User) -> list[ErasureLine]:
    with scopes_disabled():
        statements = Candidate.objects.filter(user=user).exclude(statement="").count()
        registrations = _registrations(user.email).count()
        reports = len(_reports_naming(user, user.full_name.strip()))
        comments = ProposalComment.objects.filter(author=user).count()
    lines = []
    if statements:
        text = ngettext(
            "%(count)d candidate statement.", "%(count)d candidate statements.", statements
        ) % {"count": statements}
        lines.append(ErasureLine("delete", text))
    if registrations:
        text = ngettext(
            "%(count)d conference registration: name and address removed; an upcoming "
            "conference's registration is cancelled.",
            "%(count)d conference registrations: name and address removed; upcoming "
            "conferences' registrations are cancelled.",
            registrations,
        ) % {"count": registrations}
        lines.append(ErasureLine("anonymise", text))
    if reports:
        text = ngettext(
            "%(count)d annual report names the person among the election results: the name "
            "is removed (a published report's PDF is produced again).",
            "%(count)d annual reports name the person among the election results: the name "
            "is removed (a published report's PDF is produced again).",
            reports,
        ) % {"count": reports}
        lines.append(ErasureLine("anonymise", text))
    if comments:
        text = ngettext(
            "%(count)d comment on proposals: kept, shown as written by a former member of "
            "the organization.",
            "%(count)d comments on proposals: kept, shown as written by a former member of "
            "the organization.",
            comments,
        ) % {"count": comments}
        lines.append(ErasureLine("anonymise", text))
    return lines


def register() -> None:
    register_provider(
        Provider(
            key="community",
            export=export,
            erase=erase,
            describe=describe,
            kept=[
                _(
                    "Election records — candidacies, results and the Core Team — stay and name "
                    "a former member; so does the record that an organization voted. Ballots "
                    "were never linked to a person or an organization: no vote can be traced "
                    "to anyone, before or after the erasure."
                ),
                _(
                    "Proposals, comments and decisions stay as contributions of their "
                    "organizations to the CPO, shown as by a former member."
                ),
            ],
        )
    )
