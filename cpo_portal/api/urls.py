from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

v1: list[URLPattern | URLResolver] = [
    path("me/", views.MeView.as_view(), name="me"),
    path("organizations/", views.OrganizationListView.as_view(), name="organizations"),
    path(
        "organizations/<slug:org_slug>/members/",
        views.MemberListView.as_view(),
        name="organization-members",
    ),
    path("catalogue/", include("criteria.api.urls")),
    path("", include("signees.api.urls")),
    path("", include("certification.api.urls")),
    path("community/", include("community.api.urls")),
]

urlpatterns = [
    path("api/v1/", include((v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script from a URL, not inline: the CSP holds.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
