"""Forms of the auditor's area. They shape input; the services decide what is allowed."""

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cpo_portal.tenancy.models import Organization
from criteria.models import AssessmentCriterion, SchemeKind

from .models import FindingKind, Rating, Recommendation


class ScoreForm(forms.Form):
    """One criterion's rating. `keep_version` is the "keep mine" button of a conflict: the
    auditor resubmits their values on top of the version that was saved in between."""

    rating = forms.CharField(required=False, max_length=20)
    rationale = forms.CharField(required=False, max_length=10000, strip=False)
    version = forms.IntegerField(
        min_value=0, error_messages={"required": _("The score's version is missing.")}
    )
    keep_version = forms.IntegerField(required=False, min_value=0)

    def expected_version(self) -> int:
        keep = self.cleaned_data.get("keep_version")
        return keep if keep is not None else self.cleaned_data["version"]


class QualificationsForm(forms.Form):
    scheme_kinds = forms.MultipleChoiceField(
        label=_("Schemes you are qualified to audit"),
        choices=SchemeKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ConflictForm(forms.Form):
    organization = forms.CharField(
        label=_("Organization"),
        max_length=200,
        help_text=_("Its address in the portal (as in /o/<address>/) or its exact name."),
    )
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a conflict without end."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_organization(self) -> Organization:
        value = self.cleaned_data["organization"].strip()
        organization = (
            Organization.objects.filter(
                Q(slug=value.lower()) | Q(legal_name__iexact=value) | Q(display_name__iexact=value)
            )
            .order_by("pk")
            .first()
        )
        if organization is None:
            raise forms.ValidationError(_("No organization has this address or name."))
        return organization


class FindingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=FindingKind.choices, widget=forms.RadioSelect)
    criteria = forms.ModelMultipleChoiceField(
        label=_("Criteria"),
        queryset=AssessmentCriterion.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("The criteria this finding is about; hold Ctrl (or ⌘) to choose several."),
        error_messages={"required": _("Tie the finding to at least one criterion.")},
    )
    description = forms.CharField(
        label=_("Description"), max_length=10000, widget=forms.Textarea(attrs={"rows": 5})
    )
    due_date = forms.DateField(
        label=_("Corrective action due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Nonconformities only; empty means in 30 days."),
    )

    def __init__(self, *args: Any, scheme_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        criteria = self.fields["criteria"]
        criteria.queryset = AssessmentCriterion.objects.filter(scheme_id=scheme_id).order_by(
            "area__position", "position", "code"
        )
        criteria.label_from_instance = lambda c: f"{c.code} {c.title}"  # type: ignore[attr-defined]


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReportForm(forms.Form):
    recommendation = forms.ChoiceField(
        label=_("Recommendation"), choices=Recommendation.choices, widget=forms.RadioSelect
    )
    summary = forms.CharField(
        label=_("Summary"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you decline?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The CPO office reads this when it assigns another auditor."),
    )


__all__ = [
    "ConflictForm",
    "DeclineForm",
    "FindingForm",
    "NoteForm",
    "QualificationsForm",
    "Rating",
    "ReportForm",
    "ScoreForm",
]
