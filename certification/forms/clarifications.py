"""Forms of clarification requests: the auditor's question and follow-up, the company's
answer with optional evidence. They shape input; the services decide what is allowed."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import PortalForm
from criteria.models import AssessmentCriterion

from ..uploads import ACCEPT_ATTRIBUTE, MAX_EVIDENCE_BYTES


class CriterionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.title}"


class ClarificationAskForm(PortalForm):
    criterion = CriterionChoice(
        label=_("Criterion"),
        queryset=AssessmentCriterion.objects.none(),
        error_messages={"required": _("Choose the criterion the question is about.")},
    )
    question = forms.CharField(
        label=_("Question"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The company's owners and administrators receive it by e-mail."),
    )

    def __init__(self, *args: Any, scheme_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["criterion"]
        assert isinstance(field, CriterionChoice)
        field.queryset = AssessmentCriterion.objects.filter(scheme_id=scheme_id).order_by(
            "area__position", "position", "code"
        )


class ClarificationReplyForm(PortalForm):
    body = forms.CharField(
        label=_("Follow-up question"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ClarificationAnswerForm(PortalForm):
    """The company's answer: text, and optionally a file or a link as evidence."""

    body = forms.CharField(
        label=_("Your answer"), max_length=10000, widget=forms.Textarea(attrs={"rows": 5})
    )
    file = forms.FileField(
        label=_("Evidence file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        help_text=_("PDF, PNG, JPEG, DOCX, XLSX or ODT, at most %(mb)d MB.")
        % {"mb": MAX_EVIDENCE_BYTES // (1024 * 1024)},
    )
    url = forms.URLField(
        label=_("or a link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    title = forms.CharField(label=_("Title of the evidence"), required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("file") and cleaned.get("url"):
            raise forms.ValidationError(_("Add either a file or a link, not both at once."))
        return cleaned
