"""CPO Statements: the organization's workspace and the public pages of published versions."""

from django.urls import URLPattern, URLResolver, path

from .views import statements as views

urlpatterns: list[URLPattern | URLResolver] = [
    # The workspace: members read, owners and admins edit.
    path("o/<slug:org_slug>/statement/", views.statement_overview, name="statement"),
    path("o/<slug:org_slug>/statement/start/", views.statement_start, name="statement_start"),
    path("o/<slug:org_slug>/statement/draft/", views.statement_draft, name="statement_draft"),
    path(
        "o/<slug:org_slug>/statement/draft/answers/<int:criterion_id>/",
        views.statement_answer,
        name="statement_answer",
    ),
    path(
        "o/<slug:org_slug>/statement/draft/summary/",
        views.statement_summary,
        name="statement_summary",
    ),
    path("o/<slug:org_slug>/statement/draft/kind/", views.statement_kind, name="statement_kind"),
    path("o/<slug:org_slug>/statement/draft/link/", views.statement_link, name="statement_link"),
    path(
        "o/<slug:org_slug>/statement/draft/upload/",
        views.statement_upload_view,
        name="statement_upload",
    ),
    path(
        "o/<slug:org_slug>/statement/draft/publish/",
        views.statement_publish_view,
        name="statement_publish",
    ),
    path(
        "o/<slug:org_slug>/statement/draft/discard/",
        views.statement_discard_view,
        name="statement_discard",
    ),
    path(
        "o/<slug:org_slug>/statement/v<int:number>/",
        views.statement_version,
        name="statement_version",
    ),
    path(
        "o/<slug:org_slug>/statement/v<int:number>/pdf/",
        views.statement_file,
        name="statement_file",
    ),
    # The public: published versions of approved signees.
    path("signees/<slug:slug>/statement/", views.public_statement, name="public_statement"),
    path(
        "signees/<slug:slug>/statement/v<int:number>/",
        views.public_statement_version,
        name="public_statement_version",
    ),
    path(
        "signees/<slug:slug>/statement/v<int:number>/pdf/",
        views.public_statement_pdf,
        name="public_statement_pdf",
    ),
]
