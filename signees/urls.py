"""URLs of the signees app, one module per audience (each mounted at the root)."""

from django.urls import include, path

app_name = "signees"

urlpatterns = [
    path("", include("signees.urls_public")),
    path("", include("signees.urls_signing")),
    path("", include("signees.urls_statements")),
    path("", include("signees.urls_office")),
]
