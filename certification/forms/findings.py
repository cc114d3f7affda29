"""Forms of findings: the auditor raises one (statement, objective evidence, due date),
the company answers it (correction, root cause, corrective action, completion date), the
auditor verifies it or sends it back. They shape input; the services decide what is
allowed."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import PortalForm, conditionally_required
from criteria.models import AssessmentCriterion

from ..models import FindingKind


class CriteriaField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.title}"


def _text(label: Any, help_text: Any = "", *, rows: int = 5, required: bool = True) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


class FindingForm(PortalForm):
    kind = forms.ChoiceField(
        label=_("Grade"), choices=FindingKind.choices, widget=forms.RadioSelect
    )
    criteria = CriteriaField(
        label=_("Criteria"),
        queryset=AssessmentCriterion.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("The criteria this finding is about; hold Ctrl (or ⌘) to choose several."),
        error_messages={"required": _("Tie the finding to at least one criterion.")},
    )
    description = _text(_("Statement"), _("What does not meet the criterion, in one statement."))
    objective_evidence = conditionally_required(
        _text(
            _("Objective evidence"),
            _(
                "Required for a nonconformity: what you saw, read or heard that shows it "
                "(documents, records, interviews)."
            ),
            required=False,
        )
    )
    due_date = forms.DateField(
        label=_("Answer due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Nonconformities only; empty means the office's policy applies."),
    )

    def __init__(self, *args: Any, scheme_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        criteria = self.fields["criteria"]
        assert isinstance(criteria, CriteriaField)
        criteria.queryset = AssessmentCriterion.objects.filter(scheme_id=scheme_id).order_by(
            "area__position", "position", "code"
        )


class FindingAnswerForm(PortalForm):
    correction = _text(_("Correction"), _("What you fixed at once."), rows=3)
    root_cause = _text(_("Root-cause analysis"), _("Why it happened."), rows=4)
    corrective_action = _text(
        _("Corrective action"),
        _("What keeps it from happening again, and how it can be verified."),
    )
    action_due_on = forms.DateField(
        label=_("Corrective action completed by"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class FindingVerifyForm(PortalForm):
    note = _text(
        _("Verification of effectiveness"),
        _("How you verified that the corrective action works."),
        rows=3,
    )


class FindingSendBackForm(PortalForm):
    reason = _text(_("Reason"), _("Why the corrective action is not sufficient."), rows=3)


class FindingCloseForm(PortalForm):
    note = _text(_("Note"), rows=2, required=False)
