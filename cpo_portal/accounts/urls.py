from django.urls import path

from . import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("api-token/", views.api_token, name="api_token"),
]
