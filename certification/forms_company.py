"""Forms of the organization's certification workspace.

They shape the input; the services decide what is allowed (and refuse it with a message
the views put on the form), so no business rule lives here twice.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import conditionally_required
from cpo_portal.forms import VersionedForm
from criteria.models import AssessmentCriterion, SchemeKind

from .models import SelfStatus
from .uploads import ACCEPT_ATTRIBUTE, MAX_EVIDENCE_BYTES

PRODUCT_FIELDS = ("product_name", "product_version", "product_description")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        # The browser's date picker sends and expects ISO dates, whatever the language.
        super().__init__(format="%Y-%m-%d", **kwargs)


class ApplicationForm(forms.Form):
    """What the company fills in: scope, requested audit window, the product."""

    scope_description = forms.CharField(
        label=_("Scope of the certification"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Which parts of the company (or which product editions) are covered."),
    )
    window_start = forms.DateField(
        label=_("Requested audit window from"), widget=DateInput(), input_formats=["%Y-%m-%d"]
    )
    window_end = forms.DateField(
        label=_("Requested audit window until"), widget=DateInput(), input_formats=["%Y-%m-%d"]
    )
    product_name = forms.CharField(label=_("Product name"), max_length=200)
    product_version = forms.CharField(label=_("Product version"), max_length=100)
    product_description = forms.CharField(
        label=_("Product description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind != SchemeKind.PRODUCT:
            for name in PRODUCT_FIELDS:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("window_start"), cleaned.get("window_end")
        if start and end and end < start:
            self.add_error("window_end", _("The audit window ends before it starts."))
        return cleaned

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name, "") for name in self.fields}


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The CPO office and any assigned auditors will see it."),
    )


class AnswerForm(VersionedForm):
    """The company's answer to one assessment criterion."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("— choose —")), *SelfStatus.choices],
        error_messages={"required": _("Choose a status.")},
    )
    # The service refuses a "not applicable" answer without it.
    explanation = conditionally_required(
        forms.CharField(
            label=_("Explanation"),
            required=False,
            max_length=10000,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("How you meet the criterion; required for “not applicable”."),
        )
    )

    def __init__(self, *args: Any, criterion: AssessmentCriterion, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"c{criterion.pk}")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.criterion = criterion
        if not criterion.na_allowed:
            # Offered only where allowed; a forged value still reaches the service, which
            # refuses it with its own message.
            self.fields["status"].widget.choices = [
                (value, label)
                for value, label in self.fields["status"].choices
                if value != SelfStatus.NOT_APPLICABLE
            ]


class EvidenceForm(forms.Form):
    """A file (checked by content in the service) or a link, with an optional title."""

    # One of the two is required (clean() below).
    file = conditionally_required(
        forms.FileField(
            label=_("File"),
            required=False,
            widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
            help_text=_("PDF, PNG, JPEG, DOCX, XLSX or ODT, at most %(mb)d MB.")
            % {"mb": MAX_EVIDENCE_BYTES // (1024 * 1024)},
        )
    )
    url = conditionally_required(
        forms.URLField(
            label=_("or a link"),
            required=False,
            max_length=500,
            assume_scheme="https",
            widget=forms.URLInput(attrs={"placeholder": "https://"}),
        )
    )
    title = forms.CharField(label=_("Title"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        has_file, has_url = bool(cleaned.get("file")), bool(cleaned.get("url"))
        if has_file and has_url:
            raise forms.ValidationError(_("Add either a file or a link, not both at once."))
        if not has_file and not has_url and not self.errors:
            raise forms.ValidationError(_("Choose a file or enter a link."))
        return cleaned


class FindingAnswerForm(forms.Form):
    corrective_action = forms.CharField(
        label=_("Corrective action"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you changed or will change, by when, and how it can be verified."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
