"""URLs of the community: the annual CPO report.

Public: the archive /community/reports/ and each published report /community/reports/<year>/
with its PDF. The Core Team and the office draft under /community/reports/drafts/.
"""

from django.urls import path

from .views import reports as views

PUBLIC = "community/reports/"
DRAFT = "community/reports/drafts/<int:year>/"

urlpatterns = [
    path(PUBLIC, views.public_archive, name="reports"),
    path(f"{PUBLIC}<int:year>/", views.public_report, name="report"),
    path(f"{PUBLIC}<int:year>/pdf/", views.public_pdf, name="report_pdf"),
    path(f"{PUBLIC}drafts/", views.editor_list, name="report_drafts"),
    path(DRAFT, views.editor_detail, name="report_edit"),
    path(f"{DRAFT}sections/new/", views.section_edit, name="report_section_new"),
    path(f"{DRAFT}sections/<int:pk>/", views.section_edit, name="report_section"),
    path(f"{DRAFT}sections/<int:pk>/delete/", views.section_delete, name="report_section_delete"),
    path(f"{DRAFT}figures/", views.snapshot, name="report_snapshot"),
    path(f"{DRAFT}render/", views.render_pdf, name="report_render"),
    path(f"{DRAFT}status/", views.pdf_status, name="report_status"),
    path(f"{DRAFT}pdf/", views.editor_pdf, name="report_draft_pdf"),
    path(f"{DRAFT}publish/", views.publish, name="report_publish"),
]
