"""Forms of the catalogue: the public filter and version comparison, and the CPO office's
import, new draft, confirmation, category and criterion forms.

The office's are plain forms, not ModelForms: a ModelForm writes into its instance while
validating, and the services need the untouched object to log "before" and to refuse changes
to published versions before anything is set.
"""

from pathlib import Path
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import PortalForm, conditionally_required

from ..groups import SigneeGroup
from ..interchange import MAX_BYTES
from ..models import (
    CONTENT_LANGUAGES,
    CatalogueVersion,
    Category,
    Criterion,
    Obligation,
    VersionStatus,
    version_code_validator,
)
from ..selectors.catalogue import CatalogueFilter

LANGUAGE_NAMES = {"en": _("English"), "de": _("German")}
IMPORT_SUFFIXES = (".yaml", ".yml", ".json")


def version_languages(version: CatalogueVersion) -> list[str]:
    """The languages a version's texts are kept in; an export drops any other."""
    return [lang for lang in CONTENT_LANGUAGES if lang in (version.languages or [])] or list(
        CONTENT_LANGUAGES
    )


def localized_fields(
    form: forms.Form,
    languages: list[str],
    name: str,
    label: Any,
    *,
    in_one_language: bool = False,
    **kwargs: Any,
) -> None:
    """One field per language; `in_one_language`: needed in at least one (at_least_one)."""
    for lang in languages:
        field = forms.CharField(label=f"{label} ({LANGUAGE_NAMES[lang]})", required=False, **kwargs)
        form.fields[f"{name}_{lang}"] = conditionally_required(field) if in_one_language else field


def at_least_one(form: forms.Form, name: str, languages: list[str], message: Any) -> None:
    fields = [f"{name}_{lang}" for lang in languages]
    if not any(form.cleaned_data.get(f) for f in fields):
        form.add_error(fields[0], message)


# --- The public catalogue (GET only) -----------------------------------------------------


def _obligation_choices() -> list[tuple[str, Any]]:
    meanings = {
        Obligation.SHALL: _("mandatory"),
        Obligation.SHOULD: _("desired"),
        Obligation.MAY: _("optional"),
    }
    return [("", _("All obligations"))] + [
        (o.value, format_lazy("{} ({})", o.label, meanings[o])) for o in Obligation
    ]


class CatalogueFilterForm(PortalForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("Words in the code, title or text, in English or German."),
    )
    obligation = forms.ChoiceField(
        label=_("Obligation"), required=False, choices=_obligation_choices
    )
    group = forms.ChoiceField(
        label=_("Applies to"),
        required=False,
        choices=[("", _("All groups")), *SigneeGroup.choices],
    )

    def filters(self) -> CatalogueFilter:
        """The valid part of the query: a hand-edited bad value is shown as an error and
        ignored, so the page still lists the catalogue."""
        if not self.is_bound:
            return CatalogueFilter()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return CatalogueFilter(
            q=data.get("q", "").strip(),
            obligation=data.get("obligation", ""),
            group=data.get("group", ""),
        )


class VersionPairForm(PortalForm):
    """Two public versions to compare; the fields are named `from` and `to` as in the URL."""

    def __init__(self, *args: Any, versions: list[CatalogueVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.versions = {v.code: v for v in versions}
        choices = [(v.code, self._label(v)) for v in versions]
        unknown = _("There is no published catalogue version “%(value)s”.")
        for name, label in (("from", _("From")), ("to", _("To"))):
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=choices,
                error_messages={
                    "invalid_choice": unknown,
                    "required": _("Choose a version."),
                },
            )

    @staticmethod
    def _label(version: CatalogueVersion) -> str:
        if version.status == VersionStatus.RETIRED:
            return gettext("%(version)s (retired)") % {"version": version.code}
        return version.code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("from") and data.get("from") == data.get("to"):
            raise forms.ValidationError(gettext("Choose two different versions."), code="same")
        return data

    def pair(self) -> tuple[CatalogueVersion, CatalogueVersion]:
        return self.versions[self.cleaned_data["from"]], self.versions[self.cleaned_data["to"]]


# --- The CPO office ------------------------------------------------------------------------


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} ({obj.get_status_display()})"


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.number} {obj.title}"


