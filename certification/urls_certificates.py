"""The CPO office's certificate lifecycle and the company's recertification."""

from django.urls import URLPattern, path

from .views import certificates as views

P = "office/certificates/"

urlpatterns: list[URLPattern] = [
    path(P, views.office_certificates, name="office_certificates"),
    path(f"{P}attention/", views.office_attention, name="office_certificates_attention"),
    path(f"{P}policy/", views.office_policy, name="office_certification_policy"),
    path(f"{P}<int:pk>/", views.office_certificate, name="office_certificate"),
    path(
        f"{P}<int:pk>/surveillance/",
        views.office_open_surveillance,
        name="office_open_surveillance",
    ),
    path(
        f"{P}<int:pk>/<slug:action>/",
        views.office_certificate_action,
        name="office_certificate_action",
    ),
    path(
        "o/<slug:org_slug>/certificates/<int:pk>/recertify/",
        views.recertify,
        name="certificate_recertify",
    ),
]
