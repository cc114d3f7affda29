"""URLs of certification, one namespace ("certification"), mounted at the root.

The organization's workspace is under /o/<org_slug>/certification/ (members read; owners and
admins act), the auditor's area under /audit/, the CPO office's under /office/, the public
seal under /seal/ and /verify/.
"""

from django.urls import URLPattern, path, re_path

from .views import (
    agreements,
    appeals,
    applications,
    auditors,
    audits,
    certificates,
    clarifications,
    complaints,
    deadlines,
    findings,
    plans,
    seal,
    self_assessment,
    working_papers,
)

app_name = "certification"

ORG = "o/<slug:org_slug>/certification/"
OFFICE = "office/certification/"
CERTIFICATES = "office/certificates/"

urlpatterns: list[URLPattern] = [
    # --- The organization's workspace ---------------------------------------------------------
    path(ORG, applications.application_list, name="applications"),
    path(f"{ORG}new/<str:kind>/", applications.application_new, name="application_new"),
    path(f"{ORG}<int:pk>/", applications.application_detail, name="application"),
    path(f"{ORG}<int:pk>/edit/", applications.application_edit, name="application_edit"),
    path(f"{ORG}<int:pk>/submit/", applications.application_submit, name="application_submit"),
    path(
        f"{ORG}<int:pk>/withdraw/", applications.application_withdraw, name="application_withdraw"
    ),
    path(
        f"{ORG}<int:pk>/self-assessment/",
        self_assessment.self_assessment,
        name="self_assessment",
    ),
    path(
        f"{ORG}<int:pk>/self-assessment/submit/",
        self_assessment.self_assessment_submit,
        name="self_assessment_submit",
    ),
    path(
        f"{ORG}<int:pk>/self-assessment/<int:criterion_id>/",
        self_assessment.self_assessment_answer,
        name="self_assessment_answer",
    ),
    path(
        f"{ORG}<int:pk>/self-assessment/<int:criterion_id>/evidence/",
        self_assessment.evidence_add,
        name="evidence_add",
    ),
    path(
        f"{ORG}<int:pk>/evidence/<int:evidence_id>/remove/",
        self_assessment.evidence_remove,
        name="evidence_remove",
    ),
    path(
        f"{ORG}<int:pk>/findings/<int:finding_id>/",
        findings.finding_answer,
        name="finding_answer",
    ),
    path(
        f"{ORG}<int:pk>/findings/<int:finding_id>/evidence/",
        findings.finding_evidence_add,
        name="finding_evidence_add",
    ),
    # One download view for every role; it checks who may read the file.
    path(
        "certification/evidence/<int:pk>/",
        self_assessment.evidence_download,
        name="evidence_download",
    ),
    # --- The auditor's area: assigned audits while assigned; afterwards, read-only, the page
    # and the report PDF of their own past audits ------------------------------------------------
    path("audit/", audits.audit_list, name="audits"),
    path("audit/profile/", auditors.auditor_profile, name="auditor_profile"),
    path(
        "audit/profile/conflicts/<int:conflict_id>/remove/",
        auditors.conflict_remove,
        name="conflict_remove",
    ),
    path("audit/<int:pk>/", audits.audit_sheet, name="audit"),
    path("audit/<int:pk>/scores/<int:criterion_id>/", audits.score_save, name="score_save"),
    path("audit/<int:pk>/summary/", audits.audit_summary, name="audit_summary"),
    path("audit/<int:pk>/findings/new/", findings.finding_new, name="finding_new"),
    path(
        "audit/<int:pk>/findings/<int:finding_id>/close/",
        findings.finding_close,
        name="finding_close",
    ),
    path(
        "audit/<int:pk>/findings/<int:finding_id>/reopen/",
        findings.finding_reopen,
        name="finding_reopen",
    ),
    path("audit/<int:pk>/corrections/", audits.request_corrections, name="request_corrections"),
    path("audit/<int:pk>/resume/", audits.resume_audit, name="resume_audit"),
    path("audit/<int:pk>/report/", audits.report, name="audit_report"),
    path("audit/<int:pk>/report.pdf", audits.report_pdf, name="audit_report_pdf"),
    path("audit/<int:pk>/decline/", auditors.decline, name="audit_decline"),
    # --- The CPO office's cases ------------------------------------------------------------
    path(OFFICE, applications.office_application_list, name="office_applications"),
    path(
        f"{OFFICE}export.csv",
        applications.office_application_export,
        {"kind": "csv"},
        name="office_applications_csv",
    ),
    path(
        f"{OFFICE}export.xlsx",
        applications.office_application_export,
        {"kind": "xlsx"},
        name="office_applications_xlsx",
    ),
    path(f"{OFFICE}grants/", applications.office_grants, name="office_grants"),
    path(f"{OFFICE}auditors/", auditors.office_auditors, name="office_auditors"),
    path(f"{OFFICE}<int:pk>/", applications.office_application_detail, name="office_application"),
    path(f"{OFFICE}<int:pk>/review/", applications.office_review, name="office_review"),
    path(f"{OFFICE}<int:pk>/assign/", auditors.office_assign, name="office_assign"),
    path(
        f"{OFFICE}<int:pk>/assignments/<int:assignment_id>/end/",
        auditors.office_assignment_end,
        name="office_assignment_end",
    ),
    path(f"{OFFICE}<int:pk>/decide/", applications.office_decide, name="office_decide"),
    path(f"{OFFICE}<int:pk>/reopen/", applications.office_reopen, name="office_reopen"),
    path(f"{OFFICE}<int:pk>/scores/", audits.office_score_history, name="office_score_history"),
    # --- The public seal: registry, verification (the QR code target), badges, exports -----
    path("seal/", seal.registry, name="seal"),
    path("seal/feed.atom", seal.registry_feed, name="seal_feed"),
    path("seal/certificates.csv", seal.registry_csv, name="seal_csv"),
    path("seal/certificates.xlsx", seal.registry_xlsx, name="seal_xlsx"),
    re_path(r"^seal/(?P<number>[^/]{1,60})\.svg$", seal.badge, name="seal_badge"),
    re_path(r"^verify/(?P<number>[^/]{1,60})\.json$", seal.verify_json, name="verify_json"),
    re_path(r"^verify/(?P<number>[^/]{1,60})/$", seal.verify, name="verify"),
    # signatures: verify a certificate PDF by its file (upload, or the browser's SHA-256)
    path("verify/", seal.verify_file, name="verify_file"),
    # The organization's own certificates: PDF download and the badge snippets to embed.
    path("o/<slug:org_slug>/certificates/", seal.workspace_certificates, name="certificates"),
    path(
        "o/<slug:org_slug>/certificates/<int:pk>/",
        seal.workspace_certificate,
        name="certificate",
    ),
    # --- The CPO office's certificate lifecycle, and the company's recertification ---------
    path(CERTIFICATES, certificates.office_certificates, name="office_certificates"),
    path(
        f"{CERTIFICATES}export.csv",
        certificates.office_certificate_export,
        {"kind": "csv"},
        name="office_certificates_csv",
    ),
    path(
        f"{CERTIFICATES}export.xlsx",
        certificates.office_certificate_export,
        {"kind": "xlsx"},
        name="office_certificates_xlsx",
    ),
    path(
        f"{CERTIFICATES}attention/",
        certificates.office_attention,
        name="office_certificates_attention",
    ),
    path(f"{CERTIFICATES}<int:pk>/", certificates.office_certificate, name="office_certificate"),
    path(
        f"{CERTIFICATES}<int:pk>/surveillance/",
        certificates.office_open_surveillance,
        name="office_open_surveillance",
    ),
    path(
        f"{CERTIFICATES}<int:pk>/<slug:action>/",
        certificates.office_certificate_action,
        name="office_certificate_action",
    ),
    path(
        "o/<slug:org_slug>/certificates/<int:pk>/recertify/",
        certificates.recertify,
        name="certificate_recertify",
    ),
    # --- Auditor competence (auditors) ----------------------------------------------------------
    path(
        "audit/profile/qualifications/apply/",
        auditors.qualification_apply,
        name="qualification_apply",
    ),
    path(
        "audit/profile/qualifications/<int:qualification_id>/withdraw/",
        auditors.qualification_withdraw,
        name="qualification_withdraw",
    ),
    path(
        "audit/profile/qualifications/<int:qualification_id>/evidence/",
        auditors.qualification_evidence,
        name="qualification_evidence",
    ),
    path(f"{OFFICE}auditors/<int:auditor_id>/", auditors.office_auditor, name="office_auditor"),
    path(
        f"{OFFICE}auditors/qualifications/",
        auditors.office_qualification_queue,
        name="office_qualification_queue",
    ),
    path(
        f"{OFFICE}auditors/qualifications/<int:qualification_id>/",
        auditors.office_qualification,
        name="office_qualification",
    ),
    path(
        f"{OFFICE}auditors/qualifications/<int:qualification_id>/evidence/",
        auditors.office_qualification_evidence,
        name="office_qualification_evidence",
    ),
    # --- The certification agreement (agreements) -----------------------------------------------
    path(f"{ORG}agreement/", agreements.agreement_detail, name="agreement"),
    path(f"{ORG}agreement/accept/", agreements.agreement_accept, name="agreement_accept"),
    path(
        f"{ORG}agreement/acceptances/<int:pk>/",
        agreements.agreement_acceptance,
        name="agreement_acceptance",
    ),
    path(f"{OFFICE}agreements/", agreements.office_agreements, name="office_agreements"),
    path(f"{OFFICE}agreements/new/", agreements.office_agreement_new, name="office_agreement_new"),
    path(
        f"{OFFICE}agreements/<int:number>/",
        agreements.office_agreement,
        name="office_agreement",
    ),
    path(
        f"{OFFICE}agreements/<int:number>/edit/",
        agreements.office_agreement_edit,
        name="office_agreement_edit",
    ),
    path(
        f"{OFFICE}agreements/<int:number>/publish/",
        agreements.office_agreement_publish,
        name="office_agreement_publish",
    ),
    path(
        f"{OFFICE}agreements/acceptances/<int:pk>/",
        agreements.office_agreement_acceptance,
        name="office_agreement_acceptance",
    ),
    # --- Audit plans and objections (plans) -----------------------------------------------------
    path(f"{ORG}<int:pk>/plan/", plans.plan, name="plan"),
    path(f"{ORG}<int:pk>/plan/confirm/", plans.plan_confirm, name="plan_confirm"),
    path(f"{ORG}<int:pk>/plan/object/", plans.plan_object, name="plan_object"),
    path(f"{ORG}<int:pk>/plan/<int:number>/", plans.plan_version, name="plan_version"),
    path("audit/<int:pk>/plan/", plans.audit_plan, name="audit_plan"),
    path("audit/<int:pk>/plan/draft/", plans.audit_plan_draft, name="audit_plan_draft"),
    path("audit/<int:pk>/plan/send/", plans.audit_plan_send, name="audit_plan_send"),
    path(f"{OFFICE}objections/", plans.office_objections, name="office_objections"),
    path(f"{OFFICE}<int:pk>/plan/", plans.office_plan, name="office_plan"),
    path(f"{OFFICE}<int:pk>/plan/draft/", plans.office_plan_draft, name="office_plan_draft"),
    path(f"{OFFICE}<int:pk>/plan/send/", plans.office_plan_send, name="office_plan_send"),
    path(
        f"{OFFICE}<int:pk>/objections/<int:objection_id>/",
        plans.office_objection,
        name="office_objection",
    ),
    # --- Deadlines, policy, to-do lists, confirmations (deadlines) ------------------------------
    path(f"{OFFICE}deadlines/", deadlines.office_deadlines, name="office_deadlines"),
    # The process policy (was under office/certificates/: the same name, on the office's
    # certification pages now that it holds every step's due date).
    path(f"{OFFICE}policy/", deadlines.office_policy, name="office_certification_policy"),
    # --- Findings in steps (findings) -----------------------------------------------------------
    path(
        "audit/<int:pk>/findings/<int:finding_id>/",
        findings.audit_finding,
        name="audit_finding",
    ),
    path(
        f"{OFFICE}<int:pk>/findings/<int:finding_id>/",
        findings.office_finding,
        name="office_finding",
    ),
    # --- Clarification requests (clarifications) ------------------------------------------------
    path(
        "audit/<int:pk>/clarifications/",
        clarifications.audit_clarifications,
        name="audit_clarifications",
    ),
    path(
        "audit/<int:pk>/clarifications/new/",
        clarifications.audit_clarification_new,
        name="audit_clarification_new",
    ),
    path(
        "audit/<int:pk>/clarifications/<int:cid>/",
        clarifications.audit_clarification,
        name="audit_clarification",
    ),
    path(
        "audit/<int:pk>/clarifications/<int:cid>/reply/",
        clarifications.audit_clarification_reply,
        name="audit_clarification_reply",
    ),
    path(
        "audit/<int:pk>/clarifications/<int:cid>/close/",
        clarifications.audit_clarification_close,
        name="audit_clarification_close",
    ),
    path(f"{ORG}<int:pk>/clarifications/", clarifications.clarifications, name="clarifications"),
    path(
        f"{ORG}<int:pk>/clarifications/<int:cid>/",
        clarifications.clarification,
        name="clarification",
    ),
    path(
        f"{ORG}<int:pk>/clarifications/<int:cid>/answer/",
        clarifications.clarification_answer,
        name="clarification_answer",
    ),
    path(
        f"{OFFICE}<int:pk>/clarifications/",
        clarifications.office_clarifications,
        name="office_clarifications",
    ),
    # --- Working papers (working_papers) --------------------------------------------------------
    path(
        "audit/<int:pk>/working-papers/",
        working_papers.audit_working_papers,
        name="audit_working_papers",
    ),
    path(
        "audit/<int:pk>/working-papers/new/",
        working_papers.audit_working_paper_new,
        name="audit_working_paper_new",
    ),
    path(
        "audit/<int:pk>/working-papers/<int:wid>/",
        working_papers.audit_working_paper,
        name="audit_working_paper",
    ),
    path(
        "audit/<int:pk>/working-papers/<int:wid>/delete/",
        working_papers.audit_working_paper_delete,
        name="audit_working_paper_delete",
    ),
    path(
        "audit/<int:pk>/working-papers/<int:wid>/file/",
        working_papers.audit_working_paper_file,
        name="audit_working_paper_file",
    ),
    path(
        f"{OFFICE}<int:pk>/working-papers/",
        working_papers.office_working_papers,
        name="office_working_papers",
    ),
    path(
        f"{OFFICE}<int:pk>/working-papers/<int:wid>/",
        working_papers.office_working_paper,
        name="office_working_paper",
    ),
    path(
        f"{OFFICE}<int:pk>/working-papers/<int:wid>/file/",
        working_papers.office_working_paper_file,
        name="office_working_paper_file",
    ),
    # --- Complaints (complaints) ----------------------------------------------------------------
    path("complaints/new/", complaints.complaint_new, name="complaint_new"),
    path(
        "complaints/received/<str:token>/",
        complaints.complaint_received,
        name="complaint_received",
    ),
    path("office/complaints/", complaints.office_complaints, name="office_complaints"),
    path("office/complaints/<int:pk>/", complaints.office_complaint, name="office_complaint"),
    path(
        "office/complaints/<int:pk>/<str:action>/",
        complaints.office_complaint_action,
        name="office_complaint_action",
    ),
    # --- Appeals (appeals) ----------------------------------------------------------------------
    path(f"{ORG}appeals/", appeals.appeals, name="appeals"),
    path(f"{ORG}appeals/new/", appeals.appeal_new, name="appeal_new"),
    path(f"{ORG}appeals/<int:appeal_id>/", appeals.appeal, name="appeal"),
    path(
        f"{ORG}appeals/<int:appeal_id>/withdraw/",
        appeals.appeal_withdraw,
        name="appeal_withdraw",
    ),
    path(f"{OFFICE}appeals/", appeals.office_appeals, name="office_appeals"),
    path(f"{OFFICE}appeals/<int:appeal_id>/", appeals.office_appeal, name="office_appeal"),
    path(
        f"{OFFICE}appeals/<int:appeal_id>/assign/",
        appeals.office_appeal_assign,
        name="office_appeal_assign",
    ),
    path(
        f"{OFFICE}appeals/<int:appeal_id>/decide/",
        appeals.office_appeal_decide,
        name="office_appeal_decide",
    ),
    path(
        f"{OFFICE}appeals/<int:appeal_id>/follow-up/",
        appeals.office_appeal_follow_up,
        name="office_appeal_follow_up",
    ),
]
