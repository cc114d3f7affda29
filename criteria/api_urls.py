"""/api/v1/catalogue/…: the public catalogue API (names live in the "api" namespace)."""

from django.urls import path

from . import api

urlpatterns = [
    path("versions/", api.VersionListView.as_view(), name="catalogue-versions"),
    path("versions/<str:version>/", api.VersionDetailView.as_view(), name="catalogue-version"),
    path(
        "versions/<str:version>/categories/",
        api.CategoryListView.as_view(),
        name="catalogue-categories",
    ),
    path(
        "versions/<str:version>/criteria/",
        api.CriterionListView.as_view(),
        name="catalogue-criteria",
    ),
    path(
        "versions/<str:version>/criteria/<str:code>/",
        api.CriterionDetailView.as_view(),
        name="catalogue-criterion",
    ),
    path("versions/<str:version>/schemes/", api.SchemeListView.as_view(), name="catalogue-schemes"),
    path("diff/", api.DiffView.as_view(), name="catalogue-diff"),
]
