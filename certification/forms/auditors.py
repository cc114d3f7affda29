"""Forms of auditors: the auditor's application for a qualification, conflicts of interest
and declining an assignment; the office's decision on qualifications and its assignment of
auditors. The services decide what is allowed."""

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cpo_portal.accounts.models import Auditor
from cpo_portal.forms import PortalForm
from cpo_portal.tenancy.models import Organization
from criteria.models import SchemeKind

from ..models import AssignmentRole
from ..uploads import ACCEPT_ATTRIBUTE


def _text(label: Any, help_text: Any = "", *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=5000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class QualificationApplyForm(PortalForm):
    """The auditor's application for a qualification, with the evidence of competence."""

    scheme_kind = forms.ChoiceField(
        label=_("Scheme"),
        choices=SchemeKind.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Apply again while approved to renew: the renewal replaces the qualification in "
            "force once the office approves it."
        ),
    )
    training = _text(
        _("Training"),
        _("Auditor training and courses on the CPO, ISO/IEC 17065 or ISO/IEC 17021-1, with dates."),
    )
    experience = _text(
        _("Professional experience"),
        _("Years and fields of work in PLM, CAD, ERP or their integration; audits you led."),
    )
    audits_witnessed = _text(
        _("Audits witnessed"),
        _("Audits you took part in or observed: organization (or kind), scheme, year."),
        required=False,
    )
    evidence = forms.FileField(
        label=_("Evidence file"),
        required=False,
        help_text=_(
            "Certificates of training or a CV: PDF, PNG, JPEG, DOCX, XLSX or ODT, checked by "
            "content. Only you and the CPO office can download it."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_apply_%s")
        super().__init__(*args, **kwargs)


class QualificationApproveForm(PortalForm):
    valid_from = forms.DateField(
        label=_("Valid from"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For a renewal: today at the latest, so there is no gap."),
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("In the future; at most five years."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The auditor reads it with the approval."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_approve_%s")
        super().__init__(*args, **kwargs)


class QualificationDecisionForm(PortalForm):
    """The reason of a refusal or a revocation, which the auditor reads."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The auditor reads it."),
        error_messages={"required": _("Give a reason.")},
    )

    def __init__(self, *args: Any, action: str = "refuse", **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{action}_%s")
        super().__init__(*args, **kwargs)


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
