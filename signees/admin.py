"""Signees in the Django admin, read-only.

A signee's status changes only through the services (the office's record page), which check
the lifecycle, keep the review history, log and e-mail the company; the admin only shows.
The records belong to many organizations, so the tenant scope is lifted for these lists.
"""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from .models import Signature, Signee, SigneeReview


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
