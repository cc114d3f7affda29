"""Certification in the Django admin, read-only.

Every change to a case goes through the services (state machine, four-eyes, activity log,
e-mails) from the office's pages; the admin only shows. Records belong to many
organizations, so the tenant scope is lifted for these lists.
"""

from django.contrib import admin

from cpo_portal.admin import ReadOnlyAdmin, ReadOnlyMixin

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


class EventInline(ReadOnlyMixin, admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    fields = ("at", "action", "status_before", "status_after", "by", "reason")
    readonly_fields = fields


class AssignmentInline(ReadOnlyMixin, admin.TabularInline):
    model = AuditorAssignment
    extra = 0
    fields = ("auditor", "role", "status", "assigned_at", "ended_at", "reason")
    readonly_fields = fields


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["pk", "organization", "kind", "audit_type", "status", "submitted_at"]
    list_filter = ["status", "kind", "audit_type"]
    search_fields = ["organization__display_name", "organization__legal_name", "product_name"]
    list_select_related = ["organization"]
    inlines = [AssignmentInline, EventInline]


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["pk", "application", "kind", "status", "due_date"]
    list_filter = ["kind", "status"]
    list_select_related = ["application"]


@admin.register(ScoreChange)
class ScoreChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "score", "version", "rating", "by"]
    list_select_related = ["score", "by"]


@admin.register(OrganizationalGrant)
class OrganizationalGrantAdmin(ReadOnlyAdmin):
    list_display = ["reference", "organization", "valid_until", "recorded_by", "revoked_at"]
    list_select_related = ["organization", "recorded_by"]


@admin.register(AuditorQualification)
class AuditorQualificationAdmin(ReadOnlyAdmin):
    list_display = ["auditor", "scheme_kind", "valid_until"]


@admin.register(AuditorConflict)
class AuditorConflictAdmin(ReadOnlyAdmin):
    list_display = ["auditor", "organization", "until", "declared_at"]
