"""The CPO office's catalogue pages, under /office/criteria/."""

from django.urls import path

from . import office_views as views

app_name = "criteria_office"

_version = "office/criteria/versions/<str:code>/"

urlpatterns = [
    path("office/criteria/", views.version_list, name="versions"),
    path("office/criteria/import/", views.catalogue_upload, name="import"),
    path("office/criteria/new-draft/", views.version_new_draft, name="new_draft"),
    path(_version, views.version_detail, name="version"),
    path(f"{_version}publish/", views.version_publish, name="publish"),
    path(f"{_version}retire/", views.version_retire, name="retire"),
    path(f"{_version}export/<str:fmt>/", views.version_export, name="export"),
    path(f"{_version}categories/<int:pk>/", views.category_edit, name="category_edit"),
    path(f"{_version}criteria/add/", views.criterion_add, name="criterion_add"),
    path(f"{_version}criteria/<int:pk>/", views.criterion_edit, name="criterion_edit"),
    path(f"{_version}criteria/<int:pk>/delete/", views.criterion_remove, name="criterion_delete"),
    path(f"{_version}schemes/<str:kind>/", views.scheme_edit, name="scheme_edit"),
    path(
        f"{_version}schemes/<str:kind>/criteria/<int:pk>/mapping/",
        views.mapping_edit,
        name="mapping_edit",
    ),
]
