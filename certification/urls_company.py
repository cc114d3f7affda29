"""The organization's certification workspace (members read; owners and admins act)."""

from django.urls import URLPattern, path

from .views import company as views
from .views import evidence

P = "o/<slug:org_slug>/certification/"

urlpatterns: list[URLPattern] = [
    path(P, views.application_list, name="applications"),
    path(f"{P}new/<str:kind>/", views.application_new, name="application_new"),
    path(f"{P}<int:pk>/", views.application_detail, name="application"),
    path(f"{P}<int:pk>/edit/", views.application_edit, name="application_edit"),
    path(f"{P}<int:pk>/submit/", views.application_submit, name="application_submit"),
    path(f"{P}<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path(f"{P}<int:pk>/self-assessment/", views.self_assessment, name="self_assessment"),
    path(
        f"{P}<int:pk>/self-assessment/submit/",
        views.self_assessment_submit,
        name="self_assessment_submit",
    ),
    path(
        f"{P}<int:pk>/self-assessment/<int:criterion_id>/",
        views.self_assessment_answer,
        name="self_assessment_answer",
    ),
    path(
        f"{P}<int:pk>/self-assessment/<int:criterion_id>/evidence/",
        views.evidence_add,
        name="evidence_add",
    ),
    path(
        f"{P}<int:pk>/evidence/<int:evidence_id>/remove/",
        views.evidence_remove,
        name="evidence_remove",
    ),
    path(f"{P}<int:pk>/findings/<int:finding_id>/", views.finding_answer, name="finding_answer"),
    path(
        f"{P}<int:pk>/findings/<int:finding_id>/evidence/",
        views.finding_evidence_add,
        name="finding_evidence_add",
    ),
    # One download view for every role; it checks who may read the file.
    path("certification/evidence/<int:pk>/", evidence.evidence_download, name="evidence_download"),
]
