"""The signees API under /api/v1/ (names live in the "api" namespace).

Public: /signees/ and /signees/<slug>/. For members of an organization:
/organizations/<org_slug>/signing/ and /organizations/<org_slug>/statement/.
"""

from django.urls import path

from cpo_portal.pagecache import public_page

from . import signing, statements

urlpatterns = [
    path("signees/", public_page(signing.SigneeListView.as_view()), name="signees"),
    path("signees/<slug:slug>/", public_page(signing.SigneeDetailView.as_view()), name="signee"),
    path(
        "organizations/<slug:org_slug>/signing/",
        signing.OrganizationSigningView.as_view(),
        name="organization-signing",
    ),
    path(
        "organizations/<slug:org_slug>/statement/",
        statements.OrganizationStatementView.as_view(),
        name="organization-statement",
    ),
]
