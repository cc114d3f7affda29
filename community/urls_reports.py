"""URLs of the community: reports."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
