"""Forms of the CPO Statement editor. They shape input; the services decide what is allowed."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import VersionedForm, conditionally_required
from criteria.models import Criterion

from ..models import Fulfilment, StatementKind


class AnswerForm(VersionedForm):
    """One criterion: how it is fulfilled, why, and where to read more."""

    fulfilment = forms.ChoiceField(
        label=_("Fulfilment"),
        choices=Fulfilment.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the criterion is fulfilled.")},
    )
    # The service refuses it empty unless the criterion is fulfilled.
    explanation = conditionally_required(
        forms.CharField(
            label=_("Explanation"),
            required=False,
            max_length=5000,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("Required unless the criterion is fulfilled."),
        )
    )
    link = forms.URLField(
        label=_("Link to more information"),
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )

    def __init__(self, *args: Any, criterion: Criterion, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"c{criterion.pk}")
        super().__init__(*args, **kwargs)
        self.criterion = criterion
        if not criterion.na_allowed:
            # Only the offered choices are shown; a forged "not applicable" still reaches
            # the service, which refuses it with a message that names the criterion.
            self.fields["fulfilment"].widget.choices = [
                (value, label)
                for value, label in Fulfilment.choices
                if value != Fulfilment.NOT_APPLICABLE
            ]


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("Introduction for readers"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "An introduction shown above the answers: which products the statement covers."
        ),
    )


class KindForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Provided as"),
        choices=StatementKind.choices,
        widget=forms.RadioSelect,
    )


class LinkForm(forms.Form):
    external_url = forms.URLField(
        label=_("Web address of your statement"),
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Statement as PDF"),
        help_text=_("A PDF file of at most 10 MB."),
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I confirm that this statement is correct and may be published."),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class DiscardForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, discard this draft and all its answers."),
        error_messages={"required": _("Tick the box to confirm.")},
    )
