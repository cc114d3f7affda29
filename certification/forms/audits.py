"""Forms of the audit: the auditor's scores, findings, notes and report, and the company's
corrective action. They shape input; the services decide what is allowed."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import PortalForm
from criteria.models import AssessmentCriterion

from ..models import FindingKind, Recommendation


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


class CriteriaField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.title}"


class FindingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=FindingKind.choices, widget=forms.RadioSelect)
    criteria = CriteriaField(
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
        assert isinstance(criteria, CriteriaField)
        criteria.queryset = AssessmentCriterion.objects.filter(scheme_id=scheme_id).order_by(
            "area__position", "position", "code"
        )


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


class FindingAnswerForm(PortalForm):
    corrective_action = forms.CharField(
        label=_("Corrective action"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you changed or will change, by when, and how it can be verified."),
    )
