"""Certification in the Django admin, read-only.

Every change to a case goes through the services (state machine, four-eyes, activity log,
e-mails) from the office's pages; the admin only shows. Records belong to many
organizations, so the tenant scope is lifted for these lists.
"""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django_scopes import scopes_disabled

from .models import (
    Application,
    ApplicationEvent,
    AuditorAssignment,
    AuditorConflict,
    AuditorQualification,
    Finding,
    OrganizationalGrant,
    ScoreChange,
)


class ReadOnly:
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        with scopes_disabled():
            return super().get_queryset(request)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(ReadOnly, admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    fields = ["at", "action", "status_before", "status_after", "by", "reason"]
    readonly_fields = fields


class AssignmentInline(ReadOnly, admin.TabularInline):
    model = AuditorAssignment
    extra = 0
    fields = ["auditor", "role", "status", "assigned_at", "ended_at", "reason"]
    readonly_fields = fields


@admin.register(Application)
class ApplicationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["pk", "organization", "kind", "audit_type", "status", "submitted_at"]
    list_filter = ["status", "kind", "audit_type"]
    search_fields = ["organization__display_name", "organization__legal_name", "product_name"]
    list_select_related = ["organization"]
    inlines = [AssignmentInline, EventInline]


@admin.register(Finding)
class FindingAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["pk", "application", "kind", "status", "due_date"]
    list_filter = ["kind", "status"]
    list_select_related = ["application"]


@admin.register(ScoreChange)
class ScoreChangeAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["at", "score", "version", "rating", "by"]
    list_select_related = ["score", "by"]


@admin.register(OrganizationalGrant)
class OrganizationalGrantAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["reference", "organization", "valid_until", "recorded_by", "revoked_at"]
    list_select_related = ["organization", "recorded_by"]


@admin.register(AuditorQualification)
class AuditorQualificationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["auditor", "scheme_kind", "valid_until"]


@admin.register(AuditorConflict)
class AuditorConflictAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["auditor", "organization", "until", "declared_at"]
