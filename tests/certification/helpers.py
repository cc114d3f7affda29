"""Helpers of the certification tests: signees approved, auditors qualified, applications
taken through the real services (up to a decided certificate), bulk certificates for
query-count tests, small real sample files for evidence."""

import io
import zipfile
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import (
    Application,
    ApplicationEvent,
    AuditorAssignment,
    AuditorConflict,
    AuditorQualification,
    Certificate,
    Evidence,
    Finding,
    OrganizationalGrant,
    Rating,
    Score,
    ScoreChange,
    SelfAssessmentAnswer,
)
from certification.services import applications, auditors, audits, self_assessment
from cpo_portal.accounts.models import Auditor
from criteria.models import AssessmentCriterion, AssessmentScheme, SchemeKind
from signees.services.signing import signee_approve, signee_sign

TODAY = timezone.localdate()
WINDOW = {"window_start": date(2027, 3, 1), "window_end": date(2027, 3, 31)}


# --- People ---------------------------------------------------------------------------------


def approve_signee(organization, owner, office, group="it_vendor"):
    signature = signee_sign(
        organization=organization,
        by=owner,
        group=group,
        signatory_name=str(owner),
        signatory_position="CEO",
        authority_confirmed=True,
    )
    return signee_approve(signee=signature.signee, by=office)


# --- Auditor competence (auditors) ---------------------------------------------------------
# What an auditor writes when applying, and the validity the office approves: from a year
# ago to two years ahead (AuditorFactory(qualified=...) writes the same).
TRAINING = "CPO auditor training, 2024; ISO/IEC 17065 course, 2023."
EXPERIENCE = "Ten years of PLM integration projects."


def qualification_validity(today=None):
    today = today or timezone.localdate()
    return today - timedelta(days=365), today + timedelta(days=730)


def approver():
    """An office administrator who approves qualifications in tests and then leaves the office,
    so the office's mails of a test go to its office fixtures only."""
    from cpo_portal.accounts.models import User
    from tests.factories import make_office

    user = User.objects.filter(email="approver@example.org").first()
    if user is None:
        user = User.objects.create_user(
            email="approver@example.org", password=None, full_name="Alma Approver"
        )
    return make_office(user, "administrator")


def qualify(auditor, *kinds, office=None):
    """The auditor applies for each scheme (all by default) and an office administrator
    approves it with qualification_validity()."""
    decider = office or approver()
    valid_from, valid_until = qualification_validity()
    for kind in kinds or SchemeKind.values:
        applied = auditors.qualification_apply(
            auditor=auditor,
            scheme_kind=kind,
            training=TRAINING,
            experience=EXPERIENCE,
            by=auditor.user,
        )
        auditors.qualification_approve(
            qualification=applied, valid_from=valid_from, valid_until=valid_until, by=decider
        )
    if office is None:
        decider.groups.clear()
    return auditor


def make_auditor(user, *kinds, office=None):
    """An auditor (the user's profile, or a new one) qualified through the services for
    `kinds` (every scheme by default)."""
    auditor, _ = Auditor.objects.get_or_create(user=user)
    return qualify(auditor, *kinds, office=office)


def unqualify(auditor, *kinds):
    """End the auditor's qualifications (all schemes by default) as if their validity ran
    out yesterday."""
    rows = AuditorQualification.objects.filter(auditor=auditor, status="approved")
    if kinds:
        rows = rows.filter(scheme_kind__in=kinds)
    yesterday = timezone.localdate() - timedelta(days=1)
    rows.update(valid_from=yesterday - timedelta(days=365), valid_until=yesterday)
    return auditor


# --- Applications through the services --------------------------------------------------------


def new_application(organization, user, kind=SchemeKind.ORGANIZATIONAL, **extra):
    values = {"scope_description": "Whole company, PLM business unit", **WINDOW}
    if kind == SchemeKind.PRODUCT:
        values |= {"product_name": "Alpha PLM", "product_version": "7.1"}
    return applications.application_create(
        organization=organization, kind=kind, by=user, **(values | extra)
    )


def set_status(application, status):
    """Put the application in `status` directly (bypassing the state machine)."""
    with scopes_disabled():
        Application.objects.filter(pk=application.pk).update(status=status)
        application.refresh_from_db()
    return application


def criteria_of(application, obligation=None):
    qs = AssessmentCriterion.objects.filter(scheme_id=application.scheme_id).order_by(
        "area__position", "position"
    )
    return list(qs.filter(obligation=obligation) if obligation else qs)


