"""The certification API under /api/v1/ (names live in the "api" namespace).

For an organization's members: /organizations/<org_slug>/applications/…; for assigned
auditors: /audits/…, and their own profile: /audit/profile/…; for the CPO office:
/office/applications/…, /office/grants/ and /office/certificates/<number>/…; for anyone:
the registry of certificates, /certificates/ and /certificates/<number>/.
"""

from django.urls import URLPattern, path

from . import (  # findings: its own module
    appeals,  # appeals
    applications,
    auditors,
    audits,
    certificates,
    findings,
    plans,
    seal,
    self_assessment,
)

A = "organizations/<slug:org_slug>/applications/"
AUDIT = "audits/<int:id>/"
OFFICE = "office/applications/<int:id>/"
CERTIFICATE = "office/certificates/<str:number>/"

urlpatterns: list[URLPattern] = [
    # The organization.
    path(A, applications.ApplicationListView.as_view(), name="certification-applications"),
    path(
        f"{A}<int:id>/",
        applications.ApplicationDetailView.as_view(),
        name="certification-application",
    ),
    path(f"{A}<int:id>/submit/", applications.SubmitView.as_view(), name="certification-submit"),
    path(
        f"{A}<int:id>/withdraw/",
        applications.WithdrawView.as_view(),
        name="certification-withdraw",
    ),
    path(
        f"{A}<int:id>/self-assessment/",
        self_assessment.SelfAssessmentView.as_view(),
        name="certification-self-assessment",
    ),
    path(
        f"{A}<int:id>/self-assessment/submit/",
        self_assessment.SelfAssessmentSubmitView.as_view(),
        name="certification-self-assessment-submit",
    ),
    path(
        f"{A}<int:id>/self-assessment/<int:criterion_id>/",
        self_assessment.AnswerView.as_view(),
        name="certification-answer",
    ),
    path(
        f"{A}<int:id>/self-assessment/<int:criterion_id>/evidence/",
        self_assessment.EvidenceAddView.as_view(),
        name="certification-evidence-add",
    ),
    path(
        f"{A}<int:id>/evidence/<int:evidence_id>/",
        self_assessment.EvidenceRemoveView.as_view(),
        name="certification-evidence",
    ),
    path(
        f"{A}<int:id>/findings/<int:finding_id>/answer/",
        findings.FindingAnswerView.as_view(),
        name="certification-finding-answer",
    ),
    path(
        f"{A}<int:id>/findings/<int:finding_id>/evidence/",
        findings.FindingEvidenceAddView.as_view(),
        name="certification-finding-evidence",
    ),
    # The assigned auditor.
    path("audits/", audits.AuditListView.as_view(), name="audits"),
    path(AUDIT, audits.AuditDetailView.as_view(), name="audit"),
    path(f"{AUDIT}scores/<int:criterion_id>/", audits.ScoreView.as_view(), name="audit-score"),
    path(f"{AUDIT}findings/", findings.FindingListView.as_view(), name="audit-findings"),
    path(
        f"{AUDIT}findings/<int:finding_id>/close/",
        findings.FindingCloseView.as_view(),
        name="audit-finding-close",
    ),
    path(
        f"{AUDIT}findings/<int:finding_id>/reopen/",
        findings.FindingReopenView.as_view(),
        name="audit-finding-reopen",
    ),
    path(f"{AUDIT}corrections/", audits.CorrectionsView.as_view(), name="audit-corrections"),
    path(f"{AUDIT}resume/", audits.ResumeView.as_view(), name="audit-resume"),
    path(f"{AUDIT}report/", audits.ReportView.as_view(), name="audit-report"),
    path(f"{AUDIT}decline/", auditors.DeclineView.as_view(), name="audit-decline"),
    # The auditor's own profile.
    path("audit/profile/", auditors.ProfileView.as_view(), name="audit-profile"),
    path(
        "audit/profile/qualifications/",
        auditors.QualificationsView.as_view(),
        name="audit-profile-qualifications",
    ),
    path(
        "audit/profile/conflicts/",
        auditors.ConflictListView.as_view(),
        name="audit-profile-conflicts",
    ),
    path(
        "audit/profile/conflicts/<int:conflict_id>/",
        auditors.ConflictDetailView.as_view(),
        name="audit-profile-conflict",
    ),
    # The CPO office.
    path(
        "office/applications/",
        applications.OfficeApplicationListView.as_view(),
        name="office-applications",
    ),
    path(OFFICE, applications.OfficeApplicationDetailView.as_view(), name="office-application"),
    path(f"{OFFICE}accept/", applications.AcceptView.as_view(), name="office-accept"),
    path(f"{OFFICE}return/", applications.ReturnView.as_view(), name="office-return"),
    path(f"{OFFICE}reject/", applications.RejectView.as_view(), name="office-reject"),
    path(f"{OFFICE}reopen/", applications.ReopenView.as_view(), name="office-reopen"),
    path(
        f"{OFFICE}assignments/",
        auditors.AssignmentListView.as_view(),
        name="office-assignments",
    ),
    path(
        f"{OFFICE}assignments/<int:assignment_id>/end/",
        auditors.AssignmentEndView.as_view(),
        name="office-assignment-end",
    ),
    path(f"{OFFICE}decide/", applications.DecideView.as_view(), name="office-decide"),
    path(f"{OFFICE}scores/", audits.ScoreHistoryView.as_view(), name="office-score-history"),
    path("office/grants/", applications.GrantListView.as_view(), name="office-grants"),
    # --- Auditor competence (auditors): applications withdrawn, the office's decisions.
    path(
        "audit/profile/qualifications/<int:qualification_id>/withdraw/",
        auditors.QualificationWithdrawView.as_view(),
        name="audit-profile-qualification-withdraw",
    ),
    path(
        "office/qualifications/",
        auditors.OfficeQualificationQueueView.as_view(),
        name="office-qualifications",
    ),
    path(
        "office/qualifications/<int:qualification_id>/approve/",
        auditors.OfficeQualificationApproveView.as_view(),
        name="office-qualification-approve",
    ),
    path(
        "office/qualifications/<int:qualification_id>/refuse/",
        auditors.OfficeQualificationRefuseView.as_view(),
        name="office-qualification-refuse",
    ),
    path(
        "office/qualifications/<int:qualification_id>/revoke/",
        auditors.OfficeQualificationRevokeView.as_view(),
        name="office-qualification-revoke",
    ),
    # Certificates: the public registry, and the office's lifecycle steps.
    path("certificates/", seal.CertificateListView.as_view(), name="certificates"),
    path(
        "certificates/<str:number>/",
        seal.CertificateDetailView.as_view(),
        name="certificate",
    ),
    path(
        f"{CERTIFICATE}suspend/",
        certificates.SuspendView.as_view(),
        name="office-certificate-suspend",
    ),
    path(
        f"{CERTIFICATE}reinstate/",
        certificates.ReinstateView.as_view(),
        name="office-certificate-reinstate",
    ),
    path(
        f"{CERTIFICATE}withdraw/",
        certificates.WithdrawView.as_view(),
        name="office-certificate-withdraw",
    ),
    # Audit plans and objections (plans): the organization reads, confirms, objects.
    path(f"{A}<int:id>/plan/", plans.PlanView.as_view(), name="certification-plan"),
    path(
        f"{A}<int:id>/plan/confirm/",
        plans.PlanConfirmView.as_view(),
        name="certification-plan-confirm",
    ),
    path(
        f"{A}<int:id>/plan/objections/",
        plans.ObjectionView.as_view(),
        name="certification-plan-objections",
    ),
    # Appeals (appeals): the organization reads its appeals and the decisions it may appeal;
    # owners and admins file one.
    path(
        "organizations/<slug:org_slug>/appeals/",
        appeals.AppealListView.as_view(),
        name="certification-appeals",
    ),
    path(
        "organizations/<slug:org_slug>/appeals/decisions/",
        appeals.AppealDecisionsView.as_view(),
        name="certification-appeal-decisions",
    ),
    path(
        "organizations/<slug:org_slug>/appeals/<int:appeal_id>/",
        appeals.AppealDetailView.as_view(),
        name="certification-appeal",
    ),
]
