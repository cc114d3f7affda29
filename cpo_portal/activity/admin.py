from django.contrib import admin
from django.http import HttpRequest
from django_scopes import scopes_disabled

from .models import ActivityEntry


@admin.register(ActivityEntry)
class ActivityEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only, written by services."""

    list_display = ["created_at", "actor", "organization", "verb", "target_repr"]
    list_select_related = ["actor", "organization"]
    list_filter = ["verb"]
    search_fields = ["verb", "target_repr", "actor__email"]

    def get_queryset(self, request: HttpRequest):
        with scopes_disabled():
            return super().get_queryset(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