# clarifications ("evidence required"): what answer_all gives where a criterion needs evidence.
NO_EVIDENCE_REASON = "Shown to the auditors on site."


def answer_all(application, user, status="implemented"):
    for criterion in criteria_of(application):
        self_assessment.self_assessment_answer(
            application=application,
            criterion_id=criterion.pk,
            status=status,
            explanation="As documented in our handbook.",
            by=user,
            # clarifications ("evidence required"): the reason stands in for the evidence,
            # given only where the page asks for it (as ApplicationFactory writes it).
            no_evidence_reason=NO_EVIDENCE_REASON if criterion.evidence_required else None,
        )


def give_evidence(application, user):
    """clarifications ("evidence required"): a link as evidence for every criterion that
    requires it (the auditor then rates it fulfilled without a confirmation)."""
    for criterion in criteria_of(application):
        if criterion.evidence_required:
            self_assessment.evidence_add_link(
                application=application,
                criterion_id=criterion.pk,
                url=f"https://alpha.example/handbook#{criterion.code}",
                title="Openness handbook",
                by=user,
            )


def score(application, criterion, rating, user, rationale="Seen in the evidence."):
    with scopes_disabled():
        current = Score.objects.get(application=application, criterion=criterion)
    return audits.score_save(
        application_id=application.pk,
        criterion_id=criterion.pk,
        rating=rating,
        rationale=rationale,
        expected_version=current.version,
        by=user,
        # clarifications ("evidence required"): the auditor confirms where no evidence is.
        without_evidence=True,
    )


def score_all(application, user, rating=Rating.FULFILLED):
    for criterion in criteria_of(application):
        score(application, criterion, rating, user)


# --- The certification agreement (agreements) ----------------------------------------------


def accept_agreement(organization, user=None):
    """The organization accepts the certification agreement in force through the service,
    by `user` (its owner by default) as signatory, position "CEO" (version 1 is published by
    AgreementVersionFactory if none is); its acceptance if it has already accepted it."""
    from certification.selectors.agreements import agreement_accepted_by, agreement_in_force
    from certification.services.agreements import agreement_accept

    from .factories import SIGNATORY_POSITION, AgreementVersionFactory, _owner

    agreement = agreement_in_force() or AgreementVersionFactory(published=True)
    existing = agreement_accepted_by(organization, agreement)
    if existing is not None:
        return existing
    user = user or _owner(organization)
    return agreement_accept(
        organization=organization,
        by=user,
        signatory_name=user.public_name,
        signatory_position=SIGNATORY_POSITION,
        authority_confirmed=True,
        agreement_number=agreement.number,
    )


# --- Audit plans (plans) ---------------------------------------------------------------------


def send_plan(application, by, *, change_note=""):
    """The case's audit plan drafted as prefilled (the first version: the audit window's
    first days, remote, one site, an agenda row per subject area) and sent, through the
    services, by `by` (the lead auditor or an office reviewer). The report needs one."""
    from certification.services import plans

    draft = plans.plan_draft(application=application, by=by)
    return plans.plan_send(plan=draft, by=by, change_note=change_note)


def plan_for_report(application):
    """The plan the report waits for, sent by the case's lead auditor, unless one is in
    force (or the case is past planning): for tests about the report, not the plan."""
    from certification.selectors.plans import plan_of
    from certification.services.plans import PLAN_STATES

    application = refreshed(application)
    if plan_of(application) is not None or application.status not in PLAN_STATES:
        return
    with scopes_disabled():
        lead = (
            AuditorAssignment.objects.filter(application=application, role="lead", status="active")
            .select_related("auditor__user")
            .first()
        )
    if lead is not None:
        send_plan(application, lead.auditor.user)


def raise_objection(plan, assignment, by, reason="He worked for our competitor last year."):
    from certification.services import plans

    return plans.objection_raise(plan=plan, assignment=assignment, reason=reason, by=by)


# --- Certificates ----------------------------------------------------------------------------


# findings: the rest of a company's answer to a nonconformity (correction, root cause,
# completion date), for tests that only care about the corrective action.
def answer_fields(days=30):
    return {
        "correction": "Fixed the instance at once.",
        "root_cause": "The process had no owner.",
        "action_due_on": timezone.localdate() + timedelta(days=days),
    }


def refreshed(instance):
    with scopes_disabled():
        instance.refresh_from_db()
    return instance


def certificate_of(application):
    with scopes_disabled():
        return Certificate.objects.select_related("organization").get(application=application)


def decide(application, office, decision="grant"):
    return applications.application_decide(
        application=application, decision=decision, rationale="As the report shows.", by=office
    )


