"""/api/v1/catalogue/…: the public catalogue API (names live in the "api" namespace)."""

from django.urls import path

from . import catalogue, schemes

urlpatterns = [
    path("versions/", catalogue.VersionListView.as_view(), name="catalogue-versions"),
    path(
        "versions/<str:version>/", catalogue.VersionDetailView.as_view(), name="catalogue-version"
    ),
    path(
        "versions/<str:version>/categories/",
        catalogue.CategoryListView.as_view(),
        name="catalogue-categories",
    ),
    path(
        "versions/<str:version>/criteria/",
        catalogue.CriterionListView.as_view(),
        name="catalogue-criteria",
    ),
    path(
        "versions/<str:version>/criteria/<str:code>/",
        catalogue.CriterionDetailView.as_view(),
        name="catalogue-criterion",
    ),
    path(
        "versions/<str:version>/schemes/",
        schemes.SchemeListView.as_view(),
        name="catalogue-schemes",
    ),
    path("diff/", catalogue.DiffView.as_view(), name="catalogue-diff"),
]
