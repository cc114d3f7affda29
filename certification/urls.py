"""URLs of certification, one module per audience (each mounted at the root)."""

from django.urls import include, path

app_name = "certification"

urlpatterns = [
    path("", include("certification.urls_company")),
    path("", include("certification.urls_audit")),
    path("", include("certification.urls_office")),
    path("", include("certification.urls_seal")),
    path("", include("certification.urls_certificates")),
]
