"""Forms of the association membership. They parse input; the services decide what is allowed."""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import PortalForm

from ..member_list import MAX_BYTES
from ..models import MembershipStatus


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class MembershipForm(PortalForm):
    number = forms.CharField(
        label=_("prostep ivip membership number"),
        max_length=50,
        help_text=_("As printed on your membership confirmation or invoice."),
    )
    member_since = forms.DateField(label=_("Member since"), widget=DateInput())

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip()
        if not number:
            raise forms.ValidationError(_("Give the membership number."))
        return number

    def clean_member_since(self) -> date:
        day = self.cleaned_data["member_since"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The membership cannot start in the future."))
        return day


class VerifyForm(PortalForm):
    valid_until = forms.DateField(
        label=_("Valid until"),
        widget=DateInput(),
        help_text=_("The last day of the paid membership; community rights end after it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("valid_until", today.replace(month=12, day=31))
            if today.month == 12:
                self.initial["valid_until"] = today.replace(year=today.year + 1, day=31)
        self._today = timezone.localdate()

    def clean_valid_until(self) -> date:
        day = self.cleaned_data["valid_until"]
        if day < self._today:
            raise forms.ValidationError(_("The validity has already ended."))
        if day > self._today + timedelta(days=5 * 366):
            raise forms.ValidationError(_("Verify for at most five years."))
        return day


class RejectForm(PortalForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The company sees this reason."),
    )


class MembershipFilterForm(PortalForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *MembershipStatus.choices],
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {"status": "", "q": ""}
        return {"status": self.cleaned_data["status"], "q": self.cleaned_data["q"].strip()}


class MemberListForm(PortalForm):
    file = forms.FileField(
        label=_("Member list"),
        help_text=_(
            "The prostep ivip member list as CSV (UTF-8, separated by “;” or “,”), at most "
            "2 MB, with a header row: member number, company name, member since, valid until."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload


MEMBER_LIST_OUTCOMES = [
    ("", _("Every row")),
    ("match", _("Matches")),
    ("changes", _("Changes only")),
    ("no_match", _("No match")),
    ("ambiguous", _("Ambiguous")),
    ("error", _("Errors")),
]


class MemberListFilterForm(PortalForm):
    outcome = forms.ChoiceField(label=_("Show"), required=False, choices=MEMBER_LIST_OUTCOMES)

    def outcome_value(self) -> str:
        return self.cleaned_data["outcome"] if self.is_valid() else ""
