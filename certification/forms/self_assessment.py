"""Forms of the self-assessment: the company's answer to a criterion and its evidence."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import PortalForm, VersionedForm, conditionally_required
from criteria.models import AssessmentCriterion

from ..models import SelfStatus
from ..uploads import ACCEPT_ATTRIBUTE, MAX_EVIDENCE_BYTES

STATUS_CHOICES = [("", _("— choose —")), *SelfStatus.choices]


class AnswerForm(VersionedForm):
    """The company's answer to one assessment criterion."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=STATUS_CHOICES,
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

    # Evidence required (clarifications): the company says why it gives none; only on the
    # criteria that require evidence (removed below from the others).
    # Needed when the criterion has no evidence: refused empty at submission then, so it is
    # not marked "(optional)".
    no_evidence_reason = conditionally_required(
        forms.CharField(
            label=_("Why there is no evidence"),
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=_("This criterion requires evidence. Without it, say why there is none."),
        )
    )

    def __init__(self, *args: Any, criterion: AssessmentCriterion, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"c{criterion.pk}")
        super().__init__(*args, **kwargs)
        self.criterion = criterion
        if not criterion.evidence_required:
            del self.fields["no_evidence_reason"]
        if not criterion.na_allowed:
            # Offered only where allowed; a forged value still reaches the service, which
            # refuses it with its own message.
            widget = self.fields["status"].widget
            assert isinstance(widget, forms.Select)
            widget.choices = [
                (value, label)
                for value, label in STATUS_CHOICES
                if value != SelfStatus.NOT_APPLICABLE
            ]


class EvidenceForm(PortalForm):
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

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        has_file, has_url = bool(cleaned.get("file")), bool(cleaned.get("url"))
        if has_file and has_url:
            raise forms.ValidationError(_("Add either a file or a link, not both at once."))
        if not has_file and not has_url and not self.errors:
            raise forms.ValidationError(_("Choose a file or enter a link."))
        return cleaned