class ImportForm(PortalForm):
    file = forms.FileField(
        label=_("Catalogue file"),
        help_text=_(
            "YAML (.yaml, .yml) or JSON (.json) in the format cpo-catalogue/1, at most 5 MB."
        ),
    )
    publish = forms.BooleanField(
        label=_("Publish after import"),
        required=False,
        help_text=_(
            "The version becomes public and can no longer be changed. "
            "Leave unticked to review the draft first."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(_("The file is larger than 5 MB."))
        if Path(upload.name).suffix.lower() not in IMPORT_SUFFIXES:
            raise ValidationError(_("Upload a .yaml, .yml or .json file."))
        return upload


class NewDraftForm(PortalForm):
    source = VersionChoiceField(
        label=_("Copy from version"),
        queryset=CatalogueVersion.objects.none(),
        to_field_name="code",
        help_text=_("All categories, criteria, schemes and mappings are copied into the draft."),
    )
    code = forms.CharField(
        label=_("New version"),
        max_length=40,
        validators=[version_code_validator],
        help_text=_("Letters, digits, dots, dashes and underscores, e.g. 2.1 or 2026-1."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source = self.fields["source"]
        assert isinstance(source, forms.ModelChoiceField)
        source.queryset = CatalogueVersion.objects.order_by("-created_at", "-pk")

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip()
        if CatalogueVersion.objects.filter(code=code).exists():
            raise ValidationError(
                _("Version %(version)s already exists."), params={"version": code}
            )
        return code


class ConfirmForm(PortalForm):
    confirm = forms.BooleanField(label=_("I have checked the summary above."))

    def __init__(self, *args: Any, label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["confirm"].label = label


class CategoryForm(PortalForm):
    def __init__(self, *args: Any, category: Category, **kwargs: Any) -> None:
        self.languages = version_languages(category.version)
        initial = {
            f"{name}_{lang}": getattr(category, f"{name}_{lang}")
            for name in ("title", "description")
            for lang in self.languages
        }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        localized_fields(
            self, self.languages, "title", _("Title"), max_length=200, in_one_language=True
        )
        localized_fields(
            self,
            self.languages,
            "description",
            _("Description"),
            widget=forms.Textarea(attrs={"rows": 3}),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        at_least_one(self, "title", self.languages, _("Give a title in at least one language."))
        return cleaned


class CriterionForm(PortalForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("As printed, e.g. 2.4.1; unique in the version."),
    )
    category = CategoryChoiceField(label=_("Category"), queryset=Category.objects.none())
    obligation = forms.ChoiceField(label=_("Obligation"), choices=Obligation.choices)
    applies_to = forms.MultipleChoiceField(
        label=_("Applies to"),
        choices=SigneeGroup.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The signee groups whose statements and self-assessments list it."),
    )
    justification_required = forms.BooleanField(
        label=_("A written justification is required"), required=False
    )
    evidence_required = forms.BooleanField(label=_("Evidence is required"), required=False)
    na_allowed = forms.BooleanField(label=_("“Not applicable” is allowed"), required=False)

    FLAGS = ("justification_required", "evidence_required", "na_allowed")

    def __init__(
        self,
        *args: Any,
        version: CatalogueVersion,
        criterion: Criterion | None = None,
        **kwargs: Any,
    ) -> None:
        self.version, self.criterion = version, criterion
        self.languages = version_languages(version)
        initial: dict[str, Any] = {"applies_to": [g.value for g in SigneeGroup]}
        if criterion is not None:
            initial = {
                "code": criterion.code,
                "category": criterion.category_id,
                "obligation": criterion.obligation,
                "applies_to": list(criterion.applies_to),
                **{f: getattr(criterion, f) for f in self.FLAGS},
                **{
                    f"{name}_{lang}": getattr(criterion, f"{name}_{lang}")
                    for name in ("title", "text")
                    for lang in self.languages
                },
            }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)
        # Only this version's categories: a criterion never moves between versions.
        category.queryset = version.categories.order_by("position")
        localized_fields(
            self, self.languages, "title", _("Title"), max_length=300, in_one_language=True
        )
        localized_fields(
            self,
            self.languages,
            "text",
            _("Text"),
            in_one_language=True,
            widget=forms.Textarea(attrs={"rows": 5}),
        )
        # Titles and texts right after the code, flags last: the order people read them in.
        order = ["code", "category", *[f"title_{lang}" for lang in self.languages]]
        order += [f"text_{lang}" for lang in self.languages]
        self.order_fields([*order, "obligation", "applies_to", *self.FLAGS])

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip()
        taken = self.version.criteria.filter(code=code)
        if self.criterion is not None:
            taken = taken.exclude(pk=self.criterion.pk)
        if taken.exists():
            raise ValidationError(
                _("Another criterion of this version has the code %(code)s."),
                params={"code": code},
            )
        return code

    def clean_applies_to(self) -> list[str]:
        chosen = set(self.cleaned_data["applies_to"])
        return [g.value for g in SigneeGroup if g.value in chosen]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        at_least_one(self, "title", self.languages, _("Give a title in at least one language."))
        at_least_one(self, "text", self.languages, _("Give the text in at least one language."))
        return cleaned

    def changes(self) -> dict[str, Any]:
        """The fields to hand to the service: all of them for a new criterion."""
        names = list(self.fields) if self.criterion is None else self.changed_data
        return {name: self.cleaned_data[name] for name in names}
