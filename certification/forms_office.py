"""Forms of the CPO office's certification pages.

The forms check shape (a choice, a required reason); what is allowed — qualification,
conflicts of interest, four-eyes, the pass rule, the state machine — is the services' call,
so a forged POST reaches the service and is refused there.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cpo_portal.accounts.models import Auditor
from cpo_portal.tenancy.models import Organization
from criteria.models import SchemeKind

from .models import ApplicationStatus, AssignmentRole, Recommendation
from .selectors import OfficeFilter

# The office's own pseudo-status: everything waiting for an office action.
TODO = "todo"
ALL = "all"
TODO_STATES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.REPORT_SUBMITTED,
)
FILTER_FIELDS = ("status", "kind", "q")


class OfficeForm(forms.Form):
    """Labels without the trailing colon, like every other form of the portal."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class QueueFilterForm(OfficeForm):
    """The queue's filters. Without any filter it shows what waits for the office."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("Part of the organization's name or the product name."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            (TODO, _("Waiting for the office")),
            (ALL, _("All statuses")),
            *[(v, label) for v, label in ApplicationStatus.choices if v != ApplicationStatus.DRAFT],
        ],
    )
    kind = forms.ChoiceField(
        label=_("Certificate"),
        required=False,
        choices=[("", _("All certificates")), *SchemeKind.choices],
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        # Page links carry only ?page=; they mean the default queue.
        if data is not None and not any(name in data for name in FILTER_FIELDS):
            data = None
        super().__init__(data, initial={"status": TODO}, **kwargs)

    def _clean(self) -> dict[str, Any]:
        if not self.is_bound:
            return {}
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    @property
    def chosen_status(self) -> str:
        return self._clean().get("status") or TODO

    def filters(self) -> OfficeFilter:
        """The valid part of the query: a hand-edited bad value is shown and ignored."""
        data = self._clean()
        status = self.chosen_status
        return OfficeFilter(
            status=status if status not in (TODO, ALL) else "",
            kind=data.get("kind", ""),
            q=data.get("q", "").strip(),
        )

    @property
    def is_default(self) -> bool:
        return self.chosen_status == TODO and self.filters() == OfficeFilter()


REVIEW_ACTIONS = ("accept", "return", "reject")


class ReviewForm(OfficeForm):
    """Accept, return for completion or reject; the company sees the reason."""

    action = forms.ChoiceField(
        choices=[
            ("accept", _("Accept")),
            ("return", _("Return for completion")),
            ("reject", _("Reject")),
        ],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The company sees this text and receives it by e-mail."),
    )

    def __init__(self, *args: Any, action: str = "", **kwargs: Any) -> None:
        # Several review forms share the page; their ids must differ.
        kwargs.setdefault("auto_id", f"id_review_{action or 'x'}_%s")
        super().__init__(*args, **kwargs)
        if action:
            self.fields["action"].initial = action
            self.fields["reason"].required = action != "accept"
            if action == "accept":
                self.fields["reason"].help_text = _(
                    "Optional; the company sees it with the acceptance."
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") in ("return", "reject") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason: the company sees it."))
        return data


class AuditorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.user.full_name or obj.user.email)


class AssignForm(OfficeForm):
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
        self.fields["auditor"].queryset = Auditor.objects.filter(  # type: ignore[attr-defined]
            is_active=True, user__is_active=True
        ).select_related("user")


class EndAssignmentForm(OfficeForm):
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


class DecideForm(OfficeForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(Recommendation.GRANT, _("Grant")), (Recommendation.DENY, _("Deny"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose grant or deny.")},
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Why you decide so. The company sees it."),
        error_messages={"required": _("Give the rationale of the decision.")},
    )


class ReopenForm(OfficeForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the auditors should look at again. The company sees it."),
        error_messages={"required": _("Give a reason: the company sees it.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_reopen_%s")
        super().__init__(*args, **kwargs)


class GrantForm(OfficeForm):
    """Record an organizational certification granted outside the portal."""

    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        empty_label=_("Choose an organization"),
        help_text=_("Approved signees of the CPO."),
        error_messages={"invalid_choice": _("Choose one of the approved signees.")},
    )
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        help_text=_("The certificate's number or reference."),
    )
    valid_until = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from signees.selectors import published_signees

        super().__init__(*args, **kwargs)
        ids = published_signees().values("organization_id")
        self.fields["organization"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            pk__in=ids
        ).order_by("legal_name")
