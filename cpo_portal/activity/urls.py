from django.urls import path

from . import views

app_name = "activity"

urlpatterns = [
    path("o/<slug:org_slug>/activity/", views.organization_activity, name="organization"),
    path("office/activity/", views.office_activity, name="office"),
]
