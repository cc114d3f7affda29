"""A person's own pages beside allauth's under /accounts/, and the CPO office's people pages:
find a person, export or erase their data on request."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/api-token/", views.api_token, name="api_token"),
    path("office/people/", views.office_people, name="office_people"),
    path("office/people/<int:pk>/", views.office_person, name="office_person"),
    path("office/people/<int:pk>/export/", views.office_person_export, name="office_person_export"),
    path("office/people/<int:pk>/erase/", views.office_person_erase, name="office_person_erase"),
]