def audit_to_report(application, *, company_user, auditor, auditor_user, office, grant=True):
    """From submitted or accepted to report_submitted, through the services."""
    application = refreshed(application)
    if application.status == "draft":
        applications.application_submit(application=application, by=company_user)
        application = refreshed(application)
    if application.status == "submitted":
        accept_agreement(application.organization, company_user)
        applications.application_accept(application=application, by=office)
    auditors.auditor_assign(application=application, auditor=auditor, role="lead", by=office)
    application = refreshed(application)
    send_plan(application, auditor_user)  # the report waits for a plan sent (plans)
    answer_all(application, company_user)
    self_assessment.self_assessment_submit(application=application, by=company_user)
    application = refreshed(application)
    score_all(application, auditor_user)
    audits.report_submit(
        application=application,
        recommendation="grant" if grant else "deny",
        summary="As scored.",
        by=auditor_user,
    )
    return refreshed(application)


def product_certificate(organization, *, alice, lead, auditor_user, office, decider):
    """A product certificate of the organization (it needs its organizational one first)."""
    application = new_application(organization, alice, kind=SchemeKind.PRODUCT)
    application = audit_to_report(
        application, company_user=alice, auditor=lead, auditor_user=auditor_user, office=office
    )
    decide(application, decider)
    return certificate_of(application)


def set_fields(certificate, **fields):
    with scopes_disabled():
        Certificate.objects.filter(pk=certificate.pk).update(**fields)
        certificate.refresh_from_db()
    return certificate


def make_certificates(organization, catalogue, count, *, kind=SchemeKind.ORGANIZATIONAL, **extra):
    """`count` certificates straight into the database (bulk, for query-count tests)."""
    start = extra.pop("start", 1)
    scheme = AssessmentScheme.objects.get(version=catalogue, kind=kind)
    prefix = "O" if kind == SchemeKind.ORGANIZATIONAL else "P"
    with scopes_disabled():
        cases = Application.objects.bulk_create(
            [
                Application(
                    organization=organization,
                    kind=kind,
                    scheme=scheme,
                    status="decided",
                    scope_description="Whole company",
                    window_start=date(2025, 1, 1),
                    window_end=date(2025, 1, 31),
                )
                for _ in range(count)
            ]
        )
        values = {
            "holder_name": organization.legal_name,
            "holder_country": str(organization.country),
            "holder_group": "it_vendor",
            "scope_description": "Whole company",
            "issued_on": TODAY - timedelta(days=30),
            "valid_until": TODAY + timedelta(days=1000),
            "status": "active",
            "status_changed_at": timezone.now(),
        } | extra
        return Certificate.objects.bulk_create(
            [
                Certificate(
                    number=f"CPO-{prefix}-2025-{start + i:04d}",
                    kind=kind,
                    organization=organization,
                    application=application,
                    scheme=scheme,
                    catalogue_version=catalogue,
                    **values,
                )
                for i, application in enumerate(cases)
            ]
        )


# --- Evidence: small real sample files ----------------------------------------------------------

# A minimal PDF the content check accepts.
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"/>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body/></w:document>',
        )
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def add_pdf(application, user, name="handbook.pdf"):
    criterion = application.scheme.assessment_criteria.order_by("area__position", "position")[0]
    return self_assessment.evidence_add_file(
        application=application,
        upload=upload(name, PDF_BYTES),
        criterion_id=criterion.pk,
        by=user,
    )


def evidence_url(evidence) -> str:
    return reverse("certification:evidence_download", args=[evidence.pk])


# --- The API ------------------------------------------------------------------------------

ORG = "/api/v1/organizations/alpha/applications/"


def as_user(api, user):
    api.force_authenticate(user)
    return api


def counts():
    """Everything a refused write must leave alone."""
    with scopes_disabled():
        return {
            "events": ApplicationEvent.objects.count(),
            "answers": SelfAssessmentAnswer.objects.count(),
            "evidence": Evidence.objects.count(),
            "findings": list(Finding.objects.values_list("pk", "status", "corrective_action")),
            "scores": list(Score.objects.values_list("pk", "rating", "version")),
            "changes": ScoreChange.objects.count(),
            "assignments": list(AuditorAssignment.objects.values_list("pk", "status")),
            "qualifications": list(
                AuditorQualification.objects.order_by("pk").values_list("pk", "scheme_kind")
            ),
            "conflicts": list(AuditorConflict.objects.order_by("pk").values_list("pk", "until")),
            "grants": OrganizationalGrant.objects.count(),
        }
