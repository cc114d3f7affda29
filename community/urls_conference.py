"""URLs of the community: conference."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
