"""Admin pieces the apps share: read-only admin pages of tenant-owned (scoped) records.

The records belong to many organizations, so the tenant scope is lifted for these lists and
pages; changes go through the services, never through the admin.
"""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django_scopes import scopes_disabled


class ReadOnlyMixin:
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        with scopes_disabled():
            return super().get_queryset(request)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Pages rendered with the scope lifted: inline formsets query through the model's
    default (scoped) manager while they are built and drawn."""

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with scopes_disabled():
            return _rendered(super().changeform_view(request, *args, **kwargs))

    def changelist_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with scopes_disabled():
            return _rendered(super().changelist_view(request, *args, **kwargs))


def _rendered(response: HttpResponse) -> HttpResponse:
    if isinstance(response, TemplateResponse):
        response.render()
    return response
