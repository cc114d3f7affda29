"""Signing the CPO and the organization's own view of its signature."""

from django.urls import path

from .views import signing

urlpatterns = [
    path("sign/", signing.sign_start, name="sign_start"),
    path("o/<slug:org_slug>/sign/", signing.sign, name="sign"),
    path("o/<slug:org_slug>/signing/", signing.status, name="status"),
    path("o/<slug:org_slug>/signing/resubmit/", signing.resubmit, name="resubmit"),
    path("o/<slug:org_slug>/signing/group/", signing.change_group, name="change_group"),
    path("o/<slug:org_slug>/signing/withdraw/", signing.withdraw, name="withdraw"),
    path(
        "o/<slug:org_slug>/signing/logo-pack.zip",
        signing.logo_pack_download,
        name="logo_pack",
    ),
]
