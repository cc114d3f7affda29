"""The public seal: registry, verification (the QR code target), badges, exports."""

from django.urls import URLPattern, path, re_path

from .views import seal as views

urlpatterns: list[URLPattern] = [
    path("seal/", views.registry, name="seal"),
    path("seal/feed.atom", views.registry_feed, name="seal_feed"),
    path("seal/certificates.csv", views.registry_csv, name="seal_csv"),
    re_path(r"^seal/(?P<number>[^/]{1,60})\.svg$", views.badge, name="seal_badge"),
    re_path(r"^verify/(?P<number>[^/]{1,60})\.json$", views.verify_json, name="verify_json"),
    re_path(r"^verify/(?P<number>[^/]{1,60})/$", views.verify, name="verify"),
    # The organization's own certificates: PDF download and the badge snippets to embed.
    path("o/<slug:org_slug>/certificates/", views.workspace_certificates, name="certificates"),
    path(
        "o/<slug:org_slug>/certificates/<int:pk>/",
        views.workspace_certificate,
        name="certificate",
    ),
]
