"""URLs of the community: membership."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
