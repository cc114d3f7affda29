"""Forms of the CPO office's catalogue pages.

Plain forms, not ModelForms: a ModelForm writes into its instance while validating, and the
services need the untouched object to log "before" and to refuse changes to published
versions before anything is set.
"""

from decimal import Decimal
from pathlib import Path
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import conditionally_required

from .groups import SigneeGroup
from .interchange import MAX_BYTES
from .models import (
    CONTENT_LANGUAGES,
    AssessmentCriterion,
    AssessmentScheme,
    CatalogueVersion,
    Category,
    Criterion,
    Obligation,
    version_code_validator,
)

LANGUAGE_NAMES = {"en": _("English"), "de": _("German")}
IMPORT_SUFFIXES = (".yaml", ".yml", ".json")


def version_languages(version: CatalogueVersion) -> list[str]:
    """The languages a version's texts are kept in; an export drops any other."""
    return [lang for lang in CONTENT_LANGUAGES if lang in (version.languages or [])] or list(
        CONTENT_LANGUAGES
    )


def _localized_fields(
    form: forms.Form,
    languages: list[str],
    name: str,
    label: Any,
    *,
    in_one_language: bool = False,
    **kwargs: Any,
) -> None:
    """One field per language; `in_one_language`: needed in at least one (_at_least_one)."""
    for lang in languages:
        field = forms.CharField(label=f"{label} ({LANGUAGE_NAMES[lang]})", required=False, **kwargs)
        form.fields[f"{name}_{lang}"] = conditionally_required(field) if in_one_language else field


def _at_least_one(form: forms.Form, name: str, languages: list[str], message: Any) -> None:
    fields = [f"{name}_{lang}" for lang in languages]
    if not any(form.cleaned_data.get(f) for f in fields):
        form.add_error(fields[0], message)


class OfficeForm(forms.Form):
    """Labels without the trailing colon, like every other form of the portal."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} ({obj.get_status_display()})"


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.number} {obj.title}"


class CriteriaChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.title} ({obj.get_obligation_display()})"


class ImportForm(OfficeForm):
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


class NewDraftForm(OfficeForm):
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


class ConfirmForm(OfficeForm):
    confirm = forms.BooleanField(label=_("I have checked the summary above."))

    def __init__(self, *args: Any, label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["confirm"].label = label


class CategoryForm(OfficeForm):
    def __init__(self, *args: Any, category: Category, **kwargs: Any) -> None:
        self.languages = version_languages(category.version)
        initial = {
            f"{name}_{lang}": getattr(category, f"{name}_{lang}")
            for name in ("title", "description")
            for lang in self.languages
        }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        _localized_fields(
            self, self.languages, "title", _("Title"), max_length=200, in_one_language=True
        )
        _localized_fields(
            self,
            self.languages,
            "description",
            _("Description"),
            widget=forms.Textarea(attrs={"rows": 3}),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _at_least_one(self, "title", self.languages, _("Give a title in at least one language."))
        return cleaned


class CriterionForm(OfficeForm):
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
        _localized_fields(
            self, self.languages, "title", _("Title"), max_length=300, in_one_language=True
        )
        _localized_fields(
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
        _at_least_one(self, "title", self.languages, _("Give a title in at least one language."))
        _at_least_one(self, "text", self.languages, _("Give the text in at least one language."))
        return cleaned

    def changes(self) -> dict[str, Any]:
        """The fields to hand to the service: all of them for a new criterion."""
        names = list(self.fields) if self.criterion is None else self.changed_data
        return {name: self.cleaned_data[name] for name in names}


class SchemeForm(OfficeForm):
    should_share_percent = forms.DecimalField(
        label=_("“Should” criteria to meet (percent)"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=0,
        help_text=_(
            "Percentage of the applicable “should” criteria that must be met, "
            "a whole number from 0 to 100 (e.g. 75). Every applicable “shall” criterion "
            "must be met in any case."
        ),
    )
    validity_months = forms.IntegerField(
        label=_("Certificate validity (months)"), min_value=1, max_value=120
    )
    surveillance_months = forms.IntegerField(
        label=_("Surveillance interval (months)"),
        min_value=1,
        max_value=120,
        help_text=_("Not longer than the validity."),
    )

    def __init__(self, *args: Any, scheme: AssessmentScheme, **kwargs: Any) -> None:
        self.languages = version_languages(scheme.version)
        initial: dict[str, Any] = {
            "should_share_percent": (scheme.should_share * 100).quantize(Decimal(1)),
            "validity_months": scheme.validity_months,
            "surveillance_months": scheme.surveillance_months,
            **{f"title_{lang}": getattr(scheme, f"title_{lang}") for lang in self.languages},
        }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        _localized_fields(
            self, self.languages, "title", _("Title"), max_length=200, in_one_language=True
        )
        self.order_fields([f"title_{lang}" for lang in self.languages])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _at_least_one(self, "title", self.languages, _("Give a title in at least one language."))
        validity, surveillance = cleaned.get("validity_months"), cleaned.get("surveillance_months")
        if validity and surveillance and surveillance > validity:
            self.add_error(
                "surveillance_months",
                _("The surveillance interval cannot be longer than the validity."),
            )
        return cleaned

    def changes(self) -> dict[str, Any]:
        out = {}
        for name in self.changed_data:
            if name == "should_share_percent":
                out["should_share"] = (self.cleaned_data[name] / 100).quantize(Decimal("0.01"))
            else:
                out[name] = self.cleaned_data[name]
        return out


class MappingForm(OfficeForm):
    verifies = CriteriaChoiceField(
        label=_("Verifies these CPO criteria"),
        queryset=Criterion.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The published mapping: which CPO criteria this assessment criterion checks."),
    )

    def __init__(self, *args: Any, assessment: AssessmentCriterion, **kwargs: Any) -> None:
        version = assessment.scheme.version
        initial = {"verifies": [c.pk for c in assessment.verifies.all()]}
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        verifies = self.fields["verifies"]
        assert isinstance(verifies, forms.ModelMultipleChoiceField)
        verifies.queryset = version.criteria.order_by("category__position", "position")
