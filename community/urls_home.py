"""URLs of the community: the public landing page /community/."""

from django.urls import path

from .views import home as views

urlpatterns = [
    path("community/", views.home, name="home"),
]
