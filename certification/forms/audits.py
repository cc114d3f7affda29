"""Forms of the audit: the auditor's scores, notes and report (findings: forms/findings.py).
They shape input; the services decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Recommendation


class ScoreForm(forms.Form):
    """One criterion's rating. `keep_version` is the "keep mine" button of a conflict: the
    auditor resubmits their values on top of the version that was saved in between."""

    rating = forms.CharField(required=False, max_length=20)
    rationale = forms.CharField(required=False, max_length=10000, strip=False)
    version = forms.IntegerField(
        min_value=0, error_messages={"required": _("The score's version is missing.")}
    )
    keep_version = forms.IntegerField(required=False, min_value=0)
    # Evidence required (clarifications): "rate fulfilled without evidence", confirmed.
    without_evidence = forms.BooleanField(required=False)

    def expected_version(self) -> int:
        keep = self.cleaned_data.get("keep_version")
        return keep if keep is not None else self.cleaned_data["version"]


class ReportForm(forms.Form):
    recommendation = forms.ChoiceField(
        label=_("Recommendation"), choices=Recommendation.choices, widget=forms.RadioSelect
    )
    summary = forms.CharField(
        label=_("Summary"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )
