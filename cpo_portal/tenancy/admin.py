from django.contrib import admin

from .models import Organization


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["display_name", "legal_name", "country", "slug", "created_at"]
    search_fields = ["display_name", "legal_name", "slug"]
    list_filter = ["country"]
    readonly_fields = ["created_at", "updated_at"]
