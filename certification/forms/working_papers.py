"""Forms of auditor working papers. They shape input; the services decide what is allowed."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import VersionedForm
from criteria.models import AssessmentCriterion

from ..models import WorkingPaperKind
from ..uploads import ACCEPT_ATTRIBUTE, MAX_EVIDENCE_BYTES
from .clarifications import CriterionChoice


class WorkingPaperForm(VersionedForm):
    """A working paper: per criterion (or the audit as a whole), kind, title, notes, a file.
    Guarded by `version` when editing (a stale edit shows both values)."""

    criterion = CriterionChoice(
        label=_("Criterion"),
        required=False,
        queryset=AssessmentCriterion.objects.none(),
        empty_label=_("— the audit as a whole —"),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=WorkingPaperKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        help_text=_("PDF, PNG, JPEG, DOCX, XLSX or ODT, at most %(mb)d MB.")
        % {"mb": MAX_EVIDENCE_BYTES // (1024 * 1024)},
    )

    def __init__(self, *args: Any, scheme_id: int, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["criterion"]
        assert isinstance(field, CriterionChoice)
        field.queryset = AssessmentCriterion.objects.filter(scheme_id=scheme_id).order_by(
            "area__position", "position", "code"
        )
        if editing:
            # The criterion stays as recorded; an edit changes what the paper says.
            del self.fields["criterion"]
