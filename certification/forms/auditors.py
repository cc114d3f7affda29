"""Forms of auditors: the auditor's qualifications, conflicts of interest and declining an
assignment, and the office's assignment of auditors. The services decide what is allowed."""

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cpo_portal.accounts.models import Auditor
from cpo_portal.forms import PortalForm
from cpo_portal.tenancy.models import Organization
from criteria.models import SchemeKind

from ..models import AssignmentRole


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


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you decline?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The CPO office reads this when it assigns another auditor."),
    )


class AuditorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.user.full_name or obj.user.email)


class AssignForm(PortalForm):
    """Any active auditor may be posted; the service refuses the ineligible ones."""

    auditor = AuditorChoiceField(
        label=_("Auditor"),
        queryset=Auditor.objects.none(),
        empty_label=_("Choose an auditor"),
        error_messages={"invalid_choice": _("Choose one of the listed auditors.")},
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=AssignmentRole.choices, initial=AssignmentRole.LEAD
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_assign_%s")
        super().__init__(*args, **kwargs)
        auditor = self.fields["auditor"]
        assert isinstance(auditor, forms.ModelChoiceField)
        auditor.queryset = Auditor.objects.filter(
            is_active=True, user__is_active=True
        ).select_related("user")


class EndAssignmentForm(PortalForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The office's record; the auditor's assignment ends now."),
        error_messages={"required": _("Give a reason.")},
    )

    def __init__(self, *args: Any, assignment_id: int = 0, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_end_{assignment_id}_%s")
        super().__init__(*args, **kwargs)
