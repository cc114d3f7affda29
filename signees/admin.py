"""Signees in the Django admin, read-only.

A signee's status changes only through the services (the office's record page), which check
the lifecycle, keep the review history, log and e-mail the company; the admin only shows.
The records belong to many organizations, so the tenant scope is lifted for these lists.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cpo_portal.admin import ReadOnlyAdmin, ReadOnlyMixin

from .models import Signature, Signee, SigneeReview


class SignatureInline(ReadOnlyMixin, admin.StackedInline):
    model = Signature
    extra = 0
    can_delete = False
    show_change_link = True
    fields = [
        "signed_at",
        "group",
        "catalogue_version",
        "signatory_name",
        "signatory_position",
        "authority_confirmed",
        "signed_by",
        "ip_address",
        "user_agent",
        "declaration_sha256",
        "declaration_format",
        "withdrawn_at",
    ]


class SigneeReviewInline(ReadOnlyMixin, admin.TabularInline):
    model = SigneeReview
    extra = 0
    can_delete = False
    readonly_fields = ("at", "action", "status_before", "status_after", "reason", "by")
    fields = readonly_fields


@admin.register(Signee)
class SigneeAdmin(ReadOnlyAdmin):
    list_display = ["organization", "group", "status", "signed_at", "approved_at", "office_link"]
    list_select_related = ["organization"]
    list_filter = ["status", "group"]
    search_fields = ["organization__legal_name", "organization__display_name", "listed_name"]
    readonly_fields = ["office_link"]
    inlines = [SignatureInline, SigneeReviewInline]

    @admin.display(description=_("CPO office"))
    def office_link(self, obj: Signee) -> str:
        url = reverse("signees:office_detail", kwargs={"pk": obj.pk})
        return format_html('<a href="{}">{}</a>', url, _("Review in the CPO office"))


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ["signee", "signed_at", "signatory_name", "signed_by", "withdrawn_at"]
    list_select_related = ["signee__organization", "signed_by"]
    search_fields = ["signee__organization__legal_name", "signatory_name", "signed_by__email"]


@admin.register(SigneeReview)
class SigneeReviewAdmin(ReadOnlyAdmin):
    list_display = ["at", "signee", "action", "status_before", "status_after", "by"]
    list_select_related = ["signee__organization", "by"]
    list_filter = ["action"]
    search_fields = ["signee__organization__legal_name", "reason", "by__email"]
