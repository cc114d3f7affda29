"""The auditor's area: the audits assigned to the auditor while assigned; afterwards,
read-only, the page and the report PDF of their own past audits."""

from django.urls import URLPattern, path

from .views import audit as views

urlpatterns: list[URLPattern] = [
    path("audit/", views.audit_list, name="audits"),
    path("audit/profile/", views.auditor_profile, name="auditor_profile"),
    path(
        "audit/profile/conflicts/<int:conflict_id>/remove/",
        views.conflict_remove,
        name="conflict_remove",
    ),
    path("audit/<int:pk>/", views.audit_sheet, name="audit"),
    path("audit/<int:pk>/scores/<int:criterion_id>/", views.score_save, name="score_save"),
    path("audit/<int:pk>/summary/", views.audit_summary, name="audit_summary"),
    path("audit/<int:pk>/findings/new/", views.finding_new, name="finding_new"),
    path(
        "audit/<int:pk>/findings/<int:finding_id>/close/",
        views.finding_close,
        name="finding_close",
    ),
    path(
        "audit/<int:pk>/findings/<int:finding_id>/reopen/",
        views.finding_reopen,
        name="finding_reopen",
    ),
    path("audit/<int:pk>/corrections/", views.request_corrections, name="request_corrections"),
    path("audit/<int:pk>/resume/", views.resume_audit, name="resume_audit"),
    path("audit/<int:pk>/report/", views.report, name="audit_report"),
    path("audit/<int:pk>/report.pdf", views.report_pdf, name="audit_report_pdf"),
    path("audit/<int:pk>/decline/", views.decline, name="audit_decline"),
]
