"""The signees app's URLs, one namespace "signees", mounted at the root (DESIGN §5).

Public: /signees/, its exports, /signees/<slug>/ and the published CPO Statements. Signing
and the organization's statement live under /o/<org_slug>/; the CPO office's review of
signees under /office/signees/ (names starting with "office_").
"""

from django.urls import URLPattern, URLResolver, path

from .views import signing, statements

app_name = "signees"

urlpatterns: list[URLPattern | URLResolver] = [
    # The public list, its exports and one signee.
    path("signees/", signing.signee_list, name="list"),
    path("signees.csv", signing.export_csv, name="export_csv"),
    path("signees.json", signing.export_json, name="export_json"),
    path("signees.xlsx", signing.export_xlsx, name="export_xlsx"),
    path("signees/<slug:slug>/", signing.signee_detail, name="detail"),
    # Signing the CPO and the organization's own view of its signature.
    path("sign/", signing.sign_start, name="sign_start"),
    path("o/<slug:org_slug>/sign/", signing.sign, name="sign"),
    path("o/<slug:org_slug>/signing/", signing.status, name="status"),
    path("o/<slug:org_slug>/signing/resubmit/", signing.resubmit, name="resubmit"),
    path("o/<slug:org_slug>/signing/group/", signing.change_group, name="change_group"),
    path("o/<slug:org_slug>/signing/withdraw/", signing.withdraw, name="withdraw"),
    path(
        "o/<slug:org_slug>/signing/logo-pack.zip",
        signing.logo_pack_download,
        name="logo_pack",
    ),
    # The workspace: members read, owners and admins edit.
    path("o/<slug:org_slug>/statement/", statements.statement_overview, name="statement"),
    path("o/<slug:org_slug>/statement/start/", statements.statement_start, name="statement_start"),
    path("o/<slug:org_slug>/statement/draft/", statements.statement_draft, name="statement_draft"),
    path(
        "o/<slug:org_slug>/statement/draft/answers/<int:criterion_id>/",
        statements.statement_answer,
        name="statement_answer",
    ),
    path(
        "o/<slug:org_slug>/statement/draft/summary/",
        statements.statement_summary,
        name="statement_summary",
    ),
    path(
        "o/<slug:org_slug>/statement/draft/kind/", statements.statement_kind, name="statement_kind"
    ),
    path(
        "o/<slug:org_slug>/statement/draft/link/", statements.statement_link, name="statement_link"
    ),
    path(
        "o/<slug:org_slug>/statement/draft/upload/",
        statements.statement_upload_view,
        name="statement_upload",
    ),
    path(
        "o/<slug:org_slug>/statement/draft/publish/",
        statements.statement_publish_view,
        name="statement_publish",
    ),
    path(
        "o/<slug:org_slug>/statement/draft/discard/",
        statements.statement_discard_view,
        name="statement_discard",
    ),
    path(
        "o/<slug:org_slug>/statement/v<int:number>/",
        statements.statement_version,
        name="statement_version",
    ),
    path(
        "o/<slug:org_slug>/statement/v<int:number>/pdf/",
        statements.statement_file,
        name="statement_file",
    ),
    # The public: published versions of approved signees.
    path("signees/<slug:slug>/statement/", statements.public_statement, name="public_statement"),
    path(
        "signees/<slug:slug>/statement/v<int:number>/",
        statements.public_statement_version,
        name="public_statement_version",
    ),
    path(
        "signees/<slug:slug>/statement/v<int:number>/pdf/",
        statements.public_statement_pdf,
        name="public_statement_pdf",
    ),
    # The CPO office's review of signees.
    path("office/signees/", signing.office_signee_list, name="office_list"),
    path(
        "office/signees.csv",
        signing.office_signee_export,
        {"kind": "csv"},
        name="office_export_csv",
    ),
    path(
        "office/signees.xlsx",
        signing.office_signee_export,
        {"kind": "xlsx"},
        name="office_export_xlsx",
    ),
    path("office/signees/<int:pk>/", signing.office_signee_detail, name="office_detail"),
    path(
        "office/signees/<int:pk>/<slug:action>/",
        signing.office_signee_decide,
        name="office_decide",
    ),
]
