"""URLs of the community: home."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
