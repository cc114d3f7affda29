from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("o/<slug:org_slug>/documents/", views.document_list, name="list"),
    path("o/<slug:org_slug>/documents/<int:pk>/", views.document_detail, name="detail"),
    path(
        "o/<slug:org_slug>/documents/<int:pk>/download/", views.document_download, name="download"
    ),
    path(
        "o/<slug:org_slug>/documents/<int:pk>/rerender/",
        views.document_rerender_view,
        name="rerender",
    ),
    path("o/<slug:org_slug>/activity/pdf/", views.activity_pdf_request, name="activity_pdf"),
    path(
        "office/documents/<int:pk>/download/",
        views.office_document_download,
        name="office_download",
    ),
]
