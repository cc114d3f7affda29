from django.contrib import admin
from django.http import HttpRequest

from .models import Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """Read-only: notices are the record of what was sent to whom, written by `notify`."""

    list_display = ["created_at", "kind", "email", "subject", "delivery", "sent_at"]
    list_select_related = ["user"]
    list_filter = ["delivery", "kind"]
    search_fields = ["email", "subject", "user__full_name"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
