"""The catalogue in the Django admin.

Published and retired versions are read-only here: their objects answer "no" to change and
delete, and a version's status is never a form field (it changes through the Publish and
Retire actions, which call the services). Changes to drafts go through the same services as
the office pages, so they are checked and logged the same way.
"""

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cpo_portal.accounts.models import User
from cpo_portal.accounts.roles import is_office

from .groups import SigneeGroup
from .models import (
    AssessmentCriterion,
    AssessmentScheme,
    CatalogueVersion,
    Category,
    Criterion,
    SubjectArea,
    VersionStatus,
)
from .services.catalogue import (
    CRITERION_EDITABLE_FIELDS,
    catalogue_publish,
    catalogue_retire,
    category_save,
    criterion_delete,
    criterion_save,
)
from .services.schemes import assessment_criterion_map, scheme_save


class DraftOnlyAdmin(admin.ModelAdmin):
    """Changes only to objects of a draft version, and only through a service.

    A refusal of the service (e.g. the version was published a moment ago) rolls the whole
    admin request back and comes back as an error message instead of a server error.
    """

    def version_of(self, obj: Any) -> CatalogueVersion:
        raise NotImplementedError

    def is_draft(self, obj: Any) -> bool:
        return obj is None or self.version_of(obj).status == VersionStatus.DRAFT

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self.is_draft(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changed_fields(self, form: forms.ModelForm, editable: set[str]) -> dict[str, Any]:
        return {f: form.cleaned_data[f] for f in form.changed_data if f in editable}


def _actor(request: HttpRequest) -> User:
    # The admin site lets only signed-in staff in: the user is never anonymous here.
    return cast(User, request.user)


def _version_link(version: CatalogueVersion) -> str:
    url = reverse("admin:criteria_catalogueversion_change", args=[version.pk])
    return format_html('<a href="{}">{}</a> ({})', url, version.code, version.get_status_display())


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CategoryInline(ReadOnlyInline):
    model = Category
    fields = ["number", "key", "title_en", "title_de"]


class SchemeInline(ReadOnlyInline):
    model = AssessmentScheme
    fields = ["kind", "title_en", "should_share", "validity_months", "surveillance_months"]


VERSION_FIELDS: tuple[str, ...] = (
    "code",
    "status",
    "is_demo",
    "languages",
    "title_en",
    "title_de",
    "notes_en",
    "notes_de",
    "cloned_from",
    "created_at",
    "published_at",
    "published_by",
    "retired_at",
    "content_hash",
    "criteria_link",
)


@admin.register(CatalogueVersion)
class CatalogueVersionAdmin(admin.ModelAdmin):
    list_display = ["code", "status", "is_demo", "published_at", "created_at"]
    list_filter = ["status", "is_demo"]
    search_fields = ["code", "title_en", "title_de"]
    list_select_related = ["published_by"]
    readonly_fields = VERSION_FIELDS
    fields = VERSION_FIELDS
    inlines = [CategoryInline, SchemeInline]
    actions = ["publish", "retire"]

    # Versions come from an import or a copy, and change status through the actions: the
    # admin never writes a version directly.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return is_office(request.user)

    @admin.display(description=_("criteria"))
    def criteria_link(self, obj: CatalogueVersion) -> str:
        url = reverse("admin:criteria_criterion_changelist")
        return format_html(
            '<a href="{}?version__id__exact={}">{}</a>',
            url,
            obj.pk,
            _("All criteria of this version"),
        )

    def _lifecycle(
        self, request: HttpRequest, queryset: QuerySet, service: Any, done: Callable[[int], str]
    ) -> None:
        changed = 0
        for version in queryset:
            try:
                service(version=version, by=_actor(request))
            except ValidationError as exc:
                for message in exc.messages:
                    self.message_user(request, message, messages.ERROR)
            else:
                changed += 1
        if changed:
            self.message_user(request, done(changed), messages.SUCCESS)

    @admin.action(description=_("Publish the selected drafts"), permissions=["publish"])
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._lifecycle(
            request,
            queryset,
            catalogue_publish,
            lambda n: (
                ngettext("%(count)s version published.", "%(count)s versions published.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Retire the selected versions"), permissions=["publish"])
    def retire(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._lifecycle(
            request,
            queryset,
            catalogue_retire,
            lambda n: (
                ngettext("%(count)s version retired.", "%(count)s versions retired.", n)
                % {"count": n}
            ),
        )


@admin.register(Category)
class CategoryAdmin(DraftOnlyAdmin):
    list_display = ["number", "title_en", "title_de", "key", "version"]
    list_filter = ["version__status", "version"]
    list_select_related = ["version"]
    search_fields = ["number", "key", "title_en", "title_de"]
    fields = [
        "version_info",
        "number",
        "key",
        "title_en",
        "title_de",
        "description_en",
        "description_de",
    ]
    readonly_fields = ["version_info", "number", "key"]
    editable = {"title_en", "title_de", "description_en", "description_de"}

    def version_of(self, obj: Category) -> CatalogueVersion:
        return obj.version

    @admin.display(description=_("version"))
    def version_info(self, obj: Category) -> str:
        return _version_link(obj.version)

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        category_save(
            category=Category.objects.select_related("version").get(pk=obj.pk),
            by=_actor(request),
            **self.changed_fields(form, self.editable),
        )


CRITERION_FIELDS: tuple[str, ...] = ("version", *CRITERION_EDITABLE_FIELDS)


class CriterionAdminForm(forms.ModelForm):
    applies_to = forms.MultipleChoiceField(
        label=capfirst(Criterion._meta.get_field("applies_to").verbose_name),
        choices=SigneeGroup.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Criterion
        fields = CRITERION_FIELDS

    def clean_applies_to(self) -> list[str]:
        chosen = set(self.cleaned_data["applies_to"])
        return [g.value for g in SigneeGroup if g.value in chosen]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        version = cleaned.get("version") or getattr(self.instance, "version", None)
        category, code = cleaned.get("category"), cleaned.get("code")
        if version is not None and category is not None and category.version_id != version.pk:
            self.add_error("category", _("Choose a category of the same version."))
        if version is not None and code:
            taken = Criterion.objects.filter(version=version, code=code).exclude(
                pk=self.instance.pk
            )
            if taken.exists():
                self.add_error("code", _("Another criterion of this version has this code."))
        return cleaned


@admin.register(Criterion)
class CriterionAdmin(DraftOnlyAdmin):
    form = CriterionAdminForm
    list_display = ["code", "title_en", "obligation", "category", "version"]
    list_filter = ["version__status", "obligation", "version"]
    list_select_related = ["version", "category"]
    search_fields = ["code", "title_en", "title_de", "text_en", "text_de"]
    fields = CRITERION_FIELDS
    editable = set(fields) - {"version"}

    def version_of(self, obj: Criterion) -> CatalogueVersion:
        return obj.version

    def has_add_permission(self, request: HttpRequest) -> bool:
        return admin.ModelAdmin.has_add_permission(self, request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin.ModelAdmin.has_delete_permission(self, request, obj) and self.is_draft(obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["version"] if obj is not None else []

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        # Drafts only, and a criterion's category comes from its own version.
        if "version" in form.base_fields:
            form.base_fields["version"].queryset = CatalogueVersion.objects.filter(  # type: ignore[attr-defined]
                status=VersionStatus.DRAFT
            )
        if "category" in form.base_fields:
            categories = Category.objects.select_related("version").filter(
                version__status=VersionStatus.DRAFT
            )
            if obj is not None:
                categories = categories.filter(version=obj.version_id)
            form.base_fields["category"].queryset = categories  # type: ignore[attr-defined]
        return form

    def save_model(self, request: HttpRequest, obj: Criterion, form: Any, change: bool) -> None:
        if change:
            original = Criterion.objects.select_related("version", "category").get(pk=obj.pk)
            saved = criterion_save(
                version=original.version,
                by=_actor(request),
                criterion=original,
                **self.changed_fields(form, self.editable),
            )
        else:
            fields = {f: form.cleaned_data[f] for f in self.editable if f in form.cleaned_data}
            saved = criterion_save(
                version=form.cleaned_data["version"], by=_actor(request), **fields
            )
        # The admin goes on with its own object (messages, log entry, redirect).
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Criterion) -> None:
        criterion_delete(criterion=obj, by=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for criterion in queryset.select_related("version"):
            criterion_delete(criterion=criterion, by=_actor(request))


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(DraftOnlyAdmin):
    list_display = ["version", "kind", "should_share", "validity_months", "surveillance_months"]
    list_filter = ["version__status", "kind"]
    list_select_related = ["version"]
    search_fields = ["version__code", "title_en", "title_de"]
    fields = [
        "version_info",
        "kind",
        "title_en",
        "title_de",
        "should_share",
        "validity_months",
        "surveillance_months",
    ]
    readonly_fields = ["version_info", "kind"]
    editable = {"title_en", "title_de", "should_share", "validity_months", "surveillance_months"}

    def version_of(self, obj: AssessmentScheme) -> CatalogueVersion:
        return obj.version

    @admin.display(description=_("version"))
    def version_info(self, obj: AssessmentScheme) -> str:
        return _version_link(obj.version)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if "should_share" in form.base_fields:
            form.base_fields["should_share"].help_text = _(
                "A decimal between 0 and 1: 0.75 means 75 % of the applicable “should” criteria."
            )
        return form

    def save_model(
        self, request: HttpRequest, obj: AssessmentScheme, form: Any, change: bool
    ) -> None:
        scheme_save(
            scheme=AssessmentScheme.objects.select_related("version").get(pk=obj.pk),
            by=_actor(request),
            **self.changed_fields(form, self.editable),
        )


@admin.register(SubjectArea)
class SubjectAreaAdmin(DraftOnlyAdmin):
    """Read-only: subject areas change only with a new import of the whole version."""

    list_display = ["number", "title_en", "category", "scheme"]
    list_filter = ["scheme__version__status", "scheme__kind", "scheme__version"]
    list_select_related = ["scheme__version", "category"]
    search_fields = ["number", "title_en", "title_de"]

    def version_of(self, obj: SubjectArea) -> CatalogueVersion:
        return obj.scheme.version

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AssessmentCriterion)
class AssessmentCriterionAdmin(DraftOnlyAdmin):
    """Only the mapping (`verifies`) of a draft is edited here; texts come from the import."""

    list_display = ["code", "title_en", "obligation", "area", "scheme"]
    list_filter = ["scheme__version__status", "scheme__kind", "obligation", "scheme__version"]
    list_select_related = ["scheme__version", "area"]
    search_fields = ["code", "title_en", "title_de", "text_en", "text_de"]
    readonly_fields = (
        "scheme",
        "area",
        "code",
        "title_en",
        "title_de",
        "text_en",
        "text_de",
        "obligation",
        "justification_required",
        "evidence_required",
        "na_allowed",
    )
    fields = (*readonly_fields, "verifies")
    filter_horizontal = ["verifies"]

    def version_of(self, obj: AssessmentCriterion) -> CatalogueVersion:
        return obj.scheme.version

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and "verifies" in form.base_fields:
            form.base_fields["verifies"].queryset = Criterion.objects.filter(  # type: ignore[attr-defined]
                version=obj.scheme.version_id
            )
        return form

    def save_model(
        self, request: HttpRequest, obj: AssessmentCriterion, form: Any, change: bool
    ) -> None:
        pass  # Nothing but the mapping is editable; it is saved in save_related.

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if "verifies" in form.changed_data:
            assessment_criterion_map(
                assessment=AssessmentCriterion.objects.select_related("scheme__version").get(
                    pk=form.instance.pk
                ),
                criteria=list(form.cleaned_data["verifies"]),
                by=_actor(request),
            )
