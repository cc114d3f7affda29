"""The certificates API under /api/v1/ (names live in the "api" namespace).

Public: /certificates/ and /certificates/<number>/. For the CPO office:
/office/certificates/<number>/suspend|reinstate|withdraw/.
"""

from django.urls import path

from . import api_certificates as api

OFFICE = "office/certificates/<str:number>/"

urlpatterns = [
    path("certificates/", api.CertificateListView.as_view(), name="certificates"),
    path("certificates/<str:number>/", api.CertificateDetailView.as_view(), name="certificate"),
    path(f"{OFFICE}suspend/", api.SuspendView.as_view(), name="office-certificate-suspend"),
    path(f"{OFFICE}reinstate/", api.ReinstateView.as_view(), name="office-certificate-reinstate"),
    path(f"{OFFICE}withdraw/", api.WithdrawView.as_view(), name="office-certificate-withdraw"),
]
