"""The catalogue's URLs (DESIGN §5), one namespace "criteria", mounted at the root.

Public: /criteria/, /criteria/<version>/, /criteria/<version>/<code>/ and the schemes. "versions"
and "diff" are pages of their own, so the version converter never matches them, neither when
resolving nor when reversing; they are also listed first.

The CPO office's pages live under /office/criteria/; their names start with "office_".
"""

from django.urls import path, register_converter

from .views import catalogue, schemes


class VersionCodeConverter:
    # The model's code validator, minus the two words taken by pages of their own.
    regex = r"(?!(?:versions|diff)/)[A-Za-z0-9][A-Za-z0-9._-]{0,39}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(VersionCodeConverter, "catalogue_version")

app_name = "criteria"

_public = "criteria/<catalogue_version:version>/"
_version = "office/criteria/versions/<str:code>/"

urlpatterns = [
    path("criteria/", catalogue.current_catalogue, name="current"),
    path("criteria/versions/", catalogue.versions, name="versions"),
    path("criteria/diff/", catalogue.diff, name="diff"),
    path(_public, catalogue.catalogue, name="catalogue"),
    path(f"{_public}schemes/<str:kind>/", schemes.scheme, name="scheme"),
    # The printable edition (PDF), per language: /criteria/2.0/pdf/de/
    path(f"{_public}pdf/<str:language>/", catalogue.catalogue_pdf, name="catalogue_pdf"),
    path(f"{_public}<str:code>/", catalogue.criterion, name="criterion"),
    # The CPO office
    path("office/criteria/", catalogue.office_version_list, name="office_versions"),
    path("office/criteria/import/", catalogue.office_catalogue_import, name="office_import"),
    path("office/criteria/new-draft/", catalogue.office_version_new_draft, name="office_new_draft"),
    path(_version, catalogue.office_version_detail, name="office_version"),
    path(f"{_version}publish/", catalogue.office_version_publish, name="office_publish"),
    path(f"{_version}retire/", catalogue.office_version_retire, name="office_retire"),
    path(f"{_version}export/<str:fmt>/", catalogue.office_version_export, name="office_export"),
    path(
        f"{_version}categories/<int:pk>/",
        catalogue.office_category_edit,
        name="office_category_edit",
    ),
    path(f"{_version}criteria/add/", catalogue.office_criterion_add, name="office_criterion_add"),
    path(
        f"{_version}criteria/<int:pk>/",
        catalogue.office_criterion_edit,
        name="office_criterion_edit",
    ),
    path(
        f"{_version}criteria/<int:pk>/delete/",
        catalogue.office_criterion_delete,
        name="office_criterion_delete",
    ),
    path(f"{_version}schemes/<str:kind>/", schemes.office_scheme_edit, name="office_scheme_edit"),
    path(
        f"{_version}schemes/<str:kind>/criteria/<int:pk>/mapping/",
        schemes.office_mapping_edit,
        name="office_mapping_edit",
    ),
]
