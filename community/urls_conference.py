"""URLs of the community: the annual conference.

The public page /community/conference/ (and one per year, with its .ics file); member
organizations register and cancel attendees under /o/<slug>/community/conference/; the office
runs the conference under /office/community/conferences/.
"""

from django.urls import path

from .views import conference as views

ORG = "o/<slug:org_slug>/community/conference/"
OFFICE = "office/community/conferences/"

urlpatterns = [
    # The public.
    path("community/conference/", views.public_current, name="conference"),
    path("community/conference/<int:year>/", views.public_year, name="conference_year"),
    path("community/conference/<int:year>.ics", views.public_ics, name="conference_ics"),
    # A member organization.
    path(f"{ORG}<int:year>/register/", views.org_register, name="org_register"),
    path(
        f"{ORG}registrations/<int:pk>/cancel/",
        views.org_cancel,
        name="org_registration_cancel",
    ),
    # The CPO office.
    path(OFFICE, views.office_list, name="office_conferences"),
    path(f"{OFFICE}new/", views.office_create, name="office_conference_create"),
    path(f"{OFFICE}<int:pk>/", views.office_detail, name="office_conference"),
    path(f"{OFFICE}<int:pk>/edit/", views.office_edit, name="office_conference_edit"),
    path(f"{OFFICE}<int:pk>/publish/", views.office_publish, name="office_conference_publish"),
    path(f"{OFFICE}<int:pk>/attendees.csv", views.office_export, name="office_conference_csv"),
    path(
        f"{OFFICE}<int:pk>/registrations/<int:registration_pk>/cancel/",
        views.office_cancel,
        name="office_registration_cancel",
    ),
]
