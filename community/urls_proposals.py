"""URLs of the community: proposals."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
