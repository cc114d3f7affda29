"""URLs of the community: prostep ivip membership.

The organization's community page (status, validity, its conference registrations) and the
declaration under /o/<slug>/community/; the office's queue under /office/community/memberships/.
"""

from django.urls import path

from .views import membership as views

ORG = "o/<slug:org_slug>/community/"
OFFICE = "office/community/memberships/"

urlpatterns = [
    path(ORG, views.org_community, name="org_community"),
    path(f"{ORG}membership/", views.org_membership, name="org_membership"),
    path(OFFICE, views.office_queue, name="office_memberships"),
    path(f"{OFFICE}all/", views.office_list, name="office_memberships_all"),
    path(f"{OFFICE}<int:pk>/", views.office_detail, name="office_membership"),
    path(f"{OFFICE}<int:pk>/verify/", views.office_verify, name="office_membership_verify"),
    path(f"{OFFICE}<int:pk>/reject/", views.office_reject, name="office_membership_reject"),
]
