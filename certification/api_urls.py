"""The certification API under /api/v1/ (names live in the "api" namespace).

For an organization's members: /organizations/<org_slug>/applications/…; for assigned
auditors: /audits/…, and their own profile: /audit/profile/…; for the CPO office:
/office/applications/… and /office/grants/.
"""

from django.urls import path

from .api import audit, company, office, profile

A = "organizations/<slug:org_slug>/applications/"
AUDIT = "audits/<int:id>/"
OFFICE = "office/applications/<int:id>/"

urlpatterns = [
    # The organization.
    path(A, company.ApplicationListView.as_view(), name="certification-applications"),
    path(
        f"{A}<int:id>/", company.ApplicationDetailView.as_view(), name="certification-application"
    ),
    path(f"{A}<int:id>/submit/", company.SubmitView.as_view(), name="certification-submit"),
    path(f"{A}<int:id>/withdraw/", company.WithdrawView.as_view(), name="certification-withdraw"),
    path(
        f"{A}<int:id>/self-assessment/",
        company.SelfAssessmentView.as_view(),
        name="certification-self-assessment",
    ),
    path(
        f"{A}<int:id>/self-assessment/submit/",
        company.SelfAssessmentSubmitView.as_view(),
        name="certification-self-assessment-submit",
    ),
    path(
        f"{A}<int:id>/self-assessment/<int:criterion_id>/",
        company.AnswerView.as_view(),
        name="certification-answer",
    ),
    path(
        f"{A}<int:id>/self-assessment/<int:criterion_id>/evidence/",
        company.EvidenceAddView.as_view(),
        name="certification-evidence-add",
    ),
    path(
        f"{A}<int:id>/evidence/<int:evidence_id>/",
        company.EvidenceRemoveView.as_view(),
        name="certification-evidence",
    ),
    path(
        f"{A}<int:id>/findings/<int:finding_id>/answer/",
        company.FindingAnswerView.as_view(),
        name="certification-finding-answer",
    ),
    path(
        f"{A}<int:id>/findings/<int:finding_id>/evidence/",
        company.FindingEvidenceAddView.as_view(),
        name="certification-finding-evidence",
    ),
    # The assigned auditor.
    path("audits/", audit.AuditListView.as_view(), name="audits"),
    path(AUDIT, audit.AuditDetailView.as_view(), name="audit"),
    path(f"{AUDIT}scores/<int:criterion_id>/", audit.ScoreView.as_view(), name="audit-score"),
    path(f"{AUDIT}findings/", audit.FindingListView.as_view(), name="audit-findings"),
    path(
        f"{AUDIT}findings/<int:finding_id>/close/",
        audit.FindingCloseView.as_view(),
        name="audit-finding-close",
    ),
    path(
        f"{AUDIT}findings/<int:finding_id>/reopen/",
        audit.FindingReopenView.as_view(),
        name="audit-finding-reopen",
    ),
    path(f"{AUDIT}corrections/", audit.CorrectionsView.as_view(), name="audit-corrections"),
    path(f"{AUDIT}resume/", audit.ResumeView.as_view(), name="audit-resume"),
    path(f"{AUDIT}report/", audit.ReportView.as_view(), name="audit-report"),
    path(f"{AUDIT}decline/", audit.DeclineView.as_view(), name="audit-decline"),
    # The auditor's own profile.
    path("audit/profile/", profile.ProfileView.as_view(), name="audit-profile"),
    path(
        "audit/profile/qualifications/",
        profile.QualificationsView.as_view(),
        name="audit-profile-qualifications",
    ),
    path(
        "audit/profile/conflicts/",
        profile.ConflictListView.as_view(),
        name="audit-profile-conflicts",
    ),
    path(
        "audit/profile/conflicts/<int:conflict_id>/",
        profile.ConflictDetailView.as_view(),
        name="audit-profile-conflict",
    ),
    # The CPO office.
    path(
        "office/applications/",
        office.OfficeApplicationListView.as_view(),
        name="office-applications",
    ),
    path(OFFICE, office.OfficeApplicationDetailView.as_view(), name="office-application"),
    path(f"{OFFICE}accept/", office.AcceptView.as_view(), name="office-accept"),
    path(f"{OFFICE}return/", office.ReturnView.as_view(), name="office-return"),
    path(f"{OFFICE}reject/", office.RejectView.as_view(), name="office-reject"),
    path(f"{OFFICE}reopen/", office.ReopenView.as_view(), name="office-reopen"),
    path(f"{OFFICE}assignments/", office.AssignmentListView.as_view(), name="office-assignments"),
    path(
        f"{OFFICE}assignments/<int:assignment_id>/end/",
        office.AssignmentEndView.as_view(),
        name="office-assignment-end",
    ),
    path(f"{OFFICE}decide/", office.DecideView.as_view(), name="office-decide"),
    path(f"{OFFICE}scores/", office.ScoreHistoryView.as_view(), name="office-score-history"),
    path("office/grants/", office.GrantListView.as_view(), name="office-grants"),
]
