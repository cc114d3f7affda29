"""Public catalogue URLs (DESIGN §5): /criteria/, /criteria/<version>/, /criteria/<version>/<code>/.

"versions" and "diff" are pages of their own, so the version converter never matches them,
neither when resolving nor when reversing; they are also listed first.
"""

from django.urls import path, register_converter

from . import views


class VersionCodeConverter:
    # The model's code validator, minus the two words taken by pages of their own.
    regex = r"(?!(?:versions|diff)/)[A-Za-z0-9][A-Za-z0-9._-]{0,39}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(VersionCodeConverter, "catalogue_version")

app_name = "criteria"

urlpatterns = [
    path("", views.current_catalogue, name="current"),
    path("versions/", views.versions, name="versions"),
    path("diff/", views.diff, name="diff"),
    path("<catalogue_version:version>/", views.catalogue, name="catalogue"),
    path("<catalogue_version:version>/schemes/<str:kind>/", views.scheme, name="scheme"),
    path("<catalogue_version:version>/<str:code>/", views.criterion, name="criterion"),
]
