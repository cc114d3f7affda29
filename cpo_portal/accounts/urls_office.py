"""The CPO office's people pages: find a person, export or erase their data on request."""

from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("office/people/", views.office_people, name="list"),
    path("office/people/<int:pk>/", views.office_person, name="detail"),
    path("office/people/<int:pk>/export/", views.office_person_export, name="export"),
    path("office/people/<int:pk>/erase/", views.office_person_erase, name="erase"),
]
