"""URLs of the community: elections."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
