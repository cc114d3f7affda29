"""Forms of the CPO office's scheme pages: a scheme's titles and pass rule, and the mapping
of an assessment criterion to the CPO criteria it verifies."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import PortalForm

from ..models import AssessmentCriterion, AssessmentScheme, Criterion
from .catalogue import at_least_one, localized_fields, version_languages


class CriteriaChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.title} ({obj.get_obligation_display()})"


class SchemeForm(PortalForm):
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
        localized_fields(
            self, self.languages, "title", _("Title"), max_length=200, in_one_language=True
        )
        self.order_fields([f"title_{lang}" for lang in self.languages])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        at_least_one(self, "title", self.languages, _("Give a title in at least one language."))
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


class MappingForm(PortalForm):
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
