"""URLs of the CPO Community, one module per concern; each states its full paths
(public pages under /community/, the workspace under /o/<slug>/community/, the office
under /office/community/)."""

from django.urls import include, path

app_name = "community"

urlpatterns = [
    path("", include("community.urls_home")),
    path("", include("community.urls_membership")),
    path("", include("community.urls_conference")),
    path("", include("community.urls_elections")),
    path("", include("community.urls_proposals")),
    path("", include("community.urls_reports")),
]
